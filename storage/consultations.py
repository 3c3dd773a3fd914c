"""Storing a validated definition as tables, and finding consultations."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.definition import ConsultationDef
from storage.models import Consultation, Item, Option, Proposal, utcnow
from storage.text import normalize_proposal

# Fields stored as rows of their own rather than in Item.config.
_STRUCTURAL = {"key", "type", "prompt", "options", "projects", "proposals"}


async def by_slug(session: AsyncSession, slug: str) -> Consultation | None:
    return (await session.execute(select(Consultation).where(Consultation.slug == slug))).scalar_one_or_none()


async def save_definition(session: AsyncSession, definition: ConsultationDef, *, status: str = "draft") -> Consultation:
    """Create the consultation, or replace a draft of the same slug. Commits."""
    consultation = await by_slug(session, definition.slug)
    if consultation is not None:
        if consultation.status != "draft":
            raise ValueError(f"consultation {definition.slug!r} is {consultation.status}; only a draft can be replaced")
        await session.execute(delete(Item).where(Item.consultation_id == consultation.id))
    else:
        consultation = Consultation(slug=definition.slug, default_language=definition.default_language)
    consultation.status = status
    consultation.default_language = definition.default_language
    consultation.languages = list(definition.languages)
    consultation.title = dict(definition.title)
    consultation.intro = dict(definition.intro)
    consultation.time_zone = definition.time_zone
    consultation.opens_at = definition.opens_at
    consultation.closes_at = definition.closes_at
    consultation.min_segment_size = definition.min_segment_size
    consultation.definition = definition.model_dump(mode="json", exclude_none=True)
    session.add(consultation)
    await session.flush()
    for position, item_def in enumerate(definition.items):
        config = item_def.model_dump(mode="json", exclude=_STRUCTURAL, exclude_none=True)
        item = Item(
            consultation_id=consultation.id,
            position=position,
            key=item_def.key,
            kind=item_def.type,
            prompt=dict(item_def.prompt),
            config=config,
        )
        session.add(item)
        await session.flush()
        choices = getattr(item_def, "options", None) or getattr(item_def, "projects", None) or []
        for opt_position, option in enumerate(choices):
            session.add(
                Option(
                    item_id=item.id,
                    position=opt_position,
                    key=option.key,
                    label=dict(option.label),
                    cost=getattr(option, "cost", None),
                )
            )
        for text in getattr(item_def, "proposals", None) or []:
            session.add(
                Proposal(
                    item_id=item.id,
                    text=dict(text),
                    status="accepted",
                    accepted_at=utcnow(),
                    normalized=normalize_proposal(text.get(definition.default_language, "")),
                )
            )
    await session.commit()
    return consultation
