"""A consultation's preview: every screen a participant can meet, in order, built from the definition alone.

Consent, each profile question the definition asks, each item (branches included, with their condition), the
end. Nothing is read of any participant and nothing is recorded: an organiser may walk through an open
consultation without changing its figures.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import schemas
from api.content import localized
from api.organiser.schemas import PreviewOut
from api.organiser.stats import count
from api.participant.access import brief
from api.participant.next_screen import proposal_out
from api.participant.profile import PROFILE_FIELDS, profile_question
from storage.models import Consultation, Item, Option, Proposal


async def preview_step(db: AsyncSession, consultation: Consultation, position: int, lang: str | None) -> PreviewOut:
    language = lang if lang in consultation.languages else consultation.default_language
    profile = (consultation.definition or {}).get("profile") or {}
    asked = [field for field, source in PROFILE_FIELDS if profile.get(source)]
    items = (
        (await db.execute(select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)))
        .scalars()
        .all()
    )
    steps = ["consent", *(f"profile:{field}" for field in asked), *(f"item:{i}" for i in range(len(items))), "done"]
    position = min(position, len(steps) - 1)
    step = steps[position]
    base: dict[str, Any] = {
        "consultation": brief(consultation, language),
        "position": position,
        "steps": len(steps),
        "next_position": position + 1 if position + 1 < len(steps) else None,
        "intro": localized(consultation.intro, language, consultation.default_language),
    }
    if step == "consent":
        return PreviewOut(status="consent", **base)
    if step == "done":
        return PreviewOut(status="done", **base)
    if step.startswith("profile:"):
        field = step.split(":", 1)[1]
        done = SimpleNamespace(profile_done=[f for f in asked if f != field])
        return PreviewOut(status="profile", profile=profile_question(consultation, done, language), **base)
    number = int(step.split(":", 1)[1])
    item = items[number]
    default = consultation.default_language
    item_out = schemas.ItemOut(
        id=item.id,
        key=item.key,
        kind=item.kind,
        number=number + 1,
        total=len(items),
        config=item.config,
        prompt=localized(item.prompt, language, default),
        min_label=localized(item.config.get("min_label"), language, default),
        max_label=localized(item.config.get("max_label"), language, default),
    )
    options = (await db.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position))).scalars()
    extra: dict[str, Any] = {
        "options": [
            schemas.OptionOut(id=o.id, key=o.key, label=localized(o.label, language, default), cost=o.cost)
            for o in options
        ]
    }
    if item.kind in ("proposal", "pairs"):
        accepted = (
            (
                await db.execute(
                    select(Proposal)
                    .where(Proposal.item_id == item.id, Proposal.status == "accepted")
                    .order_by(Proposal.id)
                )
            )
            .scalars()
            .all()
        )
        extra["pool"] = len(accepted)
        extra["pending"] = await count(
            db,
            select(func.count()).select_from(Proposal).where(Proposal.item_id == item.id, Proposal.status == "pending"),
        )
        shown = [proposal_out(p, language, default) for p in accepted[:2]]
        if item.kind == "proposal" and shown:
            extra["proposal"] = shown[0]
        if item.kind == "pairs" and len(shown) == 2:
            extra["pair"] = schemas.PairOut(token="preview", left=shown[0], right=shown[1])
    return PreviewOut(status="item", item=item_out, show_if=item.config.get("show_if"), **extra, **base)
