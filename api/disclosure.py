"""The one disclosure rule every output follows: nothing about fewer than ``k`` participants.

``k`` is the consultation's ``min_segment_size``. Results (whole and by segment), digests, partner exports and
pages all go through this module, so that they cannot disagree about what may be shown. The rule, in words
(docs/privacy.md says the same for readers):

1. **Below k, nothing.** A consultation (or a segment, or any group) with fewer than ``k`` participants has no
   results released: no digest, no segment, no attribute on an export row (:func:`enough`).
2. **Rare values become "other".** For each released attribute (age band, country, region, language, outreach
   source; "not given" counts as a value too), every value held by fewer than ``k`` participants is pooled into
   "other". If that pool is itself smaller than ``k``, the smallest shown values join it until it is not, so
   that no rare value can be recovered by subtracting what is shown from the whole (:func:`pool`).
3. **Rare combinations lose attributes.** Then, participant by participant, if the combination of attributes
   a row would carry is shared by fewer than ``k`` participants, attributes are withheld from that row in the
   order of :data:`DROP_ORDER` (source first, age band last) until what is left is shared by at least ``k``
   participants who carry exactly the same released values, or nothing is left. Where other participants'
   rows can join a small group by giving up their last attributes too, they do (the smallest groups first),
   rather than the small group losing everything. The rows left with nothing form one group as well; if it
   is smaller than ``k``, the smallest released groups join it until it is not, so that "the one row with
   nothing" cannot single anyone out either (:func:`plan`).

4. **Counts inside segments** of fewer than ``k`` people are suppressed, with the complementary counts that
   subtraction from a total would give them back by (:func:`suppress_cells`; :mod:`api.results.suppression` applies it).
5. **Opinion groups** of fewer than ``k`` are withheld whole, and a group's figures on a statement seen by
   fewer than ``k`` of its members are null (:func:`released_groups`, :mod:`api.results.groups`).
6. **Free texts and places come only with the whole**, never inside a segment (:mod:`api.results.questions`); in the
   export, on rows whose attributes follow rule 3.

Every released group therefore holds ``k`` or more participants, and the groups are disjoint: no two outputs
of one moment (an export row, a segment, everyone minus a segment) narrow anyone down to fewer than ``k``.
Attributes are always withheld as a suffix of :data:`DROP_ORDER`, so rows of one participant exported at two
moments (an incremental sync) differ only in how many attributes they carry: together they say no more
than the fuller one, which was released under the rule when it was made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Answer, Enrolment, Item, PairPrompt, ProposalVote

ATTRIBUTES = ("age_band", "country", "region", "language", "source")
"""The participant attributes an output may carry, in the order of the export's columns."""

DROP_ORDER = ("source", "region", "language", "country", "age_band")
"""The order in which attributes are withheld from a row whose combination is rarer than k: the outreach source
first (a campaign can be one school or one poster), then the region (finer than the country), the language, the
country, and the age band last (the most asked-for comparison)."""

OTHER_LABEL = "(other)"
"""How an export shows a value pooled into "other" (parentheses: no real value can have them)."""
WITHHELD_LABEL = "(withheld)"
"""How an export shows an attribute withheld from a row."""


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


OTHER = _Marker("OTHER")
"""The pooled group of rare values."""
WITHHELD = _Marker("WITHHELD")
"""An attribute a row does not carry."""


def threshold(consultation: Any) -> int:
    """The consultation's k (at least 1)."""
    return max(1, int(getattr(consultation, "min_segment_size", None) or 1))


def enough(count: int, k: int) -> bool:
    """Whether a group of ``count`` participants may have anything released about it (rule 1)."""
    return count >= k and count > 0


def contributed(consultation_id: int) -> Any:
    """SQL condition on :class:`Enrolment`: its participant has something in the consultation's figures (an answer,
    a vote or an answered pair). These are the people every result, digest and export is about."""
    items = select(Item.id).where(Item.consultation_id == consultation_id).scalar_subquery()
    who = Enrolment.participant_id
    return or_(
        select(Answer.id).where(Answer.participant_id == who, Answer.item_id.in_(items)).exists(),
        select(ProposalVote.id).where(ProposalVote.participant_id == who, ProposalVote.item_id.in_(items)).exists(),
        select(PairPrompt.token)
        .where(PairPrompt.participant_id == who, PairPrompt.item_id.in_(items), PairPrompt.answered_at.is_not(None))
        .exists(),
    )


def contributors_query(consultation_id: int) -> Any:
    """Consented participants of the consultation who contributed (see :func:`contributed`)."""
    return (
        select(func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.consultation_id == consultation_id,
            Enrolment.consented_at.is_not(None),
            contributed(consultation_id),
        )
    )


async def contributors(session: AsyncSession, consultation_id: int) -> int:
    """How many participants a consultation's results are about: below its k, nothing is released (rule 1)."""
    return int(await session.scalar(contributors_query(consultation_id)) or 0)


class BelowThreshold(Exception):
    """The consultation's figures are about fewer participants than its minimum group size: nothing may go out."""

    def __init__(self, participants: int, needed: int) -> None:
        super().__init__(f"{participants} participants answered; results are released from {needed}")
        self.participants = participants
        self.needed = needed

    def api_error(self, slug: str) -> Any:
        """The 409 every route answers with (code ``below_threshold``, with ``participants`` and ``needed``)."""
        from api.errors import conflict

        return conflict(
            "below_threshold",
            f"only {self.participants} participants answered {slug!r}; results are "
            f"released from {self.needed} (its min_segment_size)",
            participants=self.participants,
            needed=self.needed,
        )


def released_groups(sizes: Iterable[int], k: int) -> list[int]:
    """Which opinion groups (by index) may be published: those of ``k`` or more participants, and only when two or
    more are (one group alone would be compared with the withheld ones, "the rest"). Smaller groups are withheld
    whole, never pooled: a pool of groups is no group the method found, and its statements would say nothing."""
    shown = [g for g, size in enumerate(sizes) if enough(size, k)]
    return shown if len(shown) >= 2 else []


async def check_release(session: AsyncSession, consultation: Any) -> None:
    """Raise :class:`BelowThreshold` unless the consultation's results may be released at all (rule 1)."""
    needed = threshold(consultation)
    participants = await contributors(session, consultation.id)
    if not enough(participants, needed):
        raise BelowThreshold(participants, needed)


def pool(sizes: Mapping[Hashable, int], k: int) -> dict[Hashable, Any]:
    """Rule 2 for one attribute: value → the value itself, or :data:`OTHER`.

    ``sizes`` counts participants per value. Values below ``k`` are pooled; a pool below ``k`` takes in the
    smallest shown values (ties: by name) until it is not. Values missing from the answer are withheld
    altogether: that happens only when even everybody together is fewer than ``k``.
    """
    shown = {v: n for v, n in sizes.items() if n >= k}
    pooled = {v for v, n in sizes.items() if 0 < n < k}
    total = sum(sizes[v] for v in pooled)
    if total:
        while total < k and shown:
            smallest = min(shown, key=lambda v: (shown[v], str(v)))
            total += shown.pop(smallest)
            pooled.add(smallest)
        if total < k:
            pooled = set()
    mapping: dict[Hashable, Any] = {v: v for v in shown}
    mapping.update(dict.fromkeys(pooled, OTHER))
    return mapping


@dataclass
class Plan:
    """What each combination of attribute values is released as (rules 2 and 3), for one population."""

    k: int
    attributes: tuple[str, ...]
    release: dict[tuple, tuple] = field(default_factory=dict)
    """raw combination (values in ``attributes`` order; None: not given) → released combination."""
    groups: dict[tuple, int] = field(default_factory=dict)
    """released combination → participants who carry it (every one is ≥ k)."""

    def released(self, raw: tuple) -> tuple:
        """The released combination of a participant (all withheld for one outside the population)."""
        return self.release.get(tuple(raw), (WITHHELD,) * len(self.attributes))

    def row(self, raw: tuple) -> tuple:
        """:meth:`released` as an export shows it: values, None (not given), "(other)", "(withheld)"."""
        return tuple(_label(v) for v in self.released(raw))


def _label(value: Any) -> Any:
    if value is OTHER:
        return OTHER_LABEL
    if value is WITHHELD:
        return WITHHELD_LABEL
    return value


def plan(
    counts: Mapping[tuple, int],
    k: int,
    attributes: tuple[str, ...] = ATTRIBUTES,
    drop_order: tuple[str, ...] = DROP_ORDER,
) -> Plan:
    """Rules 1–3 for a population given as participants per raw combination of ``attributes``."""
    k = max(1, int(k))
    width = len(attributes)
    out = Plan(k, tuple(attributes))
    counts = {tuple(c): int(n) for c, n in counts.items() if n > 0}
    total = sum(counts.values())
    if not enough(total, k):
        everything = (WITHHELD,) * width
        out.release = dict.fromkeys(counts, everything)
        if counts:
            out.groups = {everything: total}
        return out

    # Rule 2: rare values of each attribute become OTHER.
    recode = []
    for a in range(width):
        sizes: dict[Any, int] = defaultdict(int)
        for combination, n in counts.items():
            sizes[combination[a]] += n
        recode.append(pool(sizes, k))
    recoded_of = {c: tuple(recode[a].get(c[a], WITHHELD) for a in range(width)) for c in counts}
    sizes_of: dict[tuple, int] = defaultdict(int)
    for c, n in counts.items():
        sizes_of[recoded_of[c]] += n

    # Rule 3: keep the longest prefix (in keep order) that is shared by k or more; then the rest go to "nothing".
    keep = [attributes.index(a) for a in reversed(drop_order) if a in attributes]
    keep += [a for a in range(width) if a not in keep]

    prefixes = {c: [tuple(c[a] for a in keep[:level]) for level in range(width + 1)] for c in sizes_of}

    def prefix(combination: tuple, level: int) -> tuple:
        return prefixes[combination][level]

    level_of: dict[tuple, int] = {}
    unresolved = dict(sizes_of)
    for level in range(width, 0, -1):
        groups: dict[tuple, list[tuple]] = defaultdict(list)
        for combination in unresolved:
            groups[prefix(combination, level)].append(combination)
        # The groups released in more detail, by what they share at this level (built once per level: each key
        # below is handled once, so what it changes is never looked up again).
        deeper_by_key: dict[tuple, dict[tuple, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        for c, c_level in level_of.items():
            deeper_by_key[prefix(c, level)][(c_level, prefix(c, c_level))].append(c)
        for key in sorted(groups, key=str):
            members = groups[key]
            size = sum(unresolved[c] for c in members)
            if size < k:
                # Rows released in more detail with this prefix may give their extra attributes up to shelter
                # the small group: whole released groups, the smallest first, until the group reaches k.
                deeper = [
                    (sum(sizes_of[c] for c in group), str(name), group) for name, group in deeper_by_key[key].items()
                ]
                joining = []
                for _, _, group in sorted(deeper, key=lambda g: g[:2]):
                    if size >= k:
                        break
                    joining += group
                    size += sum(sizes_of[c] for c in group)
                if size < k:
                    continue
                members = members + joining
            for c in members:
                level_of[c] = level
                unresolved.pop(c, None)
    nothing = sum(unresolved.values())
    if 0 < nothing < k:
        # The rows left with nothing are a group too: the smallest released groups join it until it holds k.
        by_group: dict[tuple, list[tuple]] = defaultdict(list)
        for c, c_level in level_of.items():
            by_group[(c_level, prefix(c, c_level))].append(c)
        released = sorted(
            ((sum(sizes_of[c] for c in group), str(name), group) for name, group in by_group.items()),
            key=lambda g: g[:2],
        )
        for size, _, group in released:
            if nothing >= k:
                break
            for c in group:
                level_of.pop(c)
            nothing += size
    for c in unresolved:
        level_of.pop(c, None)

    def released_as(combination: tuple) -> tuple:
        level = level_of.get(combination, 0)
        kept = set(keep[:level])
        return tuple(combination[a] if a in kept else WITHHELD for a in range(width))

    out.release = {c: released_as(recoded_of[c]) for c in counts}
    for c, n in counts.items():
        out.groups[out.release[c]] = out.groups.get(out.release[c], 0) + n
    return out


def suppress_cells(
    cells: Mapping[tuple[Hashable, Hashable], int],
    k: int,
    links: Mapping[tuple[Hashable, Hashable], Hashable] | None = None,
    initial: Iterable[tuple[Hashable, Hashable]] = (),
) -> set[tuple[Hashable, Hashable]]:
    """Rule 1 for the numbers of a table split by groups: which (row, column) counts must not be shown.

    ``cells`` maps (row, column) — a row is a segment, a column one count of an item (an option, a scale value,
    a proposal's agree votes…) — to the number of participants it counts. Every count between 1 and k − 1 is
    suppressed; then, because the whole (a column's total) and each segment's total (a row's) are shown,
    complementary counts are suppressed too: in any row or column where counts are suppressed, they must add up
    to k or more, else the smallest shown counts of that line join them (all of it, zeros too, when even that
    is not enough). Subtracting what is shown from a total therefore never gives fewer than k people.
    ``links`` ties cells that are shown or suppressed together (say, every figure of one proposal in one
    segment, because its scores would give its counts away); ``initial`` cells are suppressed from the start
    (say, a segment's whole item, withheld because fewer than k answered it). Suppression only grows, so this
    ends.
    """
    k = max(1, int(k))
    suppressed = {cell for cell, n in cells.items() if 0 < n < k} | (set(initial) & set(cells))
    linked: dict[Hashable, list[tuple]] = defaultdict(list)
    for cell, link in (links or {}).items():
        linked[link].append(cell)
    lines: list[list[tuple]] = []
    for axis in (0, 1):
        by_line: dict[Hashable, list[tuple]] = defaultdict(list)
        for cell in cells:
            by_line[cell[axis]].append(cell)
        lines += [sorted(members, key=str) for members in by_line.values()]
    changed = True
    while changed:
        changed = False
        for link in {(links or {}).get(cell) for cell in suppressed} - {None}:
            for cell in linked[link]:
                if cell not in suppressed:
                    suppressed.add(cell)
                    changed = True
        for members in lines:
            hidden = sum(cells[c] for c in members if c in suppressed)
            if not any(c in suppressed for c in members) or hidden >= k:
                continue
            for cell in sorted(
                (c for c in members if c not in suppressed and cells[c] > 0), key=lambda c: (cells[c], str(c))
            ):
                suppressed.add(cell)
                changed = True
                hidden += cells[cell]
                if hidden >= k:
                    break
            if hidden < k:
                for cell in members:
                    if cell not in suppressed:
                        suppressed.add(cell)
                        changed = True
    return suppressed
