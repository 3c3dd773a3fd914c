"""A consultation's live figures: who took part, who consented and completed, answers per item, proposals
waiting for moderation. Served by ``/organiser/consultations/{slug}/stats`` and printed by ``viche stats``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from api.content import localized
from api.organiser.schemas import GroupsStats, ItemStats, Stats
from api.results.groups import published_groups
from storage.models import Answer, Consultation, Enrolment, Item, PairPrompt, Proposal, ProposalVote


async def count(db: AsyncSession, query: Select[Any]) -> int:
    return int(await db.scalar(query) or 0)


def title(consultation: Consultation, language: str | None = None) -> str:
    """The consultation's title in ``language``, else in its default language."""
    return localized(consultation.title, language, consultation.default_language)


async def consultation_stats(db: AsyncSession, consultation: Consultation, language: str | None = None) -> Stats:
    enrolled = select(func.count()).select_from(Enrolment).where(Enrolment.consultation_id == consultation.id)
    consented = await count(db, enrolled.where(Enrolment.consented_at.is_not(None)))
    completed = await count(db, enrolled.where(Enrolment.completed_at.is_not(None)))
    items = (
        (await db.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
        .scalars()
        .all()
    )
    per_item = []
    for item in items:
        if item.kind == "proposal":
            query = select(func.count()).select_from(ProposalVote).where(ProposalVote.item_id == item.id)
        elif item.kind == "pairs":
            query = (
                select(func.count())
                .select_from(PairPrompt)
                .where(PairPrompt.item_id == item.id, PairPrompt.outcome.is_not(None), PairPrompt.outcome != "skip")
            )
        else:
            query = select(func.count()).select_from(Answer).where(Answer.item_id == item.id)
        prompt = localized(item.prompt, language, consultation.default_language)
        per_item.append(ItemStats(key=item.key, kind=item.kind, prompt=prompt, answers=await count(db, query)))
    pending = await count(
        db,
        select(func.count())
        .select_from(Proposal)
        .join(Item, Item.id == Proposal.item_id)
        .where(Item.consultation_id == consultation.id, Proposal.status == "pending"),
    )
    return Stats(
        slug=consultation.slug,
        title=title(consultation, language),
        status=consultation.status,
        participants=await count(db, enrolled),
        consented=consented,
        completed=completed,
        completion_rate=round(completed / consented, 4) if consented else 0.0,
        pending_proposals=pending,
        items=per_item,
        groups=await groups_stats(db, consultation, language),
    )


async def groups_stats(db: AsyncSession, consultation: Consultation, language: str | None) -> GroupsStats | None:
    """The published opinion groups in short (None while there are none to show), under the disclosure rule."""
    languages = consultation.languages or [consultation.default_language]
    groups = await published_groups(db, consultation, language if language in languages else None)
    if not groups["groups"]:
        return None
    texts = {s["proposal_id"]: s["text"] for s in groups["statements"]}
    return GroupsStats(
        sizes=[g["size"] for g in groups["groups"]],
        withheld=groups["withheld_groups"],
        bridging=texts[groups["bridging"][0]] if groups["bridging"] else None,
    )
