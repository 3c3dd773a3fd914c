"""A jury's panel: drawn from the confirmed volunteers with the definition's quotas, each drawn volunteer called
through the delivery engine (a *jury call*: Accept / Decline and a deadline), and every seat freed — declined,
no answer by the deadline, withdrawn, forgotten — filled by a complementary draw that keeps every quota
(``api/jury/complement.py``), whose volunteers are called in turn.

Members of a CSV pool are ``selected``: they have no chat, the organiser contacts them. A draw and a refill
run one at a time in the process (``drawing``), and a member's answer is a conditional update, so a button
pressed twice, or by two devices at once, counts once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.broadcast.outbox import create_jury_calls
from api.errors import conflict, not_found
from api.jury.complement import complementary_draw, remaining_quotas
from api.jury.store import draw_panel, jury_of
from api.jury.volunteering import aware, ended, ensure_jury, jury_definition
from api.scoring.sortition import InfeasibleQuotas
from api.scoring.sortition.draw import PoolError
from api.scoring.sortition.quotas import quotas_from
from storage.db import Database
from storage.models import Consultation, utcnow
from storage.models_jury import HOLDING_SEAT, MEMBER_STATES, Jury, JuryDraw, JuryMember, JuryVolunteer

log = logging.getLogger(__name__)
drawing = asyncio.Lock()
"""One draw at a time: the solver is held for seconds, and two refills of one panel would fill a seat twice."""


def _fresh(statement: Any) -> Any:
    """Sessions keep their objects after a commit: a read made to decide on seats must see the database."""
    return statement.execution_options(populate_existing=True)


async def _members(session: AsyncSession, jury_id: int) -> list[tuple[JuryMember, JuryVolunteer]]:
    rows = await session.execute(
        _fresh(
            select(JuryMember, JuryVolunteer)
            .join(JuryVolunteer, col(JuryVolunteer.id) == col(JuryMember.volunteer_id))
            .where(col(JuryMember.jury_id) == jury_id)
            .order_by(col(JuryMember.id))
        )
    )
    return [(member, volunteer) for member, volunteer in rows.tuples()]


def _categories(volunteer: JuryVolunteer) -> dict[str, str]:
    return {name: str(value) for name, value in (volunteer.categories or {}).items()}


async def _seat(
    session: AsyncSession,
    consultation: Consultation,
    jury: Jury,
    draw_id: int,
    volunteers: list[JuryVolunteer],
    hours: int,
    organiser: tuple[int | None, str | None],
) -> None:
    """Seats for the drawn ``volunteers``, and a jury call to those who volunteered in the chat. Commits."""
    assert jury.id is not None
    deadline = utcnow() + timedelta(hours=hours)
    called = []
    for volunteer in volunteers:
        assert volunteer.id is not None
        in_chat = volunteer.participant_id is not None
        session.add(
            JuryMember(
                jury_id=jury.id,
                volunteer_id=volunteer.id,
                draw_id=draw_id,
                state="invited" if in_chat else "selected",
                deadline=deadline if in_chat else None,
            )
        )
        if in_chat:
            called.append(volunteer.participant_id)
    if not called:
        await session.commit()
        return
    definition = jury_definition(consultation)
    assert definition is not None
    content = {
        "slug": consultation.slug,
        "title": dict(consultation.title),
        "default_language": consultation.default_language,
        "dates": definition.dates,
        "place": definition.place,
        "compensation": definition.compensation,
        "deadline": deadline.isoformat(),
        "time_zone": (consultation.definition or {}).get("time_zone"),
    }
    await create_jury_calls(
        session,
        consultation,
        round_=f"draw-{draw_id}",
        content=content,
        recipients=[pid for pid in called if pid],
        organiser_chat_id=organiser[0],
        organiser_language=organiser[1],
    )


async def draw_and_call(
    session: AsyncSession,
    consultation: Consultation,
    seed: int,
    organiser_chat_id: int | None = None,
    organiser_language: str | None = None,
) -> dict[str, Any]:
    """The panel, drawn once with the definition's quotas and ``seed``; its chat volunteers called. Raises
    InfeasibleQuotas (with the smallest relaxation) and PoolError as the draw does."""
    definition = jury_definition(consultation)
    if definition is None:
        raise not_found(f"a jury in the definition of {consultation.slug!r}")
    async with drawing:
        jury = await ensure_jury(session, consultation, definition)
        assert jury.id is not None
        if ended(jury):
            raise conflict("jury_ended", "this jury's work has ended")
        if await session.scalar(select(func.count()).where(col(JuryMember.jury_id) == jury.id)):
            raise conflict("already_drawn", "the panel is drawn; seats freed are drawn again on their own")
        outcome = await draw_panel(session, jury, quotas_from(definition.full_quotas()), seed)
        chosen = [int(key) for key in outcome.draw.selected]
        volunteers = (
            (await session.execute(select(JuryVolunteer).where(col(JuryVolunteer.id).in_(chosen)))).scalars().all()
        )
        await _seat(
            session,
            consultation,
            jury,
            outcome.draw_id,
            list(volunteers),
            definition.answer_within_hours,
            (organiser_chat_id, organiser_language),
        )
        result = await status(session, consultation)
        result["algorithm"], result["note"] = outcome.draw.algorithm, outcome.draw.note
        return result


async def refill(session: AsyncSession, consultation: Consultation) -> int | None:
    """Draw replacements for the seats nobody holds, keeping every quota, and call them. The number drawn, or
    None when none could be (the reason is kept for the organiser's /jury). Commits."""
    definition = jury_definition(consultation)
    jury = await jury_of(session, consultation)
    if definition is None or jury is None or jury.id is None:
        return None
    async with drawing:
        await session.refresh(jury)
        members = await _members(session, jury.id)
        first = (
            (
                await session.execute(
                    _fresh(select(JuryDraw).where(col(JuryDraw.jury_id) == jury.id).order_by(col(JuryDraw.id)))
                )
            )
            .scalars()
            .all()
        )
        jury.refill_due = False
        held = [volunteer for member, volunteer in members if member.state in HOLDING_SEAT]
        seats = definition.size - len(held)
        if not first or seats <= 0 or ended(jury):
            await session.commit()
            return 0
        drawn = {member.volunteer_id for member, _ in members}
        candidates = (
            (
                await session.execute(
                    _fresh(
                        select(JuryVolunteer).where(
                            col(JuryVolunteer.jury_id) == jury.id,
                            col(JuryVolunteer.contact_consent).is_(True),
                            col(JuryVolunteer.withdrawn_at).is_(None),
                        )
                    )
                )
            )
            .scalars()
            .all()
        )
        # The pool the draw sees: every volunteer who may still serve, and the members keeping their seats.
        pool = {str(v.id): _categories(v) for v in [*candidates, *held]}
        kept: list[Mapping[str, str]] = [_categories(v) for v in held]
        quotas = quotas_from(definition.full_quotas())
        seed = first[0].seed + len(first)  # reproducible: the panel's seed and how many draws came before
        try:
            remaining = remaining_quotas(quotas, kept)
            result = await asyncio.to_thread(
                complementary_draw, pool, quotas, seed, [str(v.id) for v in held], [str(key) for key in drawn]
            )
        except (InfeasibleQuotas, PoolError) as error:
            jury.refill_problem = (getattr(error, "reason", None) or str(error))[:300]
            await session.commit()
            return None
        jury.refill_problem = None
        recorded = JuryDraw(
            jury_id=jury.id,
            seed=seed,
            quotas=remaining.as_json(),
            algorithm=result.algorithm,
            selected=[int(key) for key in result.selected],
            probabilities=result.probabilities,
        )
        session.add(recorded)
        await session.flush()
        assert recorded.id is not None
        chosen = {int(key) for key in result.selected}
        replacements = [v for v in candidates if v.id in chosen]
        await _seat(
            session, consultation, jury, recorded.id, replacements, definition.answer_within_hours, (None, None)
        )
        return len(replacements)


async def reply(session: AsyncSession, consultation: Consultation, participant_id: str, accept: bool) -> dict[str, Any]:
    """A called volunteer's answer. Counted once: only a seat still ``invited`` and within its deadline
    changes. A decline marks the panel for a refill in the same transaction: :func:`refill_soon` draws the
    replacement without making the decliner wait for the solver, and should the process stop first, the delivery
    engine's schedule does (:func:`expire_due`)."""
    jury = await jury_of(session, consultation)
    if jury is None:
        raise not_found(f"a jury of {consultation.slug!r}")
    row = (
        await session.execute(
            _fresh(
                select(JuryMember)
                .join(JuryVolunteer, col(JuryVolunteer.id) == col(JuryMember.volunteer_id))
                .where(col(JuryMember.jury_id) == jury.id, col(JuryVolunteer.participant_id) == participant_id)
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise conflict("not_called", "this participant holds no seat on the panel")
    now = utcnow()
    answered = await session.execute(
        update(JuryMember)
        .where(
            col(JuryMember.id) == row.id,
            col(JuryMember.state) == "invited",
            col(JuryMember.deadline).is_(None) | (col(JuryMember.deadline) > now),
        )
        .values(state="accepted" if accept else "declined", answered_at=now)
    )
    changed = bool(getattr(answered, "rowcount", 0))
    if changed and not accept:
        await session.execute(update(Jury).where(col(Jury.id) == jury.id).values(refill_due=True))
    await session.commit()
    await session.refresh(row)
    outcome = row.state if changed else f"already_{row.state}"
    return {"outcome": outcome, "state": row.state}


_refills: set[asyncio.Task[None]] = set()  # kept until done: the loop holds tasks only weakly


def refill_soon(db: Database, consultation_id: int) -> None:
    """Draw and call the replacements of a panel in the background, in a session of its own."""

    async def run() -> None:
        try:
            async with db.session() as session:
                consultation = await session.get(Consultation, consultation_id)
                if consultation is not None:
                    await refill(session, consultation)
        except Exception:  # the flag stays set: the delivery engine's schedule tries again
            log.exception("the refill of a jury's panel failed; the schedule will retry it")

    task = asyncio.create_task(run())
    _refills.add(task)
    task.add_done_callback(_refills.discard)


async def expire_due(session: AsyncSession, now: datetime | None = None) -> int:
    """Called members who let their deadline pass lose their seat; every panel with a free seat to fill (those,
    withdrawals, /forget) gets its replacements. Returns how many were drawn. Idempotent; call it often."""
    now = now or utcnow()
    expired = (
        (
            await session.execute(
                select(col(JuryMember.jury_id)).where(
                    col(JuryMember.state) == "invited", col(JuryMember.deadline) <= now
                )
            )
        )
        .scalars()
        .all()
    )
    if expired:
        await session.execute(
            update(JuryMember)
            .where(col(JuryMember.state) == "invited", col(JuryMember.deadline) <= now)
            .values(state="expired", answered_at=now)
        )
        await session.execute(update(Jury).where(col(Jury.id).in_(set(expired))).values(refill_due=True))
        await session.commit()
    due = (
        (
            await session.execute(
                _fresh(select(Consultation).join(Jury, col(Jury.consultation_id) == col(Consultation.id))).where(
                    col(Jury.refill_due).is_(True)
                )
            )
        )
        .scalars()
        .all()
    )
    drawn = 0
    for consultation in due:
        drawn += await refill(session, consultation) or 0
    return drawn


async def status(session: AsyncSession, consultation: Consultation) -> dict[str, Any]:
    """What the organiser's /jury shows: the pool, the panel filling up, and why a seat could not be filled."""
    definition = jury_definition(consultation)
    if definition is None:
        raise not_found(f"a jury in the definition of {consultation.slug!r}")
    jury = await ensure_jury(session, consultation, definition)
    await session.commit()
    assert jury.id is not None
    volunteers = Counter(
        (consent, withdrawn is not None)
        for consent, withdrawn in (
            await session.execute(
                _fresh(
                    select(col(JuryVolunteer.contact_consent), col(JuryVolunteer.withdrawn_at)).where(
                        col(JuryVolunteer.jury_id) == jury.id
                    )
                )
            )
        ).tuples()
    )
    members = await _members(session, jury.id)
    first_draw = min((member.draw_id for member, _ in members), default=None)
    states = Counter(member.state for member, _ in members)
    return {
        "slug": consultation.slug,
        "size": definition.size,
        "quotas": definition.full_quotas(),
        "pool": volunteers[(True, False)],
        "withdrawn": sum(n for (_, withdrawn), n in volunteers.items() if withdrawn),
        "drawn": bool(members),
        "panel": {state: states.get(state, 0) for state in MEMBER_STATES},
        "replacements": sum(1 for member, _ in members if member.draw_id != first_draw),
        "refill_problem": jury.refill_problem,
        "ends_at": ends_at.isoformat() if (ends_at := aware(jury.ends_at)) else None,
        "ended": ended(jury),
        "answer_within_hours": definition.answer_within_hours,
    }


async def end(session: AsyncSession, consultation: Consultation) -> dict[str, Any]:
    """The jury's work ended now (retention counts from here): no more calls, no more refills."""
    jury = await jury_of(session, consultation)
    if jury is None or jury_definition(consultation) is None:
        raise not_found(f"a jury of {consultation.slug!r}")
    if not ended(jury):
        jury.ends_at = utcnow()
        await session.commit()
    return await status(session, consultation)
