"""Which proposal or pair a participant sees next: the selectors of :mod:`api.scoring`, kept live in memory.

How it fits together
--------------------
Each app keeps one :class:`SelectionRegistry`: ``create_app`` makes it (``app.state.selection``), a route reaches
it through the dependency ``api.deps.selection_registry`` and hands it on. The registry holds one selector per
``pairs`` item (:class:`~api.scoring.PairSelector`) and per ``proposal`` item (:class:`~api.scoring.ProposalSelector`):

* **built lazily** on the item's first request, from ``GROUP BY`` aggregates — decisive, counted pair
  outcomes (left/right, not right after a skip) and times each proposal was served; vote counts per
  proposal. The fit runs in a worker thread, so the event loop keeps serving;
* **updated in place** on every served pair (``choose_pair``), every counted pair answer
  (:func:`pair_answered`) and every new vote (:func:`vote_recorded`) — O(log n) each; Bradley–Terry
  refits (every 5 % new votes) run in a worker thread and are swapped in when done;
* **told about the pool** without anybody calling it: before choosing, at most every ``POOL_CHECK_SECONDS``,
  one primary-key query reads the proposals created since it last looked plus the ones it watches (pending in
  its items, or ids it has not seen committed yet); an accepted one joins its selector at the front of the
  hearing line, a rejected or deleted one leaves it. So a proposal accepted by moderation in another process
  (or by any code path that sets ``status = "accepted"``) is served within ``POOL_CHECK_SECONDS``; moderation
  (:func:`api.moderation.decide`) tells its own process's registry at once. Every ``POOL_RECONCILE_SECONDS``
  the item's whole pool is compared once more (O(n) per minute, not per request), and every
  ``REBUILD_SECONDS`` the selector is rebuilt from the database in the background, which also absorbs what
  other processes served and recorded (with several API workers each keeps its own selector; the database
  constraints keep every choice valid, only the quotas are per worker). :meth:`SelectionRegistry.proposal_changed`
  tells the registry at once, for code that wants no delay at all.

Per request the cost does not depend on the pool size: the participant's own history (one indexed query), the
pool check (primary-key range, at most every ``POOL_CHECK_SECONDS``), the choice (O(log n)), and one
primary-key look-up of the chosen proposals, which also guarantees that nothing but an accepted proposal of
the item is ever served.

Rules (see :mod:`api.scoring.pair_selection` and :mod:`api.scoring.proposal_selection`): a newly accepted
proposal is heard first (pairs: 20 decisive comparisons, typically within the next 40 pairs served;
agree/disagree: 10 votes), then pairs go where they most reduce uncertainty among close competitors and
statements to where the shares are least settled. A participant never gets the same pair twice, nor a
statement they already voted on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.scoring import PairSelector, ProposalSelector
from storage.models import Item, PairPrompt, Proposal, ProposalVote

log = logging.getLogger("viche.selection")

POOL_CHECK_SECONDS = 0.5
"""How often the cheap pool check runs (per process). Once per request was ~10 % of a busy bot's statements;
a proposal that left the pool in between is never served all the same (each choice is checked by key)."""
POOL_RECONCILE_SECONDS = 60.0
"""How often an item's whole pool is compared with its selector (catches anything the cheap check missed)."""
REBUILD_SECONDS = 900.0
"""How often a selector is rebuilt from the database in the background (other processes' votes, deletions)."""
HOLE_WATCH_SECONDS = 60.0
"""How long a proposal id that was skipped in the sequence (a transaction still open) is watched for."""
MAX_HOLES = 1000
NEW_PER_CHECK = 50
"""New proposals read per pool check (more are read by the next requests)."""
ATTEMPTS = 4
"""Choices tried when the chosen proposal turns out to be gone from the pool."""


@dataclass
class _ItemState:
    item_id: int
    kind: str
    selector: Any
    built_at: float
    reconciled_at: float
    refitting: bool = False
    rebuilding: bool = False


@dataclass
class SelectionRegistry:
    """One process's live selectors for one database. Used from the event loop only (not thread-safe)."""

    engine: AsyncEngine | None = None
    """The database, for background rebuilds (none: the selectors are never rebuilt in the background)."""
    items: dict[int, _ItemState] = field(default_factory=dict)
    events: int = 0
    """Served pairs, counted pair answers and votes seen by this process (a cheap change marker)."""
    _building: dict[int, asyncio.Future] = field(default_factory=dict)
    _max_seen: int | None = None
    _watch: dict[int, float] = field(default_factory=dict)
    """Proposal ids to re-read: pending ones (value inf) and holes in the id sequence (value: expiry)."""
    _tasks: set[asyncio.Task] = field(default_factory=set)
    pool_checks: int = 0
    _pool_checked_at: float = float("-inf")

    # ------------------------------------------------------------------ building
    async def state(self, session: AsyncSession, item: Item) -> _ItemState:
        """The item's live selector: built on first use, pool checked, reconciled or rebuilt when due."""
        if time.monotonic() - self._pool_checked_at >= POOL_CHECK_SECONDS:
            await self.sync_pool(session)
        state = self.items.get(item.id)
        if state is None:
            state = await self._build_once(session, item)
        now = time.monotonic()
        if now - state.reconciled_at > POOL_RECONCILE_SECONDS:
            await self._reconcile(session, state)
        if now - state.built_at > REBUILD_SECONDS and not state.rebuilding:
            state.rebuilding = True
            self._spawn(self._rebuild(state))
        return state

    async def _build_once(self, session: AsyncSession, item: Item) -> _ItemState:
        pending = self._building.get(item.id)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._building[item.id] = future
        try:
            state = await self._build(session, item.id, item.kind)
            self.items[item.id] = state
            future.set_result(state)
            return state
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: waiters re-raise it, nobody logs "never retrieved"
            raise
        finally:
            del self._building[item.id]

    async def _build(self, session: AsyncSession, item_id: int, kind: str) -> _ItemState:
        if self._max_seen is None:
            self._max_seen = int(await session.scalar(select(func.max(Proposal.id))) or 0)
        accepted, pending = await _pool(session, item_id)
        now = time.monotonic()
        for pid in pending:
            self._watch[pid] = float("inf")
        if kind == "pairs":
            selector = await _build_pairs(session, item_id, accepted)
        elif kind == "proposal":
            selector = await _build_proposals(session, item_id, accepted)
        else:
            raise ValueError(f"item {item_id} is a {kind} item; only pairs and proposal items have selectors")
        return _ItemState(item_id=item_id, kind=kind, selector=selector, built_at=now, reconciled_at=now)

    async def _rebuild(self, state: _ItemState) -> None:
        engine = self.engine
        try:
            if engine is None:
                return
            async with AsyncSession(engine) as session:
                fresh = await self._build(session, state.item_id, state.kind)
            if self.items.get(state.item_id) is state:
                self.items[state.item_id] = fresh
        except Exception:
            log.exception("rebuilding the selector of item %s failed", state.item_id)
            state.built_at = time.monotonic()
        finally:
            state.rebuilding = False

    async def _reconcile(self, session: AsyncSession, state: _ItemState) -> None:
        accepted, pending = await _pool(session, state.item_id)
        selector = state.selector
        live = set(accepted)
        for pid in selector.proposal_ids:
            if pid not in live:
                selector.remove_proposal(pid)
        for pid in accepted:
            if pid not in selector:
                selector.add_proposal(pid)
        for pid in pending:
            self._watch[pid] = float("inf")
        state.reconciled_at = time.monotonic()

    # ------------------------------------------------------------------ the pool
    async def sync_pool(self, session: AsyncSession) -> None:
        """Apply proposals created or changed since the last look. One primary-key query, O(changes)."""
        if self._max_seen is None or not self.items:
            return
        now = time.monotonic()
        self._pool_checked_at = now
        for pid, expiry in list(self._watch.items()):
            if expiry < now:
                del self._watch[pid]
        watched = list(self._watch)
        columns = (Proposal.id, Proposal.item_id, Proposal.status)
        # Ordered and limited, so that even a generic plan of the prepared statement (PostgreSQL guesses a third
        # of the table for "id > $1") walks the primary key from the end instead of scanning the table.
        rows = list(
            (
                await session.execute(
                    select(*columns).where(Proposal.id > self._max_seen).order_by(Proposal.id).limit(NEW_PER_CHECK)
                )
            ).all()
        )
        if watched:
            rows += (await session.execute(select(*columns).where(Proposal.id.in_(watched)))).all()
        self.pool_checks += 1
        old_max = self._max_seen
        found = set()
        for pid, item_id, status in rows:
            found.add(pid)
            self._apply(pid, item_id, status)
            if pid > self._max_seen:
                self._max_seen = pid
        # Ids skipped in the sequence may belong to a transaction that commits later: watch them a while.
        if self._max_seen - old_max <= MAX_HOLES:
            for pid in range(old_max + 1, self._max_seen):
                if pid not in found:
                    self._watch[pid] = now + HOLE_WATCH_SECONDS
        for pid in watched:
            if pid not in found and self._watch.get(pid) == float("inf"):
                del self._watch[pid]  # a watched pending proposal was deleted

    def _apply(self, pid: int, item_id: int, status: str) -> None:
        state = self.items.get(item_id)
        if status == "pending":
            if state is not None:
                self._watch[pid] = float("inf")
            return
        self._watch.pop(pid, None)
        if state is None:
            return
        if status == "accepted":
            state.selector.add_proposal(pid)
        else:
            state.selector.remove_proposal(pid)

    def proposal_changed(self, item_id: int, proposal_id: int, status: str) -> None:
        """Tell the registry at once that a proposal was accepted (or left the pool)."""
        self._apply(proposal_id, item_id, status)

    # ------------------------------------------------------------------ events
    def served_pair(self, state: _ItemState, left: int, right: int) -> None:
        state.selector.record_served(left, right)
        self.events += 1

    def pair_answered(self, item_id: int, left: int, right: int, outcome: str, counted: bool) -> None:
        self.events += 1
        state = self.items.get(item_id)
        if state is None or not counted or outcome not in ("left", "right"):
            return
        selector: PairSelector = state.selector
        if left in selector and right in selector:
            winner, loser = (left, right) if outcome == "left" else (right, left)
            selector.record(winner, loser)
            self._maybe_refit(state)

    def vote_recorded(self, item_id: int, proposal_id: int, choice: str) -> None:
        self.events += 1
        state = self.items.get(item_id)
        if state is not None and proposal_id in state.selector:
            state.selector.record(proposal_id, choice)

    def _maybe_refit(self, state: _ItemState) -> None:
        selector: PairSelector = state.selector
        if state.refitting or not selector.needs_refit:
            return
        job = selector.begin_refit()
        if job is None:
            return
        state.refitting = True

        async def run() -> None:
            try:
                result = await asyncio.to_thread(job.compute)
                if self.items.get(state.item_id) is state:
                    selector.finish_refit(job, result)
            except Exception:
                log.exception("refitting the selector of item %s failed", state.item_id)
            finally:
                state.refitting = False

        self._spawn(run())

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background refits and rebuilds (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


# ---------------------------------------------------------------------- building blocks


async def _pool(session: AsyncSession, item_id: int) -> tuple[list[int], list[int]]:
    """(accepted proposal ids, oldest in the pool first; pending ids)."""
    rows = (
        await session.execute(
            select(Proposal.id, Proposal.status)
            .where(Proposal.item_id == item_id, Proposal.status.in_(("accepted", "pending")))
            .order_by(func.coalesce(Proposal.accepted_at, Proposal.created_at), Proposal.id)
        )
    ).all()
    return [pid for pid, status in rows if status == "accepted"], [pid for pid, status in rows if status == "pending"]


async def _build_pairs(session: AsyncSession, item_id: int, accepted: list[int]) -> PairSelector:
    left_won = PairPrompt.outcome == "left"
    winner = case((left_won, PairPrompt.left_id), else_=PairPrompt.right_id)
    loser = case((left_won, PairPrompt.right_id), else_=PairPrompt.left_id)
    decisive = (
        await session.execute(
            select(winner, loser, func.count())
            .where(
                PairPrompt.item_id == item_id,
                PairPrompt.outcome.in_(("left", "right")),
                PairPrompt.after_skip.is_(False),
            )
            .group_by(winner, loser)
        )
    ).all()
    exposures: dict[int, int] = {}
    for column in (PairPrompt.left_id, PairPrompt.right_id):
        for pid, n in (
            await session.execute(select(column, func.count()).where(PairPrompt.item_id == item_id).group_by(column))
        ).all():
            exposures[pid] = exposures.get(pid, 0) + int(n)
    table = np.array(decisive, dtype=np.int64).reshape(-1, 3)
    return await asyncio.to_thread(
        PairSelector.from_counts, accepted, table[:, 0], table[:, 1], table[:, 2], exposures=exposures, auto_refit=False
    )


async def _build_proposals(session: AsyncSession, item_id: int, accepted: list[int]) -> ProposalSelector:
    counts: dict[int, list[int]] = {pid: [0, 0, 0] for pid in accepted}
    column = {"agree": 0, "disagree": 1, "neutral": 2}
    rows = (
        await session.execute(
            select(ProposalVote.proposal_id, ProposalVote.choice, func.count())
            .where(ProposalVote.item_id == item_id)
            .group_by(ProposalVote.proposal_id, ProposalVote.choice)
        )
    ).all()
    for pid, choice, n in rows:
        if pid in counts and choice in column:
            counts[pid][column[choice]] += int(n)
    return ProposalSelector.from_counts({pid: tuple(c) for pid, c in counts.items()})


# ---------------------------------------------------------------------- what the participant package calls


_LIVE_PAIR = select(Proposal).where(  # built once: read for every pair served
    Proposal.id.in_(bindparam("pair", expanding=True)),
    Proposal.item_id == bindparam("item"),
    Proposal.status == "accepted",
)


async def next_proposal(
    session: AsyncSession, registry: SelectionRegistry, item: Item, voted: set[int]
) -> Proposal | None:
    """The statement to show next in a proposal item, or None when the participant is done with it.

    Done: voted on every accepted proposal, or on ``max_votes`` of them when the item sets a limit.
    ``voted``: the proposals of the item the participant voted on (read with the rest of their past, see
    :func:`api.participant.next_screen.next_screen`).
    """
    limit = item.config.get("max_votes")
    if limit is not None and len(voted) >= int(limit):
        return None
    state = await registry.state(session, item)
    selector: ProposalSelector = state.selector
    for _ in range(ATTEMPTS):
        pid = selector.choose(voted)
        if pid is None:
            return None
        proposal = await session.get(Proposal, pid)
        if proposal is not None and proposal.item_id == item.id and proposal.status == "accepted":
            selector.record_served(pid)
            return proposal
        registry.proposal_changed(item.id, pid, proposal.status if proposal is not None else "deleted")
    return None


async def choose_pair(
    session: AsyncSession,
    registry: SelectionRegistry,
    participant_id: str,
    item: Item,
    seen: set[tuple[int, int]] | None = None,
) -> tuple[int, int] | None:
    """``(left, right)``: accepted proposals of the item that this participant has never been shown together.

    Counts the pair as served (its proposals' exposures); None when the participant has seen every pair.
    """
    if seen is None:  # (low, high) of every pair served to the participant in this item
        seen = set(
            (
                await session.execute(
                    select(PairPrompt.low_id, PairPrompt.high_id).where(
                        PairPrompt.participant_id == participant_id, PairPrompt.item_id == item.id
                    )
                )
            ).all()
        )
    state = await registry.state(session, item)
    selector: PairSelector = state.selector
    for _ in range(ATTEMPTS):
        pair = selector.choose(lambda low, high: (low, high) in seen)
        if pair is None:
            return None
        # Whole rows, held by the session (its identity map alone keeps only weak references): the screen that
        # shows the pair finds them there instead of reading them again.
        rows = list((await session.execute(_LIVE_PAIR, {"pair": list(pair), "item": item.id})).scalars())
        session.info["chosen_proposals"] = rows
        live = {p.id for p in rows}
        if len(live) == 2:
            registry.served_pair(state, *pair)
            return pair
        for pid in pair:
            if pid not in live:
                registry.proposal_changed(item.id, pid, "gone")
    return None


def pair_answered(registry: SelectionRegistry, prompt: PairPrompt) -> None:
    """Call after a pair answer was stored (the first answer of its token). Only counted outcomes move scores."""
    counted = prompt.outcome in ("left", "right") and not prompt.after_skip
    registry.pair_answered(prompt.item_id, prompt.left_id, prompt.right_id, prompt.outcome, counted)


def vote_recorded(registry: SelectionRegistry, vote: ProposalVote) -> None:
    """Call after a new agree / disagree / neutral vote was stored."""
    registry.vote_recorded(vote.item_id, vote.proposal_id, vote.choice)
