"""The results cache: computed results kept per (consultation, segment, raw, language, view), with their JSON.

``view`` is what is computed: ``"results"`` (:func:`api.results.compute.compute_results`, the default) or
``"overview"`` (:func:`api.results.overview.compute_overview`: the segments' sizes and participation by day, all
a results page needs besides the whole's results), each kept and refreshed by the same rules.

One :class:`ResultsCache` per app, made by :func:`api.app.create_app` as ``app.state.results_cache``; routes reach
it through the :func:`api.deps.results_cache` dependency, and whatever runs outside a request (a benchmark, a
script) is handed one explicitly.

A read within :data:`TTL` seconds of the last check returns the cached value; after that one cheap query reads a
change marker (the highest answer, vote, enrolment and proposal ids, when the consultation's opinion groups were
last computed, and the selection events of this process).
Unchanged and younger than :data:`MAX_AGE`: cached value. Changed: recomputed in the request if the last
computation took under :data:`INLINE_BUDGET` seconds; otherwise the cached value is returned at once and one
background task recomputes it (stale-while-revalidate), starting at most once per ``duration / REFRESH_SHARE``
seconds — so reading stays fast while votes keep arriving, and a large consultation's results lag by about four
times their computation time. ``fresh=True`` always recomputes. Each entry keeps its value encoded as JSON once
per computation (:func:`api.results.consultation_results_json`), which is what makes a read of megabytes of
results cheap.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.results.compute import compute_results
from api.results.overview import compute_overview
from api.selection import SelectionRegistry
from core import metrics
from storage.models import Answer, Consultation, Enrolment, Proposal, ProposalVote
from storage.models_groups import OpinionGroups

log = logging.getLogger("viche.results")

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


@dataclass
class Entry:
    value: dict[str, Any]
    marker: tuple
    computed_at: float
    checked_at: float
    duration: float
    refreshing: bool = False
    encoded: bytes | None = None


@dataclass
class ResultsCache:
    """Computed results with their change marker, one per app (``app.state.results_cache``; see the module
    docstring)."""

    entries: dict[tuple, Entry] = field(default_factory=dict)
    computations: int = 0
    registry: SelectionRegistry | None = None
    """The app's live selectors, whose event count is part of the change marker (set by ``create_app``)."""
    _markers: dict[int, tuple[float, tuple]] = field(default_factory=dict)
    """Per consultation: when its change marker was last read, and what it was (:meth:`_marker`)."""
    _flights: dict[tuple, asyncio.Future] = field(default_factory=dict)
    _tasks: set[asyncio.Task] = field(default_factory=set)

    async def get(
        self,
        session: AsyncSession,
        consultation: Consultation,
        segment: str | None,
        raw: bool,
        language: str,
        fresh: bool,
        view: str = "results",
    ) -> Entry:
        key = (consultation.id, segment, raw, language, view)
        entry = self.entries.get(key)
        if entry is None or fresh:
            return await self._compute_once(session, consultation, key)
        now = time.monotonic()
        if now - entry.checked_at < TTL:
            return entry
        marker = await self._marker(session, consultation)
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

    async def _marker(self, session: AsyncSession, consultation: Consultation) -> tuple:
        """The consultation's change marker, read at most once per :data:`TTL`: a results page reads two entries
        (the whole's results and the overview), the segments are entries of their own, and a recomputation inside
        the request would read it again right after the check. A marker up to TTL old is safe to store with a
        value computed later: at worst the next check finds it changed and recomputes once more."""
        now = time.monotonic()
        known = self._markers.get(consultation.id)
        if known is not None and now - known[0] < TTL:
            return known[1]
        marker = await marker_of(session, consultation, self.registry)
        self._markers[consultation.id] = (now, marker)
        return marker

    async def _compute_once(self, session: AsyncSession, consultation: Consultation, key: tuple) -> Entry:
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

    async def _compute(self, session: AsyncSession, consultation: Consultation, key: tuple) -> Entry:
        _, segment, raw, language, view = key
        marker = await self._marker(session, consultation)
        started = time.monotonic()
        if view == "overview":
            value = await compute_overview(session, consultation, language=language)
        else:
            value = await compute_results(session, consultation, segment=segment, raw=raw, language=language)
        finished = time.monotonic()
        metrics.RESULTS_SECONDS.observe(finished - started)
        self.computations += 1
        if len(self.entries) >= MAX_ENTRIES and key not in self.entries:
            oldest = min(self.entries, key=lambda k: self.entries[k].checked_at)
            del self.entries[oldest]
        entry = Entry(value=value, marker=marker, computed_at=started, checked_at=finished, duration=finished - started)
        self.entries[key] = entry
        return entry

    def _refresh_in_background(self, engine: AsyncEngine, consultation_id: int, key: tuple) -> None:
        async def run() -> None:
            try:
                async with AsyncSession(engine, expire_on_commit=False) as session:
                    consultation = await session.get(Consultation, consultation_id)
                    if consultation is not None:
                        entry = await self._compute_once(session, consultation, key)
                        entry.encoded = await asyncio.to_thread(encode, entry.value)
            except Exception:
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


def encode(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


async def marker_of(
    session: AsyncSession, consultation: Consultation, registry: SelectionRegistry | None = None
) -> tuple:
    """What changes when the results may have: a cached value computed under another marker is out of date."""
    highest = (
        await session.execute(
            select(
                select(func.max(Answer.id)).scalar_subquery(),
                select(func.max(ProposalVote.id)).scalar_subquery(),
                select(func.max(Enrolment.id)).scalar_subquery(),
                select(func.max(Proposal.id)).scalar_subquery(),
                # The groups are recomputed in the background after the votes that changed them: without their
                # time here, results split by group (and the pages) kept the old split until MAX_AGE.
                select(OpinionGroups.computed_at)
                .where(OpinionGroups.consultation_id == consultation.id)
                .scalar_subquery(),
            )
        )
    ).one()
    return (
        *highest,
        registry.events if registry is not None else 0,
        consultation.status,
        consultation.min_segment_size,
    )
