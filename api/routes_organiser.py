"""Organiser routes: the same actions organisers take with admin commands in the bot.

Service-token protected like every route the bot uses, and each request says who acts (:mod:`api.acting`): only
an organiser by the API's own records gets past 403, only an owner grants and revokes, and a grant records the
verified owner, never a name the caller puts in the body.
"""
from __future__ import annotations

import asyncio
import io
import re
from datetime import datetime
from types import SimpleNamespace
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import moderation, schemas
from api.acting import Actor, acting_organiser, acting_owner, standing
from api.broadcast.outbox import on_status_changed
from api.content import localized
from api.error_docs import ORGANISER, SERVICE, errors
from api.deps import content_cache, require_service_token, selection_registry, session
from api.errors import ApiError, bad_request, conflict, not_found
from api.content_cache import ContentCache
from api.participant.access import brief
from api.participant.next_screen import proposal_out
from api.participant.profile import PROFILE_FIELDS, profile_question
from api.selection import SelectionRegistry
from core.definition import check_text
from core.settings import Settings
from core.vocabulary import STATUS_ACTIONS, TRANSITIONS
from storage.consultations import by_slug, save_definition
from storage.models import Answer, Consultation, Enrolment, Item, Option, PairPrompt, Proposal, ProposalVote
from storage.models_admin import Organiser

router = APIRouter(prefix="/organiser", tags=["organiser"],
                   dependencies=[Depends(require_service_token), Depends(acting_organiser)], responses=ORGANISER)
# What the bot asks for itself, with no person acting (at startup): the service token alone.
bot_router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_service_token)], responses=SERVICE)


async def app_settings(request: Request) -> Settings:
    return request.app.state.settings


# ---- consultations: list, upload, status, stats ------------------------------------------------------


class ItemStats(BaseModel):
    key: str
    kind: str
    prompt: str = ""
    answers: int


class Stats(BaseModel):
    slug: str
    title: str = ""
    status: str
    participants: int
    consented: int
    completed: int
    completion_rate: float
    pending_proposals: int = 0
    items: list[ItemStats]


class StatusChange(BaseModel):
    action: Literal[STATUS_ACTIONS]


class ConsultationRow(BaseModel):
    slug: str
    title: str = ""
    status: str
    participants: int


class DefinitionUpload(BaseModel):
    content: str = Field(max_length=512 * 1024, description="The definition file's text, YAML or JSON")
    filename: str | None = Field(default=None, max_length=255, description="Decides YAML or JSON by its suffix")


class ProblemOut(BaseModel):
    path: str
    line: int | None
    message: str
    text: str = Field(description="'file:line: path: message', as `viche validate` prints it")


class DraftOut(BaseModel):
    slug: str
    title: str
    status: str
    items: int
    languages: list[str]
    created: bool = Field(description="False when an existing draft was replaced")
    warnings: list[ProblemOut] = []


async def _consultation(db: AsyncSession, slug: str) -> Consultation:
    consultation = await by_slug(db, slug)
    if consultation is None:
        raise not_found(f"consultation {slug!r}")
    return consultation


async def _count(db: AsyncSession, query) -> int:  # noqa: ANN001
    return int(await db.scalar(query) or 0)


# ``lang``: the organiser's language; a title or prompt missing in it comes in the consultation's default language.
LANG = Query(default=None, max_length=16, description="The reader's language (default: the consultation's)")


def _title(consultation: Consultation, language: str | None = None) -> str:
    return localized(consultation.title, language, consultation.default_language)


async def consultation_stats(db: AsyncSession, consultation: Consultation, language: str | None = None) -> Stats:
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
        prompt = localized(item.prompt, language, consultation.default_language)
        per_item.append(ItemStats(key=item.key, kind=item.kind, prompt=prompt, answers=await _count(db, query)))
    pending = await _count(db, select(func.count()).select_from(Proposal).join(Item, Item.id == Proposal.item_id)
                           .where(Item.consultation_id == consultation.id, Proposal.status == "pending"))
    return Stats(slug=consultation.slug, title=_title(consultation, language), status=consultation.status,
                 participants=await _count(db, enrolled), consented=consented, completed=completed,
                 completion_rate=round(completed / consented, 4) if consented else 0.0,
                 pending_proposals=pending, items=per_item)


async def _row(db: AsyncSession, consultation: Consultation, language: str | None = None) -> ConsultationRow:
    participants = await _count(db, select(func.count()).select_from(Enrolment)
                                .where(Enrolment.consultation_id == consultation.id))
    return ConsultationRow(slug=consultation.slug, title=_title(consultation, language), status=consultation.status,
                           participants=participants)


@router.get("/consultations", response_model=list[ConsultationRow], summary="Every consultation, oldest first")
async def list_consultations(lang: str | None = LANG, db: AsyncSession = Depends(session)) -> list[ConsultationRow]:
    counts = (select(Enrolment.consultation_id, func.count().label("n"))
              .group_by(Enrolment.consultation_id).subquery())
    rows = await db.execute(select(Consultation, func.coalesce(counts.c.n, 0))
                            .outerjoin(counts, counts.c.consultation_id == Consultation.id).order_by(Consultation.id))
    return [ConsultationRow(slug=c.slug, title=_title(c, lang), status=c.status, participants=n)
            for c, n in rows.all()]


@router.post("/consultations", response_model=DraftOut, status_code=201,
             summary="Create a draft from a definition file, or replace the draft of the same slug",
             responses={200: {"model": DraftOut, "description": "An existing draft was replaced"},
                        **errors(400, 409, 422, meaning={
                            409: "The slug belongs to a consultation that is no longer a draft",
                            422: "The file has problems: `error.problems` lists each with its line"})})
async def upload_definition(body: DefinitionUpload, response: Response, lang: str | None = LANG,
                            db: AsyncSession = Depends(session)) -> DraftOut:
    # Off the event loop: a large file takes a fraction of a second to check (core.definition bounds the
    # work), which the bot and the other routes should not wait for.
    report = await asyncio.to_thread(check_text, body.content, body.filename)
    if not report.ok:
        count = len(report.problems)
        raise ApiError(422, "invalid_definition",
                       f"the definition file has {count} problem{'s' if count != 1 else ''}",
                       problems=[p.as_dict(body.filename) for p in report.problems])
    definition = report.definition
    for _attempt in range(2):
        existing = await by_slug(db, definition.slug)
        if existing is not None and existing.status != "draft":
            raise conflict("not_a_draft", f"consultation {definition.slug!r} is {existing.status}; "
                                          "only a draft can be replaced", consultation_status=existing.status)
        try:
            consultation = await save_definition(db, definition)
            break
        except IntegrityError:  # the same new slug uploaded twice at once: the second replaces the first
            await db.rollback()
    else:  # pragma: no cover - two collisions in a row
        raise conflict("busy", "the consultation is being saved by another request; try again")
    response.status_code = 201 if existing is None else 200
    return DraftOut(slug=consultation.slug, title=_title(consultation, lang), status=consultation.status,
                    items=len(definition.items), languages=list(definition.languages), created=existing is None,
                    warnings=[ProblemOut(**w.as_dict(body.filename)) for w in report.warnings])


@router.get("/consultations/{slug}/stats", response_model=Stats, summary="Live participation figures",
            responses=errors(404))
async def stats(slug: str, lang: str | None = LANG, db: AsyncSession = Depends(session)) -> Stats:
    return await consultation_stats(db, await _consultation(db, slug), lang)


@router.post("/consultations/{slug}/status", response_model=ConsultationRow, responses=errors(400, 404, 409),
             summary="Launch, pause, resume or close a consultation")
async def change_status(slug: str, body: StatusChange, lang: str | None = LANG,
                        content: ContentCache = Depends(content_cache),
                        db: AsyncSession = Depends(session)) -> ConsultationRow:
    consultation = await _consultation(db, slug)
    allowed_from, target = TRANSITIONS[body.action]
    if consultation.status not in allowed_from:
        raise conflict("invalid_transition", f"cannot {body.action} a consultation that is {consultation.status}",
                       consultation_status=consultation.status)
    consultation.status = target
    await db.commit()
    content.consultation_changed(slug)
    await on_status_changed(db, consultation)  # closing queues the final results digest (api/broadcast)
    return await _row(db, consultation, lang)


# ---- preview: every screen a participant can meet, in order, nothing recorded ---------------------


class PreviewOut(schemas.NextOut):
    """One step of a consultation as a participant would see it (the shape of ``/participant/{id}/next``)."""

    position: int
    steps: int = Field(description="Consent, each profile question, each item (branches included), the end")
    next_position: int | None = None
    show_if: dict | None = Field(default=None, description="The item's branch condition, when it has one")
    pool: int = Field(default=0, description="Accepted proposals of a proposal or pairs item")
    pending: int = Field(default=0, description="Citizen proposals of this item waiting for moderation")


@router.get("/consultations/{slug}/preview", response_model=PreviewOut, responses=errors(404),
            summary="One screen of a consultation as a participant sees it; nothing is recorded")
async def preview(slug: str, position: int = Query(default=0, ge=0, le=10_000), lang: str | None = None,
                  db: AsyncSession = Depends(session)) -> PreviewOut:
    consultation = await _consultation(db, slug)
    language = lang if lang in consultation.languages else consultation.default_language
    profile = (consultation.definition or {}).get("profile") or {}
    asked = [field for field, source in PROFILE_FIELDS if profile.get(source)]
    items = (await db.execute(select(Item).where(Item.consultation_id == consultation.id)
                              .order_by(Item.position))).scalars().all()
    steps = ["consent", *(f"profile:{field}" for field in asked), *(f"item:{i}" for i in range(len(items))), "done"]
    position = min(position, len(steps) - 1)
    step = steps[position]
    base = {"consultation": brief(consultation, language), "position": position, "steps": len(steps),
            "next_position": position + 1 if position + 1 < len(steps) else None,
            "intro": localized(consultation.intro, language, consultation.default_language)}
    if step == "consent":
        return PreviewOut(status="consent", **base)
    if step == "done":
        return PreviewOut(status="done", **base)
    if step.startswith("profile:"):
        field = step.split(":", 1)[1]
        done = SimpleNamespace(profile_done=[f for f in asked if f != field])
        return PreviewOut(status="profile", profile=profile_question(consultation, done, language),
                          **base)
    number = int(step.split(":", 1)[1])
    item = items[number]
    default = consultation.default_language
    item_out = schemas.ItemOut(
        id=item.id, key=item.key, kind=item.kind, number=number + 1, total=len(items), config=item.config,
        prompt=localized(item.prompt, language, default),
        min_label=localized(item.config.get("min_label"), language, default),
        max_label=localized(item.config.get("max_label"), language, default))
    options = (await db.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position))).scalars()
    extra: dict = {"options": [schemas.OptionOut(id=o.id, key=o.key, label=localized(o.label, language, default),
                                                 cost=o.cost) for o in options]}
    if item.kind in ("proposal", "pairs"):
        accepted = (await db.execute(select(Proposal).where(Proposal.item_id == item.id, Proposal.status == "accepted")
                                     .order_by(Proposal.id))).scalars().all()
        extra["pool"] = len(accepted)
        extra["pending"] = await _count(db, select(func.count()).select_from(Proposal).where(
            Proposal.item_id == item.id, Proposal.status == "pending"))
        shown = [proposal_out(p, language, default) for p in accepted[:2]]
        if item.kind == "proposal" and shown:
            extra["proposal"] = shown[0]
        if item.kind == "pairs" and len(shown) == 2:
            extra["pair"] = schemas.PairOut(token="preview", left=shown[0], right=shown[1])
    return PreviewOut(status="item", item=item_out, show_if=item.config.get("show_if"), **extra, **base)


# ---- the deep link and its QR code --------------------------------------------------------------------


BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
SOURCE = re.compile(r"^[A-Za-z0-9_]{1,40}$")


class LinkOut(BaseModel):
    slug: str
    title: str
    status: str
    payload: str = Field(description="The /start payload: the slug, or '<slug>--<source>'")
    url: str
    qr_png: str = Field(description="Path of the QR code image of ``url``")


def _payload(slug: str, source: str | None) -> str:
    if source is not None and not SOURCE.match(source):
        raise bad_request("invalid_source", "a source has 1 to 40 letters, digits or underscores")
    payload = f"{slug}--{source}" if source else slug
    if len(payload) > 64:
        raise bad_request("payload_too_long", f"the /start payload {payload!r} is longer than Telegram's 64 characters")
    return payload


def _deep_link(bot: str, payload: str) -> str:
    if not BOT_USERNAME.match(bot):
        raise bad_request("invalid_bot_username", f"{bot!r} is not a Telegram bot username")
    return f"https://t.me/{bot}?start={payload}"


def qr_png(text: str) -> bytes:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()


@router.get("/consultations/{slug}/link", response_model=LinkOut, responses=errors(400, 404),
            summary="The deep link that opens the consultation in the bot (with an optional outreach source)")
async def link(slug: str, bot: str = Query(description="The bot's username, without @"),
               source: str | None = Query(default=None, description="Outreach source recorded on enrolment"),
               lang: str | None = LANG, db: AsyncSession = Depends(session)) -> LinkOut:
    consultation = await _consultation(db, slug)
    payload = _payload(consultation.slug, source)
    url = _deep_link(bot, payload)
    query = f"bot={bot}" + (f"&source={source}" if source else "")
    return LinkOut(slug=consultation.slug, title=_title(consultation, lang), status=consultation.status,
                   payload=payload, url=url,
                   qr_png=f"/organiser/consultations/{consultation.slug}/qr.png?{query}")


@router.get("/consultations/{slug}/qr.png", response_class=Response, summary="The deep link as a QR code (PNG)",
            responses={**errors(400, 404), 200: {"content": {"image/png": {}}}})
async def link_qr(slug: str, bot: str, source: str | None = None, db: AsyncSession = Depends(session)) -> Response:
    consultation = await _consultation(db, slug)
    url = _deep_link(bot, _payload(consultation.slug, source))
    return Response(qr_png(url), media_type="image/png", headers={"Cache-Control": "no-store"})


# ---- moderation of citizen proposals ---------------------------------------------------------------


@router.get("/moderation/next", response_model=moderation.ModerationQueue, responses=errors(404),
            summary="The oldest proposal waiting for moderation, in one consultation or in all")
async def moderation_next(slug: str | None = None, after: int | None = Query(default=None, ge=0),
                          lang: str | None = LANG, db: AsyncSession = Depends(session)) -> moderation.ModerationQueue:
    return await moderation.next_pending(db, slug, after, lang)


@router.post("/proposals/{proposal_id}/accept", response_model=moderation.Decision, responses=errors(404, 409),
             summary="Accept a citizen proposal into the pool; says whom to notify")
async def accept_proposal(proposal_id: int, registry: SelectionRegistry = Depends(selection_registry),
                          db: AsyncSession = Depends(session)) -> moderation.Decision:
    return await moderation.decide(db, registry, proposal_id, accept=True)


@router.post("/proposals/{proposal_id}/reject", response_model=moderation.Decision, responses=errors(400, 404, 409),
             summary="Reject a citizen proposal with a reason; says whom to notify")
async def reject_proposal(proposal_id: int, body: moderation.RejectIn,
                          registry: SelectionRegistry = Depends(selection_registry),
                          db: AsyncSession = Depends(session)) -> moderation.Decision:
    return await moderation.decide(db, registry, proposal_id, accept=False, reason=body.reason)


# ---- who is an organiser --------------------------------------------------------------------------------


class AccessOut(BaseModel):
    telegram_id: int
    organiser: bool
    owner: bool


class OrganiserOut(BaseModel):
    telegram_id: int
    source: Literal["configured", "granted"] = Field(description="VICHE_ADMINS / VICHE_OWNERS, or /grant")
    owner: bool = False
    granted_by: int | None = None
    granted_at: datetime | None = None


class GrantIn(BaseModel):
    telegram_id: int = Field(gt=0)


class RevokeOut(BaseModel):
    telegram_id: int
    revoked: bool


@router.get("/access/{telegram_id}", response_model=AccessOut,
            summary="May this Telegram user run consultations? Organisers ask about themselves, owners about anyone")
async def access(telegram_id: int, db: AsyncSession = Depends(session), settings: Settings = Depends(app_settings),
                 actor: Actor = Depends(acting_organiser)) -> AccessOut:
    if telegram_id != actor.telegram_id and not actor.owner:  # else probing ids would reveal the owners
        raise ApiError(403, "not_an_owner", "only an owner asks about someone else")
    person = await standing(db, settings, telegram_id)
    return AccessOut(telegram_id=telegram_id, organiser=person.organiser, owner=person.owner)


@router.get("/organisers", response_model=list[OrganiserOut],
            summary="Configured and granted organisers (owners, and who granted whom, only to owners)")
async def organisers(db: AsyncSession = Depends(session), settings: Settings = Depends(app_settings),
                     actor: Actor = Depends(acting_organiser)) -> list[OrganiserOut]:
    configured = list(dict.fromkeys([*settings.owners, *settings.admins]))
    out = [OrganiserOut(telegram_id=i, source="configured", owner=i in settings.owners) for i in configured
           if actor.owner or i not in settings.owners]
    rows = (await db.execute(select(Organiser).order_by(Organiser.granted_at))).scalars()
    out += [OrganiserOut(telegram_id=o.telegram_id, source="granted", granted_by=o.granted_by if actor.owner else None,
                         granted_at=o.granted_at) for o in rows if o.telegram_id not in configured]
    return out


class MenuOut(BaseModel):
    telegram_id: int
    owner: bool = False


@bot_router.get("/organiser-menus", response_model=list[MenuOut],
                summary="Who gets the organiser commands in their chat's menu (the bot publishes them at startup)")
async def organiser_menus(db: AsyncSession = Depends(session),
                          settings: Settings = Depends(app_settings)) -> list[MenuOut]:
    """Every organiser, configured or granted, and whether they are an owner. No person acts at startup, so the
    bot's service token alone opens this: it names no more than that token could sign as anyway."""
    configured = list(dict.fromkeys([*settings.owners, *settings.admins]))
    granted = (await db.execute(select(Organiser.telegram_id).order_by(Organiser.granted_at))).scalars()
    return ([MenuOut(telegram_id=i, owner=i in settings.owners) for i in configured]
            + [MenuOut(telegram_id=i) for i in granted if i not in configured])


@router.post("/organisers", response_model=OrganiserOut, status_code=201,
             responses={**errors(400), 200: {"model": OrganiserOut, "description": "Already an organiser"}},
             summary="An owner makes someone an organiser; the grant records the acting owner")
async def grant(body: GrantIn, response: Response, db: AsyncSession = Depends(session),
                settings: Settings = Depends(app_settings), actor: Actor = Depends(acting_owner)) -> OrganiserOut:
    if body.telegram_id in settings.owners or body.telegram_id in settings.admins:
        response.status_code = 200
        return OrganiserOut(telegram_id=body.telegram_id, source="configured",
                            owner=body.telegram_id in settings.owners)
    existing = await db.get(Organiser, body.telegram_id)
    if existing is None:
        existing = Organiser(telegram_id=body.telegram_id, granted_by=actor.telegram_id)
        db.add(existing)
        try:
            await db.commit()
        except IntegrityError:  # granted twice at once
            await db.rollback()
            existing = await db.get(Organiser, body.telegram_id)
            response.status_code = 200
    else:
        response.status_code = 200
    return OrganiserOut(telegram_id=existing.telegram_id, source="granted", granted_by=existing.granted_by,
                        granted_at=existing.granted_at)


@router.delete("/organisers/{telegram_id}", response_model=RevokeOut, summary="An owner removes a granted organiser",
               dependencies=[Depends(acting_owner)], responses=errors(409))
async def revoke(telegram_id: int, db: AsyncSession = Depends(session),
                 settings: Settings = Depends(app_settings)) -> RevokeOut:
    if telegram_id in settings.owners or telegram_id in settings.admins:
        raise conflict("configured", f"{telegram_id} is an organiser by configuration (VICHE_ADMINS / VICHE_OWNERS); "
                                     "remove it there")
    existing = await db.get(Organiser, telegram_id)
    if existing is not None:
        await db.delete(existing)
        await db.commit()
    return RevokeOut(telegram_id=telegram_id, revoked=existing is not None)
