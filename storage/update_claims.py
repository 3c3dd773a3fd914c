"""Claims on Telegram updates, so that several webhook replicas on one database handle each update once and each
person's updates one at a time, in order (the replica's side: ``bot/claims.py``).

A claim is a ``processed_update`` row with a lease: the replica that inserts it (its ``holder``) handles the
update while the lease runs and renews it meanwhile; once the update's effects are committed the lease is
cleared and the row is the record that the update was handled. A duplicate delivered to another replica at the
same moment finds the row: it waits while the lease runs and is acknowledged once the row is handled; a lease
that ran out (its replica died) is taken over, and the update handled again (the backend's writes are
idempotent, so it still counts once).

One person's claims are taken in turn: a claim may run only when no other replica runs one of the same person,
nor holds an earlier one still waiting (update ids grow with time, so "earlier" is the smaller id). On
PostgreSQL the check and the start are one transaction under a transaction-level advisory lock on the person,
so two replicas never both see the way clear; SQLite (one process) writes one transaction at a time anyway.

Times are the API process's clock: replicas on several hosts need their clocks in step (NTP) to well under
``LEASE``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from storage.models import utcnow
from storage.models_webhook import ProcessedUpdate
from storage.rows import insert_ignoring_duplicates

LEASE = timedelta(seconds=15)
"""How long a claim holds without being renewed: after a replica dies, its updates wait this long at most
before another replica handles them. Replicas renew their claims every 2 s (``bot.claims.RENEW_EVERY``): a
busy replica's renewal may be late by seconds, and a lease that ran out under a live replica would have its
update handled twice (5 s did, on a 2-core machine at load 15)."""


class ClaimState(enum.StrEnum):
    GO = "go"
    """Claimed, and the person's turn: handle it."""
    WAIT = "wait"
    """Another replica handles this update, or an earlier one of the same person: ask again shortly."""
    HANDLED = "handled"
    """Already handled: acknowledge it without handling."""


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    moved: bool = False
    """The person's previous update was claimed by another replica: what this one remembers about them may be
    stale (a /forget, a new language), and must be read again."""
    redelivered: bool = False
    """An earlier attempt at this update failed or its replica died: its writes may be committed already, and
    the handlers must still reply (``redelivered`` in bot/webhook.py)."""


_TABLE: Table = ProcessedUpdate.__table__  # type: ignore[attr-defined]


def _pk(bot_id: int, update_id: int) -> tuple[ColumnElement[bool], ...]:
    return (col(ProcessedUpdate.bot_id) == bot_id, col(ProcessedUpdate.update_id) == update_id)


async def claim(
    session: AsyncSession, bot_id: int, update_id: int, person: int, holder: str, *, now: datetime | None = None
) -> Claim:
    """Claim ``update_id`` for ``holder`` (or ask again about a claim it holds), and take the person's turn."""
    now = now or utcnow()
    lease_until = now + LEASE
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(person)))
    inserted = await session.scalar(
        insert_ignoring_duplicates(session, _TABLE)
        .values(
            bot_id=bot_id,
            update_id=update_id,
            processed_at=now,
            person=person,
            holder=holder,
            lease_until=lease_until,
            running=False,
        )
        .returning(col(ProcessedUpdate.update_id))
    )
    if inserted is None:
        row = (
            await session.execute(
                select(col(ProcessedUpdate.holder), col(ProcessedUpdate.lease_until)).where(*_pk(bot_id, update_id))
            )
        ).one()
        if row.lease_until is None:
            await session.commit()
            return Claim(ClaimState.HANDLED)
        lease = row.lease_until if row.lease_until.tzinfo else row.lease_until.replace(tzinfo=UTC)  # SQLite's
        if row.holder != holder and lease > now:
            await session.commit()
            return Claim(ClaimState.WAIT)
        redelivered = row.holder != holder  # taken over: its holder gave it up, or died
        await session.execute(
            update(ProcessedUpdate)
            .where(*_pk(bot_id, update_id))
            .values(holder=holder, lease_until=lease_until, person=person, running=False)
        )
    else:
        redelivered = False
    of_person = and_(col(ProcessedUpdate.bot_id) == bot_id, col(ProcessedUpdate.person) == person)
    blocking = await session.scalar(
        select(col(ProcessedUpdate.update_id))
        .where(
            of_person,
            col(ProcessedUpdate.update_id) != update_id,
            col(ProcessedUpdate.lease_until) > now,
            col(ProcessedUpdate.holder) != holder,
            or_(col(ProcessedUpdate.running), col(ProcessedUpdate.update_id) < update_id),
        )
        .limit(1)
    )
    if blocking is not None:
        await session.commit()
        return Claim(ClaimState.WAIT)
    previous = await session.scalar(
        select(col(ProcessedUpdate.holder))
        .where(of_person, col(ProcessedUpdate.update_id) < update_id)
        .order_by(col(ProcessedUpdate.update_id).desc())
        .limit(1)
    )
    await session.execute(update(ProcessedUpdate).where(*_pk(bot_id, update_id)).values(running=True))
    await session.commit()
    return Claim(ClaimState.GO, moved=previous is not None and previous != holder, redelivered=redelivered)


async def record_handled(session: AsyncSession, bot_id: int, update_ids: list[int]) -> None:
    """These updates' effects are committed: their claims end (the rows stay, as records), and updates handled
    without a claim (one process, on SQLite) are recorded."""
    now = utcnow()
    ids = sorted(set(update_ids))
    await session.execute(
        insert_ignoring_duplicates(session, _TABLE),
        [{"bot_id": bot_id, "update_id": u, "processed_at": now, "running": False} for u in ids],
    )
    await session.execute(
        update(ProcessedUpdate)
        .where(
            col(ProcessedUpdate.bot_id) == bot_id,
            col(ProcessedUpdate.update_id).in_(ids),
            col(ProcessedUpdate.lease_until).is_not(None),
        )
        .values(lease_until=None, running=False, processed_at=now)
    )
    await session.commit()


async def renew(session: AsyncSession, bot_id: int, update_ids: list[int], holder: str) -> int:
    """Extend the leases ``holder`` still holds on these updates; how many it holds."""
    result = await session.execute(
        update(ProcessedUpdate)
        .where(
            col(ProcessedUpdate.bot_id) == bot_id,
            col(ProcessedUpdate.update_id).in_(sorted(set(update_ids))),
            col(ProcessedUpdate.holder) == holder,
            col(ProcessedUpdate.lease_until).is_not(None),
        )
        .values(lease_until=utcnow() + LEASE)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def release(session: AsyncSession, bot_id: int, update_id: int, holder: str) -> None:
    """The handling failed (the update is answered with an error, for Telegram to deliver again): the lease ends
    now, so that the re-delivery, on whichever replica, is handled at once rather than after the lease, and
    knows that it is one."""
    await session.execute(
        update(ProcessedUpdate)
        .where(
            *_pk(bot_id, update_id),
            col(ProcessedUpdate.holder) == holder,
            col(ProcessedUpdate.lease_until).is_not(None),
        )
        .values(lease_until=utcnow() - timedelta(microseconds=1), running=False)
    )
    await session.commit()
