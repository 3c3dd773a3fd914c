"""Organiser routes: the same actions organisers take with admin commands in the bot."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import require_service_token, session
from api.errors import conflict, not_found
from storage.consultations import by_slug
from storage.models import Answer, Consultation, Enrolment, Item, PairPrompt, ProposalVote

router = APIRouter(prefix="/organiser", tags=["organiser"], dependencies=[Depends(require_service_token)])


class ItemStats(BaseModel):
    key: str
    kind: str
    answers: int


class Stats(BaseModel):
    slug: str
    status: str
    participants: int
    consented: int
    completed: int
    completion_rate: float
    items: list[ItemStats]


class StatusChange(BaseModel):
    action: Literal["launch", "pause", "resume", "close"]


class ConsultationRow(BaseModel):
    slug: str
    status: str
    participants: int


TRANSITIONS = {"launch": ({"draft"}, "open"), "pause": ({"open"}, "paused"),
               "resume": ({"paused"}, "open"), "close": ({"open", "paused"}, "closed")}


async def _consultation(db: AsyncSession, slug: str) -> Consultation:
    consultation = await by_slug(db, slug)
    if consultation is None:
        raise not_found(f"consultation {slug!r}")
    return consultation


async def _count(db: AsyncSession, query) -> int:  # noqa: ANN001
    return int(await db.scalar(query) or 0)


async def consultation_stats(db: AsyncSession, consultation: Consultation) -> Stats:
    enrolled = select(func.count()).select_from(Enrolment).where(Enrolment.consultation_id == consultation.id)
    consented = await _count(db, enrolled.where(Enrolment.consented_at.is_not(None)))
    completed = await _count(db, enrolled.where(Enrolment.completed_at.is_not(None)))
    items = (await db.execute(select(Item).where(Item.consultation_id == consultation.id)
                              .order_by(Item.position))).scalars().all()
    per_item = []
    for item in items:
        if item.kind == "proposal":
            query = select(func.count()).select_from(ProposalVote).where(ProposalVote.item_id == item.id)
        elif item.kind == "pairs":
            query = select(func.count()).select_from(PairPrompt).where(
                PairPrompt.item_id == item.id, PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip")
        else:
            query = select(func.count()).select_from(Answer).where(Answer.item_id == item.id)
        per_item.append(ItemStats(key=item.key, kind=item.kind, answers=await _count(db, query)))
    return Stats(slug=consultation.slug, status=consultation.status, participants=await _count(db, enrolled),
                 consented=consented, completed=completed,
                 completion_rate=round(completed / consented, 4) if consented else 0.0, items=per_item)


@router.get("/consultations", response_model=list[ConsultationRow])
async def list_consultations(db: AsyncSession = Depends(session)) -> list[ConsultationRow]:
    counts = (select(Enrolment.consultation_id, func.count().label("n"))
              .group_by(Enrolment.consultation_id).subquery())
    rows = await db.execute(select(Consultation.slug, Consultation.status, func.coalesce(counts.c.n, 0))
                            .outerjoin(counts, counts.c.consultation_id == Consultation.id).order_by(Consultation.id))
    return [ConsultationRow(slug=slug, status=status, participants=n) for slug, status, n in rows.all()]


@router.get("/consultations/{slug}/stats", response_model=Stats, summary="Live participation figures")
async def stats(slug: str, db: AsyncSession = Depends(session)) -> Stats:
    return await consultation_stats(db, await _consultation(db, slug))


@router.post("/consultations/{slug}/status", response_model=ConsultationRow,
             summary="Launch, pause, resume or close a consultation")
async def change_status(slug: str, body: StatusChange, db: AsyncSession = Depends(session)) -> ConsultationRow:
    consultation = await _consultation(db, slug)
    allowed_from, target = TRANSITIONS[body.action]
    if consultation.status not in allowed_from:
        raise conflict("invalid_transition", f"cannot {body.action} a consultation that is {consultation.status}")
    consultation.status = target
    await db.commit()
    participants = await _count(db, select(func.count()).select_from(Enrolment)
                                .where(Enrolment.consultation_id == consultation.id))
    return ConsultationRow(slug=consultation.slug, status=consultation.status, participants=participants)
