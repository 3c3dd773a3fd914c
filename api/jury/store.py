"""A consultation's jury in the database: loading its pool, drawing its panel, recording the draw."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.jury.pool import PoolRow
from api.scoring.sortition import Audit, Draw, Quotas, audit, draw
from storage.models import Consultation
from storage.models_jury import HOLDING_SEAT, Jury, JuryDraw, JuryMember, JuryVolunteer


async def jury_of(session: AsyncSession, consultation: Consultation, create: bool = False) -> Jury | None:
    jury = (
        await session.execute(select(Jury).where(col(Jury.consultation_id) == consultation.id))
    ).scalar_one_or_none()
    if jury is None and create:
        assert consultation.id is not None
        jury = Jury(consultation_id=consultation.id)
        session.add(jury)
        await session.flush()
    return jury


async def import_pool(session: AsyncSession, consultation: Consultation, rows: list[PoolRow]) -> dict[str, int]:
    """Load the rows into the consultation's pool (a row whose id is already there replaces it). Commits, all or
    nothing. CSV volunteers were asked by letter and answered: they consented to be contacted."""
    jury = await jury_of(session, consultation, create=True)
    assert jury is not None and jury.id is not None
    jury_id = jury.id
    ids = [row.external_id for row in rows]
    replaced = await session.execute(
        delete(JuryVolunteer).where(col(JuryVolunteer.jury_id) == jury.id, col(JuryVolunteer.external_id).in_(ids))
    )
    session.add_all(
        JuryVolunteer(jury_id=jury_id, external_id=row.external_id, categories=row.categories, contact_consent=True)
        for row in rows
    )
    await session.commit()
    return {"loaded": len(rows), "replaced": cast("CursorResult[Any]", replaced).rowcount or 0}


@dataclass(frozen=True)
class DrawOutcome:
    draw: Draw
    audit: Audit
    external_ids: dict[str, str | None]  # pool row id → the organiser's reference (None: erased or in-chat)
    draw_id: int = 0  # the recorded draw (jury_draw.id)

    def reference(self, key: str) -> str:
        """How the organiser knows a volunteer: their reference, or ``#<pool row id>`` when there is none."""
        return self.external_ids[key] or f"#{key}"


async def draw_panel(session: AsyncSession, jury: Jury, quotas: Quotas, seed: int) -> DrawOutcome:
    """Draw the panel from the volunteers still in the pool and record the draw. Commits. Raises what
    :func:`api.scoring.sortition.draw` raises (infeasible quotas, a pool that does not fit them)."""
    assert jury.id is not None
    jury_id = jury.id
    volunteers = (
        (
            await session.execute(
                select(JuryVolunteer)
                .where(
                    col(JuryVolunteer.jury_id) == jury.id,
                    col(JuryVolunteer.withdrawn_at).is_(None),
                    col(JuryVolunteer.contact_consent).is_(True),  # not a chat volunteer's unconfirmed draft
                )
                .order_by(col(JuryVolunteer.id))
            )
        )
        .scalars()
        .all()
    )
    pool = {str(v.id): {name: str(value) for name, value in v.categories.items()} for v in volunteers}
    # The solver runs for seconds: off the event loop, so that the API keeps answering meanwhile.
    result = await asyncio.to_thread(draw, pool, quotas, seed)
    recorded = JuryDraw(
        jury_id=jury_id,
        seed=seed,
        quotas=quotas.as_json(),
        algorithm=result.algorithm,
        selected=[int(key) for key in result.selected],
        probabilities=result.probabilities,
    )
    session.add(recorded)
    await session.commit()
    assert recorded.id is not None
    return DrawOutcome(
        result,
        audit(result, pool, quotas, seed, jury.audit_salt),
        {str(v.id): v.external_id for v in volunteers},
        recorded.id,
    )


async def pool_rows_of(session: AsyncSession, participant_id: str) -> list[dict[str, Any]]:
    """What the pools hold about a participant who volunteered in the chat (for /mydata)."""
    rows = (
        await session.execute(
            select(JuryVolunteer, col(Consultation.slug), col(JuryMember.state))
            .join(Jury, col(Jury.id) == col(JuryVolunteer.jury_id))
            .outerjoin(JuryMember, col(JuryMember.volunteer_id) == col(JuryVolunteer.id))
            .join(Consultation, col(Consultation.id) == col(Jury.consultation_id))
            .where(col(JuryVolunteer.participant_id) == participant_id)
            .order_by(col(JuryVolunteer.id))
        )
    ).all()
    return [
        {
            "consultation": slug,
            "categories": volunteer.categories,
            "contact_consent": volunteer.contact_consent,
            "withdrawn_at": volunteer.withdrawn_at.isoformat() if volunteer.withdrawn_at else None,
            "volunteered_at": volunteer.created_at.isoformat(),
            "seat": seat,  # drawn: invited, accepted, declined, expired or withdrawn
        }
        for volunteer, slug, seat in rows
    ]


async def forget_volunteer(session: AsyncSession, participant_id: str) -> int:
    """/forget: the participant's rows leave every pool (their past draws keep only a row number), and a seat they
    held on a panel is drawn again (the delivery engine's schedule). No commit."""
    held = (
        select(col(JuryMember.jury_id))
        .join(JuryVolunteer, col(JuryVolunteer.id) == col(JuryMember.volunteer_id))
        .where(col(JuryVolunteer.participant_id) == participant_id, col(JuryMember.state).in_(HOLDING_SEAT))
    )
    await session.execute(update(Jury).where(col(Jury.id).in_(held)).values(refill_due=True))
    result = await session.execute(delete(JuryVolunteer).where(col(JuryVolunteer.participant_id) == participant_id))
    return cast("CursorResult[Any]", result).rowcount or 0


async def erase_ended_juries_contacts(session: AsyncSession, cutoff: Any) -> int:
    """Retention: the contact references of volunteers of juries that ended before ``cutoff``. No commit."""
    ended = select(col(Jury.id)).where(col(Jury.ends_at).is_not(None), col(Jury.ends_at) <= cutoff)
    result = await session.execute(
        update(JuryVolunteer)
        .where(
            col(JuryVolunteer.jury_id).in_(ended),
            col(JuryVolunteer.external_id).is_not(None) | col(JuryVolunteer.participant_id).is_not(None),
        )
        .values(external_id=None, participant_id=None, contact_consent=False)
    )
    return cast("CursorResult[Any]", result).rowcount or 0


def keeps_contact(participant_id: Any, cutoff: Any) -> Any:
    """Retention: a participant's contact is kept while they volunteer for a jury that has not ended before
    ``cutoff`` (its end plus the retention period): the jury may still call them."""
    return (
        select(col(JuryVolunteer.id))
        .join(Jury, col(Jury.id) == col(JuryVolunteer.jury_id))
        .where(
            col(JuryVolunteer.participant_id) == participant_id,
            col(JuryVolunteer.contact_consent).is_(True),
            col(JuryVolunteer.withdrawn_at).is_(None),
            col(Jury.ends_at).is_(None) | (col(Jury.ends_at) > cutoff),
        )
        .exists()
    )
