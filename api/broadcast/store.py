"""Deliveries as the delivery engine sees them: due rows, state changes (each committed), progress, the schedule.

``bot.delivery.engine.DeliveryEngine`` talks to this through the small interface below and never imports storage;
``viche.runner`` wires the two together next to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.broadcast.outbox import CHANNEL, due_rounds
from api.jury.panel import expire_due
from storage.db import Database
from storage.models import Consultation, Contact, Participant, utcnow
from storage.models_broadcast import OPEN_STATES, Broadcast, Delivery, MessagingPref


@dataclass
class Job:
    """One delivery ready to go, with what the engine needs to address and word it."""

    id: int
    broadcast_id: int
    participant_id: str
    kind: str
    attempts: int
    chat_id: int | None
    language: str | None
    personal: dict[str, Any] = field(default_factory=dict)
    opted_out: bool = False


@dataclass
class Result:
    """How one attempt ended. ``state`` pending means: try again at ``next_attempt_at``."""

    id: int
    state: str  # sent | pending | failed | unreachable | skipped
    attempts: int
    participant_id: str | None = None
    message_id: int | None = None
    next_attempt_at: datetime | None = None
    error: str | None = None


@dataclass
class Progress:
    broadcast_id: int
    slug: str
    kind: str
    round: str
    status: str
    total: int
    counts: dict[str, int]
    organiser_chat_id: int | None
    organiser_language: str | None
    progress_message_id: int | None
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def remaining(self) -> int:
        return sum(self.counts.get(state, 0) for state in OPEN_STATES)


async def broadcast_counts(session: AsyncSession, broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {bid: {} for bid in broadcast_ids}
    if broadcast_ids:
        rows = await session.execute(
            select(Delivery.broadcast_id, Delivery.state, func.count())
            .where(Delivery.broadcast_id.in_(broadcast_ids))
            .group_by(Delivery.broadcast_id, Delivery.state)
        )
        for bid, state, count in rows.all():
            counts[bid][state] = int(count)
    return counts


_DELIVERIES = Delivery.__table__
_RECORD_OUTCOME = (
    update(_DELIVERIES)  # executemany, up to 20 times a second: built once
    .where(
        _DELIVERIES.c.id == bindparam("oid"), or_(_DELIVERIES.c.state == "sending", _DELIVERIES.c.state == "pending")
    )
    .values(
        state=bindparam("new_state"),
        attempts=bindparam("new_attempts"),
        message_id=bindparam("new_message_id"),
        next_attempt_at=bindparam("new_next"),
        last_error=bindparam("new_error"),
        sent_at=bindparam("new_sent_at"),
    )
)


class SqlDeliveryStore:
    """The delivery engine's statements: claiming rows and recording outcomes (several transactions a second at 1000
    messages a second), each in a transaction of its own on a pooled connection (``storage.db`` tests only
    connections that rested, so a busy engine pays no ping)."""

    def __init__(self, db: Database, pages_url: str | None = None) -> None:
        self.db = db
        self.pages_url = pages_url
        """Where the results pages are (VICHE_PUBLIC_URL): a digest of a published page gets a button to it."""
        self._started: set[int] = set()  # broadcasts whose started_at is known to be set

    async def recover(self, started: set[int] | None) -> tuple[int, int]:
        """At start, rows still "sending" belong to an engine that stopped. Those whose call had started (listed in
        its journal; all of them when there is no journal) become "uncertain" and are never sent again; the others
        never left that process and go back to "pending". Returns (uncertain, requeued). See ``bot.delivery``
        (Crash safety)."""
        async with self.db.session() as session:
            sending = set((await session.execute(select(Delivery.id).where(Delivery.state == "sending"))).scalars())
            uncertain = sending if started is None else sending & started
            requeue = sending - uncertain
            if uncertain:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(uncertain), Delivery.state == "sending")
                    .values(state="uncertain", last_error="the sender stopped during the call; not repeated")
                )
            if requeue:
                await session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_(requeue), Delivery.state == "sending")
                    .values(state="pending", attempts=Delivery.attempts - 1, sending_at=None)
                )
            await session.commit()
        return len(uncertain), len(requeue)

    async def due(self, limit: int, now: datetime | None = None) -> list[Job]:
        """Pending rows whose time has come, of running broadcasts, oldest first."""
        now = now or utcnow()
        query = (
            select(
                Delivery.id,
                Delivery.broadcast_id,
                Delivery.participant_id,
                Delivery.kind,
                Delivery.attempts,
                Delivery.personal,
                Contact.external_id,
                Participant.language,
                Consultation.default_language,
                MessagingPref.digests,
                MessagingPref.stopped,
            )
            .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
            .join(Participant, Participant.id == Delivery.participant_id)
            .join(Consultation, Consultation.id == Delivery.consultation_id)
            .outerjoin(Contact, and_(Contact.participant_id == Delivery.participant_id, Contact.channel == CHANNEL))
            .outerjoin(MessagingPref, MessagingPref.participant_id == Delivery.participant_id)
            .where(
                Delivery.state == "pending",
                Broadcast.status == "running",
                (Delivery.next_attempt_at.is_(None)) | (Delivery.next_attempt_at <= now),
            )
            .order_by(Delivery.id)
            .limit(limit)
        )
        async with self.db.engine.begin() as connection:
            rows = (await connection.execute(query)).all()
        jobs = []
        for oid, bid, pid, kind, attempts, personal, external_id, language, default_language, digests, stopped in rows:
            opted_out = bool(stopped) or (kind == "digest" and digests is False)
            chat_id = int(external_id) if external_id and external_id.lstrip("-").isdigit() else None
            jobs.append(
                Job(
                    id=oid,
                    broadcast_id=bid,
                    participant_id=pid,
                    kind=kind,
                    attempts=attempts,
                    chat_id=chat_id,
                    language=language or default_language,
                    personal=personal or {},
                    opted_out=opted_out,
                )
            )
        return jobs

    async def mark_sending(self, ids: list[int]) -> set[int]:
        """pending → sending, committed before any of these messages is sent; returns the rows this call won."""
        if not ids:
            return set()
        now = utcnow()
        table = Delivery.__table__  # Core statements: this runs for every batch, up to 1000 messages a second
        async with self.db.engine.begin() as connection:
            result = await connection.execute(
                update(table)
                .where(table.c.id.in_(ids), table.c.state == "pending")
                .values(state="sending", sending_at=now, attempts=table.c.attempts + 1)
                .returning(table.c.id, table.c.broadcast_id)
            )
            won = result.all()
            starting = {bid for _, bid in won} - self._started
            if starting:
                await connection.execute(
                    update(Broadcast.__table__)
                    .where(Broadcast.__table__.c.id.in_(starting), Broadcast.__table__.c.started_at.is_(None))
                    .values(started_at=now)
                )
        self._started |= starting
        return {oid for oid, _ in won}

    async def record(self, results: list[Result]) -> None:
        """Outcomes of attempts, in one transaction. Only rows still "sending" (or "pending", for a skip) change."""
        if not results:
            return
        now = utcnow()
        rows = [
            {
                "oid": r.id,
                "new_state": r.state,
                "new_attempts": r.attempts,
                "new_message_id": r.message_id,
                "new_next": r.next_attempt_at,
                "new_error": (r.error or None) and r.error[:200],
                "new_sent_at": now if r.state == "sent" else None,
            }
            for r in results
        ]
        blocked = sorted({r.participant_id for r in results if r.state == "unreachable" and r.participant_id})
        prefs = MessagingPref.__table__
        async with self.db.engine.begin() as connection:
            await connection.execute(_RECORD_OUTCOME, rows)
            if blocked:
                known = set(
                    (
                        await connection.execute(
                            select(prefs.c.participant_id).where(prefs.c.participant_id.in_(blocked))
                        )
                    ).scalars()
                )
                if known:
                    await connection.execute(
                        update(prefs)
                        .where(prefs.c.participant_id.in_(known))
                        .values(unreachable_at=now, updated_at=now)
                    )
                if new := [pid for pid in blocked if pid not in known]:
                    await connection.execute(
                        insert(prefs),
                        [{"participant_id": pid, "unreachable_at": now, "updated_at": now} for pid in new],
                    )

    async def content(self, broadcast_id: int) -> tuple[str, dict[str, Any]]:
        """What the broadcast says; a digest also gets ``page_url`` when its consultation's results page is public
        as it goes out (read now, not when the broadcast was made: a page is often published after the close)."""
        async with self.db.session() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            content = dict(broadcast.content or {})
            if broadcast.kind == "digest" and self.pages_url:
                consultation = await session.get(Consultation, broadcast.consultation_id)
                if consultation is not None and consultation.published:
                    content["page_url"] = f"{self.pages_url.rstrip('/')}/r/{consultation.slug}"
            return broadcast.kind, content

    async def finish_done(self) -> list[int]:
        """Running broadcasts with nothing left to send become finished."""
        now = utcnow()
        open_rows = exists().where(Delivery.broadcast_id == Broadcast.id, Delivery.state.in_(OPEN_STATES))
        async with self.db.session() as session:
            ids = list(
                (await session.execute(select(Broadcast.id).where(Broadcast.status == "running", ~open_rows))).scalars()
            )
            if ids:
                await session.execute(
                    update(Broadcast)
                    .where(Broadcast.id.in_(ids), Broadcast.status == "running")
                    .values(status="finished", finished_at=now)
                )
                await session.commit()
        return ids

    async def progress_targets(self) -> list[Progress]:
        """Broadcasts whose organiser watches a progress message that is not final yet."""
        async with self.db.session() as session:
            broadcasts = (
                await session.execute(
                    select(Broadcast, Consultation.slug)
                    .join(Consultation, Consultation.id == Broadcast.consultation_id)
                    .where(Broadcast.organiser_chat_id.is_not(None), Broadcast.progress_final_at.is_(None))
                    .order_by(Broadcast.id)
                )
            ).all()
            counts = await broadcast_counts(session, [b.id for b, _ in broadcasts])
        return [
            Progress(
                broadcast_id=b.id,
                slug=slug,
                kind=b.kind,
                round=b.round,
                status=b.status,
                total=b.total,
                counts=counts[b.id],
                organiser_chat_id=b.organiser_chat_id,
                organiser_language=b.organiser_language,
                progress_message_id=b.progress_message_id,
                started_at=b.started_at,
                finished_at=b.finished_at,
            )
            for b, slug in broadcasts
        ]

    async def set_progress(self, broadcast_id: int, *, message_id: int | None = None, final: bool = False) -> None:
        values: dict[str, Any] = {}
        if message_id is not None:
            values["progress_message_id"] = message_id
        if final:
            values["progress_final_at"] = utcnow()
        if values:
            async with self.db.session() as session:
                await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(**values))
                await session.commit()

    async def schedule(self, now: datetime | None = None) -> list[int]:
        """Queue the rounds whose time has come (interim digests, finals of consultations past closing time), and
        the jury calls of replacements for seats freed (a deadline passed, a withdrawal, /forget)."""
        async with self.db.session() as session:
            created = [b.id for b in await due_rounds(session, now)]
            await expire_due(session, now)
            return created

    async def next_due_in(self, now: datetime | None = None) -> float | None:
        """Seconds until the earliest pending retry of a running broadcast, or None if there is none."""
        now = now or utcnow()
        async with self.db.session() as session:
            earliest = await session.scalar(
                select(func.min(Delivery.next_attempt_at))
                .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
                .where(Delivery.state == "pending", Broadcast.status == "running", Delivery.next_attempt_at > now)
            )
        if earliest is None:
            return None
        if earliest.tzinfo is None:
            earliest = earliest.replace(tzinfo=now.tzinfo)
        return max(0.0, (earliest - now) / timedelta(seconds=1))
