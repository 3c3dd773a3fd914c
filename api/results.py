"""A consultation's results, every item kind, optionally split into segments — JSON-ready dictionaries.

Used by the organiser route (``GET /organiser/consultations/{slug}/results``), the partner API and
anything else that shows results. The mathematics is :mod:`api.scoring`; this module only gathers
``GROUP BY`` aggregates from the database and shapes them.

Structure of :func:`consultation_results`
-----------------------------------------
Shares are fractions 0..1 with a 95 % Wilson interval; a *share* object is
``{"count": 12, "share": 0.4, "interval": [0.2459, 0.5768]}`` (interval ``[0, 1]`` when the base is 0).
Pairs scores are percentages 0..100 like All Our Ideas' score.

.. code-block:: text

    {"slug", "title", "status", "language",          # texts and labels are in "language"
     "computed_at": "2026-03-02T09:15:40Z",          # results may be up to a few seconds old (see caching)
     "min_segment_size": 10,
     "participants": 180,     # consented participants who answered at least one item (anything stored)
     "consented": 200, "completed": 150,
     "segment": null | "language" | "age_band" | "country" | "region" | "source",
     "items": [ITEM, ...],    # always the whole consultation
     "segments": [            # only with a segment
        {"value": "18-24" | null, "kind": "value" | "unknown" | "other", "label": "18-24",
         "participants": 37, "items": [ITEM, ...]}, ...]}

Every ``ITEM`` has ``key``, ``kind``, ``number`` (1-based position), ``prompt``, ``reached`` (participants
shown the item, see below), ``answered`` (participants who answered it; a skipped optional question
does not count) and ``answer_rate`` (answered / reached), plus by kind:

* ``single_choice``: ``options: [{"key", "label", "count", "share", "interval"}]`` (shares of answered).
* ``multi_choice``: the same (shares of respondents, so they may add up to more than 1) and ``choices``.
* ``scale``: ``min``, ``max``, ``distribution: [{"value", "count", "share", "interval"}]``, ``mean``,
  ``mean_interval`` (normal approximation; null below 2 answers), ``median``.
* ``free_text``: ``skipped`` and, only with ``raw=True`` and only for the whole, ``texts`` (sorted, never who
  wrote them).
* ``budget``: ``total``, ``currency``, ``ballots``, ``spent``, ``funded`` (project keys) and
  ``projects: [{"key", "label", "cost", "votes", "share", "interval", "rank", "funded"}]``, best first.
  Funded set: projects in order of votes (ties: cheaper, then listed first), each taken if it still fits
  in what is left of the budget; projects nobody voted for are never funded.
* ``place``: ``comments`` and, only with ``raw=True`` and only for the whole,
  ``points: [{"latitude", "longitude", "comment"}]``.
* ``proposal`` (agree / disagree / neutral): ``votes``, ``zones`` (count per zone) and ``proposals`` best
  first by top score: ``{"id", "text", "rank", "controversy_rank", "votes", "agree", "disagree",
  "neutral", "agree_among_decided" (share objects), "zone", "top_score", "support" (``{"value",
  "interval"}``: the mean vote value 0..1 and its 95 % interval, whose lower end is ``top_score``), "controversy_score",
  "qualifications": {"agree": {"like_it": share, ...}, ...}}``.
* ``pairs``: ``comparisons`` (counted votes), ``cant_decide``, ``skips``, ``after_skip`` (answers given
  right after a skip: stored, not counted), ``served``, and ``proposals`` ranked by the Bradley–Terry fit:
  ``{"id", "text", "rank", "score" (chance to beat a random other proposal, %), "interval" (95 %, %),
  "strength", "wins", "losses", "comparisons", "aoi_score"}``.

Only accepted proposals are ranked; votes on proposals that left the pool are ignored.

``reached`` counts consented participants whose answers show them past the item (an answer, vote or
served pair on it or on a later item, or a completed consultation), plus those standing on it: their
last answer was to the question just before it. For a ``show_if`` item only participants whose earlier
answer shows it count. Someone who stopped inside a proposal or pairs item counts as still there.

Segments and suppression
------------------------
``segment`` splits every result by the participant's language, age band, country or region, or by the
outreach source of their enrolment (``null`` value: not given). What may be shown follows the one disclosure
rule of :mod:`api.disclosure` (docs/privacy.md), with ``k = Consultation.min_segment_size``: a value held by
fewer than k participants is never returned: such values are pooled into one segment
``{"kind": "other", "value": null}``; if that pool is itself smaller than k, the smallest segments shown are
added to it until it is not (so no small group can be recovered by subtracting the segments shown from the
whole), and if even everybody together is fewer than k no segment is returned. The per-segment numbers use
the same queries as the whole, so they add up to it. Inside the segments shown, a count of fewer than k
people is ``null`` (a share object ``{"count": null, "share": null, "interval": null}``), together with the
counts that would give it back by subtraction from the segment's answers or from the whole's count
(:func:`api.disclosure.suppress_cells`); a segment's item answered by fewer than k is only
``{"key", "kind", "number", "prompt", "withheld": true}``; a proposal's or pair's figures are nulled
together; a scale's ``mean``, ``mean_interval`` and ``median`` go with any nulled count. Free texts and
place points (``raw``) come only with the whole, never inside a segment.

Caching
-------
Results are cached per (consultation, segment, raw, language) in each process. A read within ``TTL``
seconds of the last check returns the cached value; after that one cheap query reads a change marker (the
highest answer, vote, enrolment and proposal ids, and the selection events of this process). Unchanged
and younger than ``MAX_AGE``: cached value. Changed: recomputed in the request if the last computation took
under ``INLINE_BUDGET`` seconds; otherwise the cached value is returned at once and one background task
recomputes it (stale-while-revalidate), starting at most once per ``duration / REFRESH_SHARE`` seconds — so
reading stays fast while votes keep arriving, and a large consultation's results lag by about four times
their computation time. ``fresh=True`` always recomputes. :func:`consultation_results_json` returns the
JSON encoded once per computation, which is what makes a read of megabytes of results cheap.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api import disclosure, selection
from api.content import localized
from api.errors import bad_request
from api.scoring import rank_pairs, wilson_interval
from api.scoring.intervals import Z95
from api.scoring.proposals import COUNT_FIELDS, ZONE_CODES, score_table
from core.vocabulary import QUALIFICATIONS, SEGMENTS
from storage.models import Answer, Consultation, Enrolment, Item, Option, PairPrompt, Participant, Proposal, \
    ProposalVote

log = logging.getLogger("viche.results")

QUESTION_KINDS = ("single_choice", "multi_choice", "scale", "free_text", "budget", "place")

TTL = 1.0
"""Seconds a cached result is returned without even checking the change marker."""
MAX_AGE = 30.0
"""A cached result is recomputed at least this often while read (catches changes the marker misses:
qualifications added to a vote, place comments, profile answers, moderation decisions)."""
INLINE_BUDGET = 0.25
"""Recompute inside the request when the last computation took less than this; else in the background."""
REFRESH_SHARE = 0.25
"""A background recomputation starts at most once per ``duration / REFRESH_SHARE`` seconds (a 5 s computation
at most every 20 s), so one large consultation read all the time costs at most a quarter of a core."""
MAX_ENTRIES = 256


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ALL = _Sentinel("ALL")
UNKNOWN = _Sentinel("UNKNOWN")
OTHER = disclosure.OTHER


# ---------------------------------------------------------------------------------------------- public API


async def consultation_results(session: AsyncSession, consultation: Consultation, *, segment: str | None = None,
                               raw: bool = False, language: str | None = None, fresh: bool = False
                               ) -> dict[str, Any]:
    """The results of every item (structure in the module docstring). Shared with the cache: do not modify it.

    ``segment``: one of :data:`SEGMENTS` or None. ``raw``: include free texts and place points (organiser
    and partner reads; never for anything shown to the public). ``language``: of labels and texts (default:
    the consultation's). ``fresh``: bypass the cache. An unknown segment is a 400 :class:`ApiError`.
    """
    return (await _entry(session, consultation, segment, raw, language, fresh)).value


async def consultation_results_json(session: AsyncSession, consultation: Consultation, *,
                                    segment: str | None = None, raw: bool = False, language: str | None = None,
                                    fresh: bool = False) -> bytes:
    """:func:`consultation_results` as UTF-8 JSON, encoded once per computation (a large consultation's results
    are megabytes: encoding them on every read would cost more than reading them). Return it as is, e.g.
    ``Response(content=..., media_type="application/json")``."""
    entry = await _entry(session, consultation, segment, raw, language, fresh)
    if entry.encoded is None:
        entry.encoded = await asyncio.to_thread(_encode, entry.value)
    return entry.encoded


def _encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


async def _entry(session: AsyncSession, consultation: Consultation, segment: str | None, raw: bool,
                 language: str | None, fresh: bool) -> _Entry:
    if segment is not None and segment not in SEGMENTS:
        raise bad_request("invalid_segment", f"segment must be one of {', '.join(SEGMENTS)}", segments=list(SEGMENTS))
    language = language or consultation.default_language
    return await _cache_for(session).get(session, consultation, segment, bool(raw), language, fresh)


async def proposal_ranking(session: AsyncSession, consultation: Consultation, item_key: str | None = None, *,
                           segment: str | None = None, language: str | None = None, fresh: bool = False
                           ) -> list[dict[str, Any]]:
    """Compact rankings of the proposal and pairs items (all, or the one keyed ``item_key``).

    ``[{"key", "kind", "prompt", "ranking": [{"rank", "proposal", "text", "score", "interval", ...}]}]``,
    scores in % (pairs: chance to beat a random other proposal, with its 95 % interval; proposal items: top
    score, with the interval of the mean vote value — ``support`` — whose lower end it is, plus ``agree``,
    ``zone`` and ``votes``). With a segment, the whole
    consultation's ranking (segments stay in :func:`consultation_results`). Unknown key: 400.
    """
    full = await consultation_results(session, consultation, segment=segment, language=language, fresh=fresh)
    items = [i for i in full["items"] if i["kind"] in ("proposal", "pairs") and item_key in (None, i["key"])]
    if item_key is not None and not items:
        raise bad_request("unknown_item", f"this consultation has no proposal or pairs item {item_key!r}")
    return [{"key": i["key"], "kind": i["kind"], "prompt": i["prompt"], "ranking": _compact(i)} for i in items]


def _compact(item: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for p in item["proposals"]:
        if item["kind"] == "pairs":
            rows.append({"rank": p["rank"], "proposal": p["id"], "text": p["text"], "score": p["score"],
                         "interval": p["interval"], "wins": p["wins"], "losses": p["losses"],
                         "aoi_score": p["aoi_score"]})
        else:
            rows.append({"rank": p["rank"], "proposal": p["id"], "text": p["text"],
                         "score": round(100 * p["top_score"], 2),
                         # The interval of the quantity the score is the lower end of (not the agree share's).
                         "interval": [round(100 * x, 2) for x in p["support"]["interval"]],
                         "support": round(100 * p["support"]["value"], 2),
                         "agree": p["agree"]["share"], "zone": p["zone"], "votes": p["votes"]})
    return rows


# ---------------------------------------------------------------------------------------------- cache


@dataclass
class _Entry:
    value: dict[str, Any]
    marker: tuple
    computed_at: float
    checked_at: float
    duration: float
    refreshing: bool = False
    encoded: bytes | None = None


@dataclass
class ResultsCache:
    """Per process and database: computed results with their change marker (see the module docstring)."""

    entries: dict[tuple, _Entry] = field(default_factory=dict)
    computations: int = 0
    registry: selection.SelectionRegistry | None = None
    """The app's selectors, whose event count is part of the change marker (set by ``create_app``)."""
    _flights: dict[tuple, asyncio.Future] = field(default_factory=dict)
    _tasks: set[asyncio.Task] = field(default_factory=set)

    async def get(self, session: AsyncSession, consultation: Consultation, segment: str | None, raw: bool,
                  language: str, fresh: bool) -> _Entry:
        key = (consultation.id, segment, raw, language)
        entry = self.entries.get(key)
        if entry is None or fresh:
            return await self._compute_once(session, consultation, key)
        now = time.monotonic()
        if now - entry.checked_at < TTL:
            return entry
        marker = await _marker(session, consultation, self.registry)
        entry.checked_at = time.monotonic()
        if marker == entry.marker and now - entry.computed_at < MAX_AGE:
            return entry
        if entry.duration < INLINE_BUDGET:
            return await self._compute_once(session, consultation, key)
        # Expensive: serve what we have; refresh in the background, at most REFRESH_SHARE of the time.
        if not entry.refreshing and now - entry.computed_at >= entry.duration / REFRESH_SHARE:
            entry.refreshing = True
            self._refresh_in_background(session.bind, consultation.id, key)
        return entry

    async def _compute_once(self, session: AsyncSession, consultation: Consultation, key: tuple) -> _Entry:
        flight = self._flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight)
        future = asyncio.get_running_loop().create_future()
        self._flights[key] = future
        try:
            entry = await self._compute(session, consultation, key)
            future.set_result(entry)
            return entry
        except BaseException as error:
            future.set_exception(error)
            future.exception()
            raise
        finally:
            del self._flights[key]

    async def _compute(self, session: AsyncSession, consultation: Consultation, key: tuple) -> _Entry:
        _, segment, raw, language = key
        marker = await _marker(session, consultation, self.registry)
        started = time.monotonic()
        value = await compute_results(session, consultation, segment=segment, raw=raw, language=language)
        finished = time.monotonic()
        self.computations += 1
        if len(self.entries) >= MAX_ENTRIES and key not in self.entries:
            oldest = min(self.entries, key=lambda k: self.entries[k].checked_at)
            del self.entries[oldest]
        entry = _Entry(value=value, marker=marker, computed_at=started, checked_at=finished,
                       duration=finished - started)
        self.entries[key] = entry
        return entry

    def _refresh_in_background(self, engine: AsyncEngine, consultation_id: int, key: tuple) -> None:
        async def run() -> None:
            try:
                async with AsyncSession(engine, expire_on_commit=False) as session:
                    consultation = await session.get(Consultation, consultation_id)
                    if consultation is not None:
                        entry = await self._compute_once(session, consultation, key)
                        entry.encoded = await asyncio.to_thread(_encode, entry.value)
            except Exception:  # noqa: BLE001 - readers keep the previous result; the next read tries again
                log.exception("refreshing the results of consultation %s failed", consultation_id)
            finally:
                entry = self.entries.get(key)
                if entry is not None:
                    entry.refreshing = False

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cache_for(target: AsyncSession | AsyncEngine | Any) -> ResultsCache:
    engine = target.bind if isinstance(target, AsyncSession) else getattr(target, "engine", target)
    key = engine.sync_engine
    cache = _CACHES.get(key)
    if cache is None:
        cache = _CACHES[key] = ResultsCache()
    return cache


def results_cache(target: AsyncSession | AsyncEngine | Any) -> ResultsCache:
    """The results cache of the database behind a session, engine or :class:`storage.db.Database`."""
    return _cache_for(target)


async def _marker(session: AsyncSession, consultation: Consultation,
                  registry: selection.SelectionRegistry | None) -> tuple:
    highest = (await session.execute(select(
        select(func.max(Answer.id)).scalar_subquery(),
        select(func.max(ProposalVote.id)).scalar_subquery(),
        select(func.max(Enrolment.id)).scalar_subquery(),
        select(func.max(Proposal.id)).scalar_subquery(),
    ))).one()
    events = registry.events if registry is not None else 0
    return (*highest, events, consultation.status, consultation.min_segment_size)


# ---------------------------------------------------------------------------------------------- computing


async def _rows(session: AsyncSession, stmt) -> list:  # noqa: ANN001
    """All rows of a Core statement on the session's connection (no ORM row processing)."""
    connection = await session.connection()
    return (await connection.execute(stmt)).all()


async def _plain_rows(session: AsyncSession, stmt) -> list[tuple]:  # noqa: ANN001
    """Like :func:`_rows`, as the driver's plain tuples: no result processing at all, so only for columns the
    driver already returns as wanted (integers, strings; booleans may come as 0/1). Building SQLAlchemy rows
    for the ~400 000 aggregate rows of a large pairs item would hold the event loop for most of a second."""
    connection = await session.connection()
    result = await connection.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    except AttributeError:  # pragma: no cover - a driver adapter without a plain cursor
        return [tuple(row) for row in result.all()]
    finally:
        result.close()
    return rows if not rows or type(rows[0]) is tuple else [tuple(row) for row in rows]


def _r(x: float, digits: int = 4) -> float:
    return round(float(x), digits)


def _share(count: int, n: int) -> dict[str, Any]:
    low, high = wilson_interval(count, n) if n > 0 else (0.0, 1.0)
    return {"count": int(count), "share": _r(count / n) if n else 0.0, "interval": [_r(low), _r(high)]}


@dataclass
class _Context:
    consultation: Consultation
    language: str
    segment: str | None
    raw: bool
    group_of: Callable[[Any], Any]
    groups: list[Any]

    def segment_column(self, participant_column):  # noqa: ANN001, ANN201
        """(column, join) adding the participant's segment value to a query over a table with participant_id."""
        if self.segment is None:
            return None, lambda stmt: stmt
        if self.segment == "source":
            return Enrolment.source, lambda stmt: stmt.join(Enrolment, and_(
                Enrolment.participant_id == participant_column, Enrolment.consultation_id == self.consultation.id))
        return getattr(Participant, self.segment), lambda stmt: stmt.join(Participant,
                                                                          Participant.id == participant_column)

    async def grouped(self, session: AsyncSession, participant_column, columns: list, where: list,  # noqa: ANN001
                      group_by: list | None = None, select_from=None) -> dict[Any, list[tuple]]:  # noqa: ANN001
        """Rows of ``columns`` (grouped by ``group_by`` and the segment), distributed to ALL and to each group."""
        seg, join = self.segment_column(participant_column)
        stmt = select(*([seg] if seg is not None else []), *columns)
        if select_from is not None:
            stmt = stmt.select_from(select_from)
        stmt = join(stmt).where(*where)
        if group_by is not None:
            stmt = stmt.group_by(*([seg] if seg is not None else []), *group_by)
        rows = await _plain_rows(session, stmt)
        out: dict[Any, list[tuple]] = defaultdict(list)
        if seg is None:
            out[ALL] = rows
            return out
        for row in rows:
            rest = tuple(row[1:])
            out[ALL].append(rest)
            group = self.group_of(row[0])
            if group is not None:
                out[group].append(rest)
        return out


def _normal(value: Any) -> Any:
    return UNKNOWN if value is None or value == "" else value


async def compute_results(session: AsyncSession, consultation: Consultation, *, segment: str | None = None,
                          raw: bool = False, language: str | None = None) -> dict[str, Any]:
    """Compute :func:`consultation_results` without the cache."""
    language = language or consultation.default_language
    cid = consultation.id
    items = (await session.execute(select(Item).where(Item.consultation_id == cid).order_by(Item.position))
             ).scalars().all()

    # Consented participants, their segment value and whether they completed.
    seg_column = None
    stmt = select(Enrolment.participant_id, Enrolment.completed_at.is_not(None))
    if segment == "source":
        seg_column = Enrolment.source
    elif segment is not None:
        seg_column = getattr(Participant, segment)
        stmt = stmt.join(Participant, Participant.id == Enrolment.participant_id)
    if seg_column is not None:
        stmt = stmt.add_columns(seg_column)
    people = await _rows(session, stmt.where(Enrolment.consultation_id == cid, Enrolment.consented_at.is_not(None)))
    population = _Population({row[0]: n for n, row in enumerate(people)},
                             np.array([bool(row[1]) for row in people], dtype=bool))

    # Who has anything stored on each item (one query per item; question answers are kept for their results).
    activity = {item.id: await _activity(session, item, population) for item in items}
    furthest = np.full(len(people), -1, dtype=np.int64)
    for item in items:
        furthest[activity[item.id].present] = np.maximum(furthest[activity[item.id].present], item.position)
    active = furthest >= 0

    # Segment groups, sized by active participants.
    k = disclosure.threshold(consultation)
    mapping: dict[Any, Any] = {}
    groups: list[Any] = []
    if seg_column is not None:
        values = [_normal(row[2]) for row in people]
        sizes: dict[Any, int] = defaultdict(int)
        for value, is_active in zip(values, active.tolist()):
            if is_active:
                sizes[value] += 1
        mapping = disclosure.pool(sizes, k)
        groups = _ordered_groups(consultation, set(mapping.values()))
        slot_of = {g: n for n, g in enumerate(groups, start=1)}
        population.slot = np.array([slot_of.get(mapping.get(v), -1) for v in values], dtype=np.int64)
    population.groups = groups

    def group_of(value: Any) -> Any:
        return mapping.get(_normal(value))

    ctx = _Context(consultation, language, segment, raw, group_of, groups)
    slots = [ALL, *groups]
    reached = await _reached(session, items, population, furthest)

    per_item: dict[Any, list[dict[str, Any]]] = {g: [] for g in slots}
    for number, item in enumerate(items, start=1):
        built = await _item_results(session, ctx, item, activity[item.id], population)
        reached_counts = population.count(reached[item.id])
        for g in slots:
            body = built.get(g) or built[None](g)
            entry = {"key": item.key, "kind": item.kind, "number": number,
                     "prompt": localized(item.prompt, language, consultation.default_language),
                     "reached": max(reached_counts.get(g, 0), body["answered"]), **body}
            entry["answer_rate"] = _r(entry["answered"] / entry["reached"]) if entry["reached"] else 0.0
            per_item[g].append(_ordered_item(entry))

    if groups:
        _suppress_small_cells(per_item, groups, k)
    active_counts = population.count(active)
    result: dict[str, Any] = {
        "slug": consultation.slug,
        "title": localized(consultation.title, language, consultation.default_language),
        "status": consultation.status,
        "language": language,
        "computed_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "min_segment_size": k,
        "participants": active_counts[ALL],
        "consented": len(people),
        "completed": int(population.completed.sum()),
        "segment": segment,
        "items": per_item[ALL],
    }
    if segment is not None:
        result["segments"] = [
            {"value": None if g in (UNKNOWN, OTHER) else g,
             "kind": "other" if g is OTHER else "unknown" if g is UNKNOWN else "value",
             "label": _segment_label(consultation, segment, g, language),
             "participants": active_counts[g], "items": per_item[g]}
            for g in groups
        ]
    return result


def _suppress_small_cells(per_item: dict[Any, list[dict[str, Any]]], groups: list[Any], k: int) -> None:
    """Within segments, no count of fewer than k people, nor one that subtraction from a total gives back
    (:func:`api.disclosure.suppress_cells`): a segment's item answered by fewer than k is withheld whole, and
    each count below k — with the complementary counts that would give it away — is shown as null."""
    for index in range(len(per_item[ALL])):
        bodies = {g: per_item[g][index] for g in groups}
        answered = {(g, "answered"): int(body["answered"]) for g, body in bodies.items()}
        withheld = {g for g, _ in disclosure.suppress_cells(answered, k)}
        cells: dict[tuple, int] = {}
        links: dict[tuple, Any] = {}
        for g, body in bodies.items():
            for column, (count, link) in _cells(body).items():
                cells[(g, column)] = count
                if link is not None:
                    links[(g, column)] = (g, link)
        suppressed = disclosure.suppress_cells(cells, k, links, initial=[c for c in cells if c[0] in withheld])
        for g, body in bodies.items():
            if g in withheld:
                per_item[g][index] = {**{key: body[key] for key in ("key", "kind", "number", "prompt")},
                                      "withheld": True}
            else:
                _blank(body, {column for group, column in suppressed if group == g})


def _cells(body: dict[str, Any]) -> dict[tuple, tuple[int, Any]]:
    """A segment's item as counts of people: column → (count, link of the figures shown or hidden with it)."""
    kind, out = body["kind"], {}
    if kind in ("single_choice", "multi_choice"):
        out = {("option", o["key"]): (o["count"], None) for o in body["options"]}
    elif kind == "scale":
        out = {("value", d["value"]): (d["count"], None) for d in body["distribution"]}
    elif kind == "budget":
        out = {("project", p["key"]): (p["votes"], None) for p in body["projects"]}
    elif kind == "free_text":
        out = {("skipped",): (body["skipped"], None)}
    elif kind == "place":
        out = {("comments",): (body["comments"], None)}
    elif kind == "proposal":
        for p in body["proposals"]:
            for choice in ("agree", "disagree", "neutral"):
                out[("proposal", p["id"], choice)] = (p[choice]["count"], ("proposal", p["id"]))
            for choice, names in p["qualifications"].items():
                for name, share in names.items():
                    out[("qualification", p["id"], choice, name)] = (share["count"], ("qualification", p["id"]))
    elif kind == "pairs":
        for p in body["proposals"]:
            out[("pair", p["id"], "wins")] = (p["wins"], ("pair", p["id"]))
            out[("pair", p["id"], "losses")] = (p["losses"], ("pair", p["id"]))
    return out


_HIDDEN_SHARE = {"count": None, "share": None, "interval": None}


def _blank(body: dict[str, Any], columns: set[tuple]) -> None:
    """Null the figures of the suppressed ``columns`` of a segment's item (and what would give them away)."""
    if not columns:
        return
    kind = body["kind"]
    if kind in ("single_choice", "multi_choice"):
        body["options"] = [{**o, **_HIDDEN_SHARE} if ("option", o["key"]) in columns else o for o in body["options"]]
    elif kind == "scale":
        body["distribution"] = [{**d, **_HIDDEN_SHARE} if ("value", d["value"]) in columns else d
                                for d in body["distribution"]]
        body.update(mean=None, mean_interval=None, median=None)  # with the shown counts, they give the rest away
    elif kind == "budget":
        hidden = {c[1] for c in columns if c[0] == "project"}
        # A hidden project loses its place too (the list is ranked by votes), and whether it was funded.
        body["projects"] = [p for p in body["projects"] if p["key"] not in hidden] + sorted(
            ({**p, "votes": None, "share": None, "interval": None, "rank": None, "funded": None}
             for p in body["projects"] if p["key"] in hidden), key=lambda p: p["key"])
        if hidden & set(body["funded"]):
            body["spent"] = None
        body["funded"] = [key for key in body["funded"] if key not in hidden]
    elif kind == "free_text" and ("skipped",) in columns:
        body["skipped"] = None
    elif kind == "place" and ("comments",) in columns:
        body["comments"] = None
    elif kind == "proposal":
        hidden = {c[1] for c in columns if c[0] == "proposal"}
        unqualified = {c[1] for c in columns if c[0] == "qualification"}
        proposals = []
        for p in body["proposals"]:
            if p["id"] in hidden:
                p = {"id": p["id"], "text": p["text"], "rank": None, "controversy_rank": None, "votes": None,
                     **{f: dict(_HIDDEN_SHARE) for f in ("agree", "disagree", "neutral", "agree_among_decided")},
                     "zone": None, "top_score": None, "support": None, "controversy_score": None}
            if p["id"] in hidden or p["id"] in unqualified:
                p = {**p, "qualifications": {choice: {name: dict(_HIDDEN_SHARE) for name in names}
                                             for choice, names in QUALIFICATIONS.items()}}
            proposals.append(p)
        # Hidden proposals go last, by id: their place in the segment's ranking would tell their scores apart.
        body["proposals"] = [p for p in proposals if p["id"] not in hidden] + sorted(
            (p for p in proposals if p["id"] in hidden), key=lambda p: p["id"])
        body["zones"] = {zone: sum(1 for p in proposals if p["zone"] == zone) for zone in body["zones"]}
    elif kind == "pairs":
        hidden = {c[1] for c in columns if c[0] == "pair"}
        blanked = dict.fromkeys(("rank", "score", "interval", "strength", "wins", "losses", "comparisons",
                                 "aoi_score"))
        body["proposals"] = [p for p in body["proposals"] if p["id"] not in hidden] + sorted(
            ({**p, **blanked} for p in body["proposals"] if p["id"] in hidden), key=lambda p: p["id"])


@dataclass
class _Population:
    """The consented participants (by row number) and the segment group each one counts in."""

    index: dict[str, int]
    completed: np.ndarray
    slot: np.ndarray | None = None
    """Per participant: 1 + position of its group in ``groups``, or -1 (withheld); None without a segment."""
    groups: list[Any] = field(default_factory=list)

    def mask(self, participant_ids: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self.index), dtype=bool)
        rows = [self.index[p] for p in participant_ids if p in self.index]
        mask[rows] = True
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


@dataclass
class _Activity:
    present: np.ndarray
    """Participants with anything stored on the item (an answer or skip, a vote, a served pair)."""
    answered: np.ndarray
    """Participants who answered it (a skipped optional question or a skipped pair does not count)."""
    rows: list[tuple] = field(default_factory=list)
    """Question items: (participant, option_id, value) of every stored answer."""


def _meaningful(kind: str, option_id: int | None, value: Any) -> bool:
    if kind == "single_choice":
        return option_id is not None
    if kind in ("multi_choice", "budget"):
        return isinstance(value, list)
    if kind == "scale":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "free_text":
        return isinstance(value, str) and bool(value.strip())
    if kind == "place":
        return isinstance(value, dict) and "latitude" in value
    return False


async def _activity(session: AsyncSession, item: Item, population: _Population) -> _Activity:
    if item.kind in QUESTION_KINDS:
        rows = await _rows(session, select(Answer.participant_id, Answer.option_id, Answer.value)
                           .where(Answer.item_id == item.id))
        return _Activity(present=population.mask(r[0] for r in rows),
                         answered=population.mask(r[0] for r in rows if _meaningful(item.kind, r[1], r[2])),
                         rows=rows)
    if item.kind == "proposal":
        voters = [r[0] for r in await _plain_rows(session, select(ProposalVote.participant_id)
                                            .where(ProposalVote.item_id == item.id)
                                            .group_by(ProposalVote.participant_id))]
        mask = population.mask(voters)
        return _Activity(present=mask, answered=mask)
    if item.kind == "pairs":
        answered_one = func.max(case((and_(PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip"), 1),
                                     else_=0))
        rows = await _plain_rows(session, select(PairPrompt.participant_id, answered_one)
                           .where(PairPrompt.item_id == item.id).group_by(PairPrompt.participant_id))
        return _Activity(present=population.mask(r[0] for r in rows),
                         answered=population.mask(r[0] for r in rows if r[1]))
    empty = np.zeros(len(population.index), dtype=bool)
    return _Activity(present=empty, answered=empty)


_ITEM_HEAD = ("key", "kind", "number", "prompt", "reached", "answered", "answer_rate")


def _ordered_item(entry: dict[str, Any]) -> dict[str, Any]:
    return {**{k: entry[k] for k in _ITEM_HEAD}, **{k: v for k, v in entry.items() if k not in _ITEM_HEAD}}


def _ordered_groups(consultation: Consultation, groups: set[Any]) -> list[Any]:
    profile = (consultation.definition or {}).get("profile") or {}
    declared: list[Any] = list(profile.get("age_bands") or []) + list(profile.get("countries") or []) + [
        r.get("key") for r in profile.get("regions") or []] + list(consultation.languages or [])
    rank = {v: n for n, v in enumerate(declared)}
    values = sorted((g for g in groups if g not in (UNKNOWN, OTHER)),
                    key=lambda v: (rank.get(v, len(rank)), str(v)))
    return values + [g for g in (UNKNOWN, OTHER) if g in groups]


def _segment_label(consultation: Consultation, segment: str, group: Any, language: str) -> str | None:
    if group is OTHER or group is UNKNOWN:
        return None
    if segment == "region":
        for region in ((consultation.definition or {}).get("profile") or {}).get("regions") or []:
            if region.get("key") == group:
                return localized(region.get("label"), language, consultation.default_language) or group
    if segment == "country":
        from api.participant.profile import country_name

        return country_name(str(group), language)
    return str(group)


async def _reached(session: AsyncSession, items: list[Item], population: _Population,
                   furthest: np.ndarray) -> dict[int, np.ndarray]:
    """Per item, which consented participants reached it (rule in the module docstring), as a mask."""
    n = len(population.index)
    by_key = {item.key: item for item in items}
    shown: dict[int, np.ndarray] = {}
    answers_cache: dict[int, dict[str, set[str]]] = {}
    for item in items:
        condition = item.config.get("show_if")
        if not condition or condition.get("item") not in by_key:
            shown[item.id] = np.ones(n, dtype=bool)
            continue
        target = by_key[condition["item"]]
        if target.id not in answers_cache:
            answers_cache[target.id] = await _answer_keys(session, target)
        wanted = {str(v) for v in ([condition["equals"]] if condition.get("equals") is not None
                                   else condition.get("any_of") or [])}
        shown[item.id] = population.mask(pid for pid, keys in answers_cache[target.id].items() if keys & wanted)

    positions = [item.position for item in items]
    is_question = {item.position: item.kind in QUESTION_KINDS for item in items}
    # Where each participant stands: after a question (answered, so done) or before anything, at the next
    # item shown to them; inside a proposal or pairs item, still there (we cannot tell they are done).
    moves_on = np.array([f < 0 or is_question.get(int(f), False) for f in furthest.tolist()], dtype=bool)
    at = np.where(moves_on, -2, furthest)
    waiting = moves_on.copy()
    for item, position in zip(items, positions):
        step = waiting & (position > furthest) & shown[item.id]
        at[step] = position
        waiting &= ~step
    completed = population.completed
    return {item.id: shown[item.id] & (completed | (furthest >= item.position) | (at == item.position))
            for item in items}


async def _answer_keys(session: AsyncSession, item: Item) -> dict[str, set[str]]:
    """Each participant's answer to a branch target as branch conditions see it (option keys, scale value)."""
    option_keys = dict((await session.execute(select(Option.id, Option.key).where(Option.item_id == item.id))).all())
    out: dict[str, set[str]] = {}
    for pid, option_id, value in await _rows(
            session, select(Answer.participant_id, Answer.option_id, Answer.value).where(Answer.item_id == item.id)):
        keys = set()
        if option_id is not None and option_id in option_keys:
            keys.add(option_keys[option_id])
        if isinstance(value, list):
            keys |= {option_keys[v] for v in value if v in option_keys}
        elif isinstance(value, int) and not isinstance(value, bool):
            keys.add(str(value))
        out[pid] = keys
    return out


# ---------------------------------------------------------------------------------------------- item kinds


async def _item_results(session: AsyncSession, ctx: _Context, item: Item, activity: _Activity,
                        population: _Population) -> dict[Any, Any]:
    """{group: body} for ALL and each group; ``None`` maps to a factory for groups with no rows."""
    if item.kind in QUESTION_KINDS:
        return await _question(session, ctx, item, population.split(activity.rows))
    answered = population.count(activity.answered)
    if item.kind == "proposal":
        return await _proposal_item(session, ctx, item, answered)
    if item.kind == "pairs":
        return await _pairs_item(session, ctx, item, answered)
    return {None: lambda g: {"answered": 0}}


async def _options(session: AsyncSession, item: Item) -> list[Option]:
    return list((await session.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position))
                 ).scalars())


async def _question(session: AsyncSession, ctx: _Context, item: Item,
                    rows: dict[Any, list[tuple]]) -> dict[Any, Any]:
    """``rows``: (option_id, value) of every stored answer, for ALL and per group."""
    options = await _options(session, item)
    default = ctx.consultation.default_language
    label = {o.id: localized(o.label, ctx.language, default) for o in options}
    # Free texts and places only ever come with the whole: within segments they would carry the segment's value,
    # and the same text seen in two segmentations (an age band, then a country) would place its writer in the
    # crossing of the two, which may hold fewer than k people.
    builders = {"single_choice": lambda rs, raw: _single_choice(options, label, [r[0] for r in rs]),
                "multi_choice": lambda rs, raw: _multi_choice(options, label, [r[1] for r in rs]),
                "budget": lambda rs, raw: _budget(item, options, label, [r[1] for r in rs]),
                "scale": lambda rs, raw: _scale(item, [r[1] for r in rs]),
                "free_text": lambda rs, raw: _free_text([r[1] for r in rs], raw),
                "place": lambda rs, raw: _place([r[1] for r in rs], raw)}
    builder = builders[item.kind]
    out: dict[Any, Any] = {g: builder(rs, ctx.raw and g is ALL) for g, rs in rows.items()}
    out[None] = lambda g: builder([], ctx.raw and g is ALL)
    return out


def _single_choice(options: list[Option], label: dict[int, str], chosen: list[int | None]) -> dict[str, Any]:
    counts: dict[int, int] = defaultdict(int)
    for option_id in chosen:
        if option_id is not None:
            counts[option_id] += 1
    answered = sum(counts[o.id] for o in options)
    return {"answered": answered, "options": [{"key": o.key, "label": label[o.id], **_share(counts[o.id], answered)}
                                              for o in options]}


def _chosen(values: Iterable[Any]) -> tuple[int, dict[int, int], int]:
    counts: dict[int, int] = defaultdict(int)
    ballots = choices = 0
    for value in values:
        if not isinstance(value, list):
            continue
        ballots += 1
        for option_id in set(value):
            counts[option_id] += 1
            choices += 1
    return ballots, counts, choices


def _multi_choice(options: list[Option], label: dict[int, str], values: list[Any]) -> dict[str, Any]:
    answered, counts, choices = _chosen(values)
    return {"answered": answered, "choices": choices,
            "options": [{"key": o.key, "label": label[o.id], **_share(counts[o.id], answered)} for o in options]}


def _budget(item: Item, options: list[Option], label: dict[int, str], values: list[Any]) -> dict[str, Any]:
    ballots, counts, _ = _chosen(values)
    total = int(item.config.get("total") or 0)
    order = sorted(options, key=lambda o: (-counts[o.id], o.cost or 0, o.position))
    remaining, funded = total, set()
    for option in order:
        cost = option.cost or 0
        if counts[option.id] > 0 and cost <= remaining:
            funded.add(option.id)
            remaining -= cost
    projects = [{"key": o.key, "label": label[o.id], "cost": o.cost, "votes": counts[o.id],
                 **{k: v for k, v in _share(counts[o.id], ballots).items() if k != "count"},
                 "rank": rank, "funded": o.id in funded} for rank, o in enumerate(order, start=1)]
    return {"answered": ballots, "ballots": ballots, "total": total, "currency": item.config.get("currency", "EUR"),
            "spent": total - remaining, "funded": [o.key for o in order if o.id in funded], "projects": projects}


def _scale(item: Item, values: list[Any]) -> dict[str, Any]:
    low, high = int(item.config.get("min", 1)), int(item.config.get("max", 5))
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool) and low <= v <= high]
    n = len(numbers)
    counts: dict[int, int] = defaultdict(int)
    for v in numbers:
        counts[v] += 1
    body: dict[str, Any] = {"answered": n, "min": low, "max": high,
                            "distribution": [{"value": v, **_share(counts[v], n)} for v in range(low, high + 1)],
                            "mean": None, "mean_interval": None, "median": None}
    if n:
        arr = np.array(numbers, dtype=float)
        mean = float(arr.mean())
        body["mean"] = _r(mean, 3)
        body["median"] = float(np.median(arr))
        if n >= 2:
            half = Z95 * float(arr.std(ddof=1)) / math.sqrt(n)
            body["mean_interval"] = [_r(max(low, mean - half), 3), _r(min(high, mean + half), 3)]
    return body


def _free_text(values: list[Any], raw: bool) -> dict[str, Any]:
    texts = [v for v in values if isinstance(v, str) and v.strip()]
    body: dict[str, Any] = {"answered": len(texts), "skipped": len(values) - len(texts)}
    if raw:
        body["texts"] = sorted(texts, key=lambda t: (t.casefold(), t))
    return body


def _place(values: list[Any], raw: bool) -> dict[str, Any]:
    points = [v for v in values if isinstance(v, dict) and "latitude" in v and "longitude" in v]
    body: dict[str, Any] = {"answered": len(points), "comments": sum(1 for p in points if p.get("comment"))}
    if raw:
        body["points"] = sorted(({"latitude": p["latitude"], "longitude": p["longitude"],
                                  "comment": p.get("comment")} for p in points),
                                key=lambda p: (p["latitude"], p["longitude"], p["comment"] or ""))
    return body


async def _accepted(session: AsyncSession, ctx: _Context, item: Item) -> dict[int, str]:
    rows = await _rows(session, select(Proposal.id, Proposal.text).where(
        Proposal.item_id == item.id, Proposal.status == "accepted").order_by(Proposal.id))
    default = ctx.consultation.default_language
    return {pid: localized(text, ctx.language, default) for pid, text in rows}


async def _in_threads(builders: dict[Any, Callable[[], dict[str, Any]]]) -> dict[Any, dict[str, Any]]:
    """Run CPU-bound builders in worker threads (numpy releases the GIL), keeping the event loop free."""
    keys = list(builders)
    built = await asyncio.gather(*(asyncio.to_thread(builders[key]) for key in keys))
    return dict(zip(keys, built))


def _shares(count: np.ndarray, base: np.ndarray, low: np.ndarray, high: np.ndarray) -> list[dict[str, Any]]:
    value = np.round(np.where(base > 0, count / np.where(base > 0, base, 1), 0.0), 4).tolist()
    lows, highs = np.round(low, 4).tolist(), np.round(high, 4).tolist()
    return [{"count": c, "share": v, "interval": [lo, hi]} for c, v, lo, hi in zip(count.tolist(), value, lows, highs)]


_CHOICE_COLUMN = {choice: COUNT_FIELDS.index(choice) for choice in QUALIFICATIONS}
_QUALIFICATION_COLUMN = {(choice, name): COUNT_FIELDS.index(f"{choice}_{name}")
                         for choice, names in QUALIFICATIONS.items() for name in names}


async def _proposal_item(session: AsyncSession, ctx: _Context, item: Item,
                         voters: dict[Any, int]) -> dict[Any, Any]:
    texts = await _accepted(session, ctx, item)
    rows = await ctx.grouped(
        session, ProposalVote.participant_id,
        [ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.qualification, func.count()],
        [ProposalVote.item_id == item.id],
        [ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.qualification])
    ids = list(texts)
    row_of = {pid: n for n, pid in enumerate(ids)}

    def build(group: Any, rs: list[tuple]) -> dict[str, Any]:
        table = np.zeros((len(ids), len(COUNT_FIELDS)), dtype=np.int64)
        for pid, choice, qualification, n in rs:
            i = row_of.get(pid)
            column = _CHOICE_COLUMN.get(choice)
            if i is None or column is None:
                continue
            table[i, column] += n
            q = _QUALIFICATION_COLUMN.get((choice, qualification))
            if q is not None:
                table[i, q] += n
        t = score_table(table)
        bases = np.empty_like(table)
        for column, name in enumerate(COUNT_FIELDS):
            bases[:, column] = t.votes if name in QUALIFICATIONS else table[:, _CHOICE_COLUMN[name.split("_", 1)[0]]]
        shares = [_shares(t.count[:, c], bases[:, c], t.low[:, c], t.high[:, c]) for c in range(len(COUNT_FIELDS))]
        decided = _shares(table[:, 0], t.decided, t.agree_decided_low, t.agree_decided_high)
        top, controversy = np.round(t.top_score, 4).tolist(), np.round(t.controversy_score, 4).tolist()
        support = np.round(t.support, 4).tolist()
        support_interval = np.round(np.stack([t.support_low, t.support_high], axis=1), 4).tolist()
        controversy_rank = np.empty(len(ids), dtype=np.int64)
        controversy_rank[t.controversy_ranking()] = np.arange(1, len(ids) + 1)
        zones = {zone.value: 0 for zone in ZONE_CODES}
        proposals = []
        for rank, i in enumerate(t.ranking().tolist(), start=1):
            zone = ZONE_CODES[t.zone[i]].value
            zones[zone] += 1
            proposals.append({
                "id": ids[i], "text": texts[ids[i]], "rank": rank, "controversy_rank": int(controversy_rank[i]),
                "votes": int(t.votes[i]), "agree": shares[0][i], "disagree": shares[1][i], "neutral": shares[2][i],
                "agree_among_decided": decided[i], "zone": zone, "top_score": top[i],
                "support": {"value": support[i], "interval": support_interval[i]},
                "controversy_score": controversy[i],
                "qualifications": {choice: {name: shares[_QUALIFICATION_COLUMN[choice, name]][i] for name in names}
                                   for choice, names in QUALIFICATIONS.items()},
            })
        return {"answered": voters.get(group, 0), "votes": int(t.votes.sum()), "zones": zones,
                "proposals": proposals}

    out: dict[Any, Any] = await _in_threads({g: (lambda g=g, rs=rs: build(g, rs)) for g, rs in rows.items()})
    out[None] = lambda g: build(g, [])
    return out


async def _pairs_item(session: AsyncSession, ctx: _Context, item: Item,
                      answered: dict[Any, int]) -> dict[Any, Any]:
    texts = await _accepted(session, ctx, item)
    ids = list(texts)
    low_won = or_(and_(PairPrompt.outcome == "left", PairPrompt.left_id == PairPrompt.low_id),
                  and_(PairPrompt.outcome == "right", PairPrompt.right_id == PairPrompt.low_id))
    decisive = await ctx.grouped(
        session, PairPrompt.participant_id,
        [PairPrompt.low_id, PairPrompt.high_id, func.sum(case((low_won, 1), else_=0)), func.count()],
        [PairPrompt.item_id == item.id, PairPrompt.outcome.in_(("left", "right")), PairPrompt.after_skip.is_(False)],
        [PairPrompt.low_id, PairPrompt.high_id])
    outcomes = await ctx.grouped(session, PairPrompt.participant_id,
                                 [PairPrompt.outcome, PairPrompt.after_skip, func.count()],
                                 [PairPrompt.item_id == item.id], [PairPrompt.outcome, PairPrompt.after_skip])

    def build(group: Any) -> dict[str, Any]:
        table = np.array(decisive.get(group, []), dtype=np.int64).reshape(-1, 4)
        low, high, low_wins, total = table.T
        winners, losers = np.concatenate([low, high]), np.concatenate([high, low])
        ranking = rank_pairs(ids, winners, losers, np.concatenate([low_wins, total - low_wins])) if ids else []
        tally: dict[str, int] = defaultdict(int)
        for outcome, after_skip, n in outcomes.get(group, []):
            tally["served"] += int(n)
            if outcome is None:
                continue
            if after_skip and outcome != "skip":
                tally["after_skip"] += int(n)
            elif outcome in ("left", "right"):
                tally["comparisons"] += int(n)
            elif outcome == "cant_decide":
                tally["cant_decide"] += int(n)
            elif outcome == "skip":
                tally["skips"] += int(n)
        return {"answered": answered.get(group, 0), "comparisons": tally["comparisons"],
                "cant_decide": tally["cant_decide"], "skips": tally["skips"], "after_skip": tally["after_skip"],
                "served": tally["served"], "method": "bradley_terry",
                "proposals": [{"id": row.proposal_id, "text": texts[row.proposal_id], "rank": row.rank,
                               "score": round(100 * row.p_beat, 2),
                               "interval": [round(100 * row.p_low, 2), round(100 * row.p_high, 2)],
                               "strength": round(row.theta, 4), "wins": row.wins, "losses": row.losses,
                               "comparisons": row.wins + row.losses, "aoi_score": round(row.aoi_score, 2)}
                              for row in ranking]}

    out: dict[Any, Any] = await _in_threads({g: (lambda g=g: build(g)) for g in {ALL, *decisive, *outcomes}})
    out[None] = build
    return out
