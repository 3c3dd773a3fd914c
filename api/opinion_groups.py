"""Opinion groups of a consultation, kept up to date in the background from the votes on its statements.

The math is :mod:`api.scoring.opinion_groups` (Polis's). Here: the consultation's proposal votes become its
matrix (agree +1, disagree -1, neutral is a pass, 0; statements rejected by moderation are Polis's moderated-out
columns), the result is stored (``storage/models_groups.py``), and :class:`GroupsRefresher` recomputes every
consultation whose votes changed since its last run (in ``viche run`` and ``viche api``, only the process that
does the database's duties runs it: ``viche/duties.py``).

Nothing here blocks a read or a vote: the votes are read in partitions that give the event loop back between
them, the computation runs in a worker thread, and the result is written in one short transaction. A vote's
change shows in the cheap marker (count and highest id of the consultation's proposal votes: a changed vote is
written anew, /forget rewrites votes with new ids), which the refresher compares with the stored one.

What later reads should use: ``OpinionGroups`` (k, sizes, computed_at, representative statements and per-statement
consensus / divisiveness by proposal id) and ``OpinionGroupMember`` (a participant's own group). Groups smaller
than the consultation's ``min_segment_size`` must not be published (api/disclosure.py); the tables keep them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.scoring.opinion_groups import KSmoother, OpinionGroups, VoteMatrix, build_matrix, opinion_groups
from storage.db import Database
from storage.models import Item, Proposal, ProposalVote, utcnow
from storage.models_groups import OpinionGroupMember
from storage.models_groups import OpinionGroups as StoredGroups

log = logging.getLogger(__name__)

VALUE = {"agree": 1, "disagree": -1, "neutral": 0}
INTERVAL_SECONDS = 5.0
PACE = 4
PARTITION = 2_000  # rows handled between two turns of the event loop
WRITE_LOCK = 0x76696367
"""First key of the PostgreSQL advisory lock a consultation's groups are written under (the second: its id)."""


@dataclass(frozen=True)
class Marker:
    count: int
    max_id: int


async def markers(session: AsyncSession) -> dict[int, Marker]:
    """Per consultation with proposal votes: its marker (one grouped query over the votes)."""
    rows = await session.execute(
        select(Item.consultation_id, func.count(ProposalVote.id), func.max(ProposalVote.id))
        .join(Item, Item.id == ProposalVote.item_id)
        .group_by(Item.consultation_id)
    )
    return {cid: Marker(count, max_id or 0) for cid, count, max_id in rows.all()}


async def stale(session: AsyncSession) -> list[int]:
    """Consultations whose votes changed since their groups were last computed (never computed included), each
    once it has rested PACE times its last computation's seconds: a big consultation under a stream of votes
    does not keep a core to itself."""
    now, moment = await markers(session), utcnow()
    rows = await session.execute(
        select(
            StoredGroups.consultation_id,
            StoredGroups.votes_count,
            StoredGroups.votes_max_id,
            StoredGroups.computed_at,
            StoredGroups.seconds,
        )
    )
    stored = {
        cid: (Marker(count, max_id), _aware(at) + timedelta(seconds=PACE * seconds))
        for cid, count, max_id, at, seconds in rows.all()
    }
    return sorted(
        cid
        for cid, marker in now.items()
        if cid not in stored or (stored[cid][0] != marker and stored[cid][1] <= moment)
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def read_votes(session: AsyncSession, consultation_id: int) -> tuple[list[tuple[str, int, int]], Marker]:
    """(participant, proposal, vote) rows of the consultation, read in partitions (the loop stays free)."""
    result = await session.stream(
        select(ProposalVote.participant_id, ProposalVote.proposal_id, ProposalVote.choice, ProposalVote.id)
        .join(Item, Item.id == ProposalVote.item_id)
        .where(Item.consultation_id == consultation_id)
        .execution_options(yield_per=PARTITION)
    )
    votes, count, max_id = [], 0, 0
    async for partition in result.partitions(PARTITION):
        for participant, proposal, choice, vote_id in partition:
            votes.append((participant, proposal, VALUE[choice]))
            count, max_id = count + 1, max(max_id, vote_id)
        await asyncio.sleep(0)
    return votes, Marker(count, max_id)


async def statements_of(session: AsyncSession, consultation_id: int) -> tuple[list[int], set[int]]:
    """The consultation's agree/disagree statements in id order, and those moderation rejected."""
    rows = (
        await session.execute(
            select(Proposal.id, Proposal.status)
            .join(Item, Item.id == Proposal.item_id)
            .where(Item.consultation_id == consultation_id, Item.kind == "proposal")
            .order_by(Proposal.id)
        )
    ).all()
    return [pid for pid, _ in rows], {pid for pid, status in rows if status == "rejected"}


def _compute(
    votes: list[tuple[str, int, int]],
    statements: list[int],
    rejected: set[int],
    smoother: KSmoother,
    previous: dict[Hashable, int],
) -> OpinionGroups:
    matrix: VoteMatrix = build_matrix(votes, statements=statements, moderated_out=rejected)
    return opinion_groups(matrix, smoother=smoother, previous=previous or None)


async def recompute(db: Database, consultation_id: int) -> StoredGroups:
    """Compute the consultation's groups from its current votes and store them; returns the stored row."""
    async with db.session() as session:
        votes, marker = await read_votes(session, consultation_id)
        statements, rejected = await statements_of(session, consultation_id)
        last = await session.get(StoredGroups, consultation_id)
        smoother = KSmoother(last.last_k, last.last_k_count, last.k or None) if last else KSmoother()
        previous = dict(
            (
                await session.execute(
                    select(OpinionGroupMember.participant_id, OpinionGroupMember.group).where(
                        OpinionGroupMember.consultation_id == consultation_id
                    )
                )
            ).all()
        )
    result = await asyncio.to_thread(_compute, votes, statements, rejected, smoother, previous)
    row = StoredGroups(
        consultation_id=consultation_id,
        computed_at=utcnow(),
        k=result.k,
        sizes=list(result.sizes),
        clustered=len(result.groups),
        seconds=result.seconds,
        stability=result.stability if previous else None,
        best_k=result.best_k,
        last_k=result.smoother.last_k,
        last_k_count=result.smoother.last_k_count,
        votes_count=marker.count,
        votes_max_id=marker.max_id,
        representative=[
            [
                {
                    "proposal_id": r.statement,
                    **{key: value for key, value in dataclasses.asdict(r).items() if key != "statement"},
                }
                for r in group
            ]
            for group in result.representative
        ],
        statements=[
            {
                "proposal_id": v.statement,
                "consensus_agree": v.consensus_agree,
                "consensus_disagree": v.consensus_disagree,
                "divisiveness": v.divisiveness,
                "group_agree": list(v.group_agree),
                "group_seen": list(v.group_seen),
                "group_disagree": list(v.group_disagree),
            }
            for v in result.statements
        ],
    )
    async with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            # One process on the database runs the refresher (the leader, viche/duties.py), but a leader that
            # lost its lock may still be writing as its successor starts, and `viche report` computes on its own:
            # two writing the same consultation's groups at once take turns, the later one's replacing the other's.
            await session.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK, consultation_id)))
        # Participants who left (/forget) since the votes were read have no row to point at any more.
        known = set(
            (
                await session.execute(
                    select(ProposalVote.participant_id)
                    .join(Item, Item.id == ProposalVote.item_id)
                    .where(Item.consultation_id == consultation_id)
                    .distinct()
                )
            ).scalars()
        )
        members = [
            {"consultation_id": consultation_id, "participant_id": pid, "group": group}
            for pid, group in result.groups.items()
            if pid in known
        ]
        await session.execute(delete(OpinionGroupMember).where(OpinionGroupMember.consultation_id == consultation_id))
        await session.execute(delete(StoredGroups).where(StoredGroups.consultation_id == consultation_id))
        session.add(row)
        await session.flush()
        for start in range(0, len(members), PARTITION):
            await session.execute(insert(OpinionGroupMember), members[start : start + PARTITION])
            await asyncio.sleep(0)
        await session.commit()
    return row


class GroupsRefresher:
    """Wakes every ``interval`` seconds and recomputes, one after the other, the consultations whose votes changed."""

    def __init__(self, db: Database, interval: float = INTERVAL_SECONDS) -> None:
        self.db, self.interval = db, interval
        self.task: asyncio.Task | None = None

    async def refresh_once(self) -> list[int]:
        async with self.db.session() as session:
            todo = await stale(session)
        for consultation_id in todo:
            try:
                await recompute(self.db, consultation_id)
            except Exception:  # one consultation's failure must not stop the others' groups
                log.exception("opinion groups of consultation %s failed", consultation_id)
        return todo

    async def _loop(self) -> None:
        while True:
            try:
                await self.refresh_once()
            except Exception:  # the database may be briefly away: try again at the next wake-up
                log.exception("opinion groups refresh failed")
            await asyncio.sleep(self.interval)

    def start(self) -> GroupsRefresher:
        self.task = asyncio.get_running_loop().create_task(self._loop(), name="opinion-groups")
        return self

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
