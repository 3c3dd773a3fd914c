"""Who the results are about, and the segments they are split into.

The population is the consultation's consented participants. ``segment`` splits them by language, age band,
country or region (their profile), by the outreach source of their enrolment, or by opinion group (``group``:
only the groups :func:`api.disclosure.released_groups` publishes); a missing value is its own group,
:data:`UNKNOWN`. Values held by fewer than k people (``Consultation.min_segment_size``) are pooled into
:data:`OTHER` by the one disclosure rule (:func:`api.disclosure.pool`), sized by the participants who answered
anything; if that pool is itself smaller than k, the smallest segments shown are added to it until it is not (so
no small group can be recovered by subtracting the segments shown from the whole), and if even everybody together
is fewer than k no segment is returned. The per-segment numbers use the same queries as the whole, so they add up
to it. What may then be shown inside the segments is :mod:`api.results.suppression`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import disclosure
from api.content import country_name, localized
from api.results.context import ALL, Sentinel, rows
from storage.models import Consultation, Enrolment, Participant
from storage.models_groups import OpinionGroupMember, OpinionGroups

UNKNOWN = Sentinel("UNKNOWN")
"""The group of the participants who did not give the segment's value (``{"kind": "unknown", "value": null}``)."""
OTHER = disclosure.OTHER
"""The pooled segment of the values held by too few (``{"kind": "other", "value": null}``)."""


@dataclass
class Population:
    """The consented participants (by row number) and the segment group each one counts in."""

    index: dict[str, int]
    completed: np.ndarray
    slot: np.ndarray | None = None
    """Per participant: 1 + position of its group in ``groups``, or -1 (withheld); None without a segment."""
    groups: list[Any] = field(default_factory=list)
    recode: Callable[[Any], Any] | None = None
    """What a stored segment value counts as, when that is not the value itself (opinion groups: withheld ones)."""

    def mask(self, participant_ids: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self.index), dtype=bool)
        found = [self.index[p] for p in participant_ids if p in self.index]
        mask[found] = True
        return mask

    def count(self, mask: np.ndarray) -> dict[Any, int]:
        """How many of the masked participants are in the whole (ALL) and in each group."""
        counts: dict[Any, int] = {ALL: int(mask.sum())}
        if self.groups:
            per = np.bincount(self.slot[mask & (self.slot > 0)], minlength=len(self.groups) + 1)
            counts.update({g: int(per[n]) for n, g in enumerate(self.groups, start=1)})
        return counts

    def split(self, rows: list[tuple]) -> dict[Any, list[tuple]]:
        """Rows whose first column is a participant id, without it, for ALL and for each participant's group."""
        out: dict[Any, list[tuple]] = defaultdict(list)
        out[ALL] = [tuple(row[1:]) for row in rows]
        if self.groups:
            for row in rows:
                n = self.index.get(row[0])
                if n is not None and self.slot[n] > 0:
                    out[self.groups[self.slot[n] - 1]].append(tuple(row[1:]))
        return out

    def form_groups(
        self, consultation: Consultation, values: list[Any], active: np.ndarray, k: int
    ) -> Callable[[Any], Any]:
        """Pool each participant's segment value (``values``, by row number) into the groups that may be shown,
        sized by the ``active`` participants, and number them; returns the group of a stored value (None:
        withheld)."""
        values = [normal(value) for value in values]
        sizes: dict[Any, int] = defaultdict(int)
        for value, is_active in zip(values, active.tolist(), strict=False):
            if is_active:
                sizes[value] += 1
        mapping = disclosure.pool(sizes, k)
        self.groups = ordered_groups(consultation, set(mapping.values()))
        slot_of = {g: n for n, g in enumerate(self.groups, start=1)}
        self.slot = np.array([slot_of.get(mapping.get(v), -1) for v in values], dtype=np.int64)

        recode = self.recode or (lambda value: value)

        def group_of(value: Any) -> Any:
            return mapping.get(normal(recode(value)))

        return group_of


async def consented(
    session: AsyncSession, consultation: Consultation, segment: str | None
) -> tuple[Population, list[Any] | None]:
    """The consented participants, with whether they completed, and each one's segment value (None without a
    segment)."""
    seg_column = None
    stmt = select(Enrolment.participant_id, Enrolment.completed_at.is_not(None))
    if segment == "source":
        seg_column = Enrolment.source
    elif segment == "group":
        seg_column = OpinionGroupMember.group
        stmt = stmt.outerjoin(
            OpinionGroupMember,
            and_(
                OpinionGroupMember.participant_id == Enrolment.participant_id,
                OpinionGroupMember.consultation_id == consultation.id,
            ),
        )
    elif segment is not None:
        seg_column = getattr(Participant, segment)
        stmt = stmt.join(Participant, Participant.id == Enrolment.participant_id)
    if seg_column is not None:
        stmt = stmt.add_columns(seg_column)
    people = await rows(
        session, stmt.where(Enrolment.consultation_id == consultation.id, Enrolment.consented_at.is_not(None))
    )
    population = Population(
        {row[0]: n for n, row in enumerate(people)}, np.array([bool(row[1]) for row in people], dtype=bool)
    )
    values = [row[2] for row in people] if seg_column is not None else None
    if segment == "group" and values is not None:
        # A group smaller than k is withheld, never pooled (api.disclosure.released_groups): its members count
        # with the participants in no group.
        stored = await session.get(OpinionGroups, consultation.id)
        released = set(disclosure.released_groups(stored.sizes if stored else [], disclosure.threshold(consultation)))
        population.recode = lambda value: str(value) if value in released else None
        values = [population.recode(v) for v in values]
    return population, values


def normal(value: Any) -> Any:
    return UNKNOWN if value is None or value == "" else value


def ordered_groups(consultation: Consultation, groups: set[Any]) -> list[Any]:
    """Values in the order the definition declares them (age bands, countries, regions, languages), then the rest
    by name, then UNKNOWN and OTHER."""
    profile = (consultation.definition or {}).get("profile") or {}
    declared: list[Any] = (
        list(profile.get("age_bands") or [])
        + list(profile.get("countries") or [])
        + [r.get("key") for r in profile.get("regions") or []]
        + list(consultation.languages or [])
    )
    rank = {v: n for n, v in enumerate(declared)}
    values = sorted((g for g in groups if g not in (UNKNOWN, OTHER)), key=lambda v: (rank.get(v, len(rank)), str(v)))
    return values + [g for g in (UNKNOWN, OTHER) if g in groups]


def segment_label(consultation: Consultation, segment: str, group: Any, language: str) -> str | None:
    if group is OTHER or group is UNKNOWN:
        return None
    if segment == "region":
        for region in ((consultation.definition or {}).get("profile") or {}).get("regions") or []:
            if region.get("key") == group:
                return localized(region.get("label"), language, consultation.default_language) or group
    if segment == "country":
        return country_name(str(group), language)
    return str(group)
