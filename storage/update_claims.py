"""Claims on Telegram updates, so that several webhook replicas on one database handle each update once and each
person's updates one at a time, in order (the replica's side: ``bot/claims.py``).

A claim is a ``processed_update`` row with a lease: the replica that inserts it (its ``holder``) handles the
update while the lease runs and renews it meanwhile; once the update's effects are committed the lease is
cleared and the row is the record that the update was handled. A duplicate delivered to another replica at the
same moment finds the row: it waits while the lease runs and is acknowledged once the row is handled; a lease
that ran out (its replica died) is taken over, and the update handled again (the backend's writes are
idempotent, so it still counts once).

One person's claims are taken in turn: a claim may run only when no other replica runs one of the same person,
nor holds an earlier one still waiting (update ids grow with time, so "earlier" is the smaller id). The check
and the start are one transaction under a transaction-level advisory lock on the person, so two replicas never
both see the way clear. Claims are PostgreSQL's alone: replicas cannot share an SQLite file, and one process
needs none (it records what it handled, ``record_handled``, on either database).

Times are the API process's clock: replicas on several hosts need their clocks in step (NTP) to well under
``LEASE``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from storage import raw
from storage.db import Database, is_sqlite
from storage.models import utcnow
from storage.models_webhook import ProcessedUpdate
from storage.rows import upsert

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
    engine: AsyncEngine, bot_id: int, update_id: int, person: int, holder: str, *, now: datetime | None = None
) -> Claim:
    """Claim ``update_id`` for ``holder`` (or ask again about a claim it holds), and take the person's turn.

    PostgreSQL only (replicas share no SQLite file). One transaction of three statements: the lock, one read of
    all that decides, the claim written; straight through asyncpg (storage/raw.py), as every update of a webhook
    replica comes here first."""
    now = now or utcnow()
    async with raw.connection(engine, transaction=True) as connection:
        await connection.execute(_LOCK, person)
        seen = await connection.fetchrow(_SITUATION, bot_id, update_id, person, holder, now)
        if seen["exists"]:
            if seen["lease_until"] is None:
                return Claim(ClaimState.HANDLED)
            if seen["holder"] != holder and seen["lease_until"] > now:
                return Claim(ClaimState.WAIT)
        # Written even when it must wait: a claim waiting behind an earlier one of its person keeps its place,
        # and the person's later updates, on any replica, queue behind it.
        turn = seen["blocking"] is None
        await connection.execute(_CLAIM, bot_id, update_id, now, person, holder, now + LEASE, turn)
    if not turn:
        return Claim(ClaimState.WAIT)
    return Claim(
        ClaimState.GO,
        moved=seen["previous"] is not None and seen["previous"] != holder,
        redelivered=seen["exists"] and seen["holder"] != holder,  # taken over: its holder gave it up, or died
    )


_LOCK = "SELECT pg_advisory_xact_lock($1)"
"""Two replicas never both see a person's way clear: the check and the claim run under a lock on the person."""
_SITUATION = """
SELECT own.update_id IS NOT NULL AS exists, own.holder, own.lease_until,
       (SELECT other.update_id FROM processed_update AS other
         WHERE other.bot_id = $1 AND other.person = $3 AND other.update_id <> $2 AND other.lease_until > $5
           AND other.holder <> $4 AND (other.running OR other.update_id < $2)
         LIMIT 1) AS blocking,
       (SELECT earlier.holder FROM processed_update AS earlier
         WHERE earlier.bot_id = $1 AND earlier.person = $3 AND earlier.update_id < $2
         ORDER BY earlier.update_id DESC LIMIT 1) AS previous
  FROM (SELECT 1) AS one
  LEFT JOIN processed_update AS own ON own.bot_id = $1 AND own.update_id = $2
"""
"""The update's own claim if any; ``blocking``, an update of the same person that another replica runs, or that
came earlier and still waits, its lease alive; ``previous``, who holds the person's latest earlier update."""
_CLAIM = """
INSERT INTO processed_update (bot_id, update_id, processed_at, person, holder, lease_until, running)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (bot_id, update_id) DO UPDATE
   SET person = EXCLUDED.person, holder = EXCLUDED.holder, lease_until = EXCLUDED.lease_until,
       running = EXCLUDED.running
"""


async def record_handled(db: Database, bot_id: int, update_ids: list[int]) -> None:
    """These updates' effects are committed: their claims end (the rows stay, as records), and updates handled
    without a claim (one process) are recorded. One statement: a new row, or a claim's lease cleared."""
    now = utcnow()
    ids = sorted(set(update_ids))
    if not is_sqlite(db.url):  # a replica's every update: straight through asyncpg
        async with raw.connection(db.engine) as connection:
            await connection.execute(_RECORD, bot_id, ids, now)
        return
    async with db.session() as session:
        await _record_on_sqlite(session, bot_id, ids, now)


async def _record_on_sqlite(session: AsyncSession, bot_id: int, ids: list[int], now: datetime) -> None:
    statement = upsert(session, _TABLE)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[_TABLE.c.bot_id, _TABLE.c.update_id],
            set_={"lease_until": None, "running": False, "processed_at": statement.excluded.processed_at},
            where=_TABLE.c.lease_until.is_not(None),
        ),
        [{"bot_id": bot_id, "update_id": u, "processed_at": now, "running": False} for u in ids],
    )
    await session.commit()


_RECORD = """
INSERT INTO processed_update (bot_id, update_id, processed_at, running)
SELECT $1, handled, $3, false FROM unnest($2::bigint[]) AS handled
ON CONFLICT (bot_id, update_id) DO UPDATE SET lease_until = NULL, running = false, processed_at = EXCLUDED.processed_at
 WHERE processed_update.lease_until IS NOT NULL
"""


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
