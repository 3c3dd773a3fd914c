"""Organiser routes: the same actions organisers take with their commands in the bot.

Service-token protected like every route the bot uses, and each request says who acts (:mod:`api.acting`): only
an organiser by the API's own records gets past 403, only an owner grants and revokes, and a grant records the
verified owner, never a name the caller puts in the body.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import moderation
from api.acting import Actor, acting_organiser, acting_owner, standing
from api.broadcast.outbox import on_status_changed
from api.content_cache import ContentCache
from api.deps import consultation_or_404, content_cache, require_service_token, selection_registry, session
from api.error_docs import ORGANISER, SERVICE, errors
from api.errors import ApiError, conflict
from api.organiser.links import deep_link, payload, qr_png
from api.organiser.preview import preview_step
from api.organiser.schemas import (
    AccessOut,
    ConsultationRow,
    DefinitionUpload,
    DraftOut,
    GrantIn,
    LinkOut,
    MenuOut,
    OrganiserOut,
    PreviewOut,
    ProblemOut,
    RevokeOut,
    Stats,
    StatusChange,
)
from api.organiser.stats import consultation_stats, count, title
from api.selection import SelectionRegistry
from core.definition import check_text
from core.settings import Settings
from core.vocabulary import TRANSITIONS, StatusAction
from storage.consultations import by_slug, save_definition
from storage.models import Consultation, Enrolment
from storage.models_organiser import Organiser

router = APIRouter(
    prefix="/organiser",
    tags=["organiser"],
    dependencies=[Depends(require_service_token), Depends(acting_organiser)],
    responses=ORGANISER,
)
# What the bot asks for itself, with no person acting (at startup): the service token alone.
bot_router = APIRouter(prefix="/bot", tags=["bot"], dependencies=[Depends(require_service_token)], responses=SERVICE)

# ``lang``: the organiser's language; a title or prompt missing in it comes in the consultation's default language.
LANG = Query(default=None, max_length=16, description="The reader's language (default: the consultation's)")


async def app_settings(request: Request) -> Settings:
    return request.app.state.settings


def allowed_actions(status: str) -> list[StatusAction]:
    """The status actions a consultation in ``status`` allows (``core.vocabulary.TRANSITIONS``), in their order:
    the bot offers exactly these."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def _row(consultation: Consultation, participants: int, language: str | None) -> ConsultationRow:
    return ConsultationRow(
        slug=consultation.slug,
        title=title(consultation, language),
        status=consultation.status,
        participants=participants,
        actions=allowed_actions(consultation.status),
    )


# ---- consultations: list, upload, status, stats ------------------------------------------------------


@router.get("/consultations", response_model=list[ConsultationRow], summary="Every consultation, oldest first")
async def list_consultations(lang: str | None = LANG, db: AsyncSession = Depends(session)) -> list[ConsultationRow]:
    counts = select(Enrolment.consultation_id, func.count().label("n")).group_by(Enrolment.consultation_id).subquery()
    rows = await db.execute(
        select(Consultation, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.consultation_id == Consultation.id)
        .order_by(Consultation.id)
    )
    return [_row(c, n, lang) for c, n in rows.all()]


@router.post(
    "/consultations",
    response_model=DraftOut,
    status_code=201,
    summary="Create a draft from a definition file, or replace the draft of the same slug",
    responses={
        200: {"model": DraftOut, "description": "An existing draft was replaced"},
        **errors(
            400,
            409,
            422,
            meaning={
                409: "The slug belongs to a consultation that is no longer a draft",
                422: "The file has problems: `error.problems` lists each with its line",
            },
        ),
    },
)
async def upload_definition(
    body: DefinitionUpload, response: Response, lang: str | None = LANG, db: AsyncSession = Depends(session)
) -> DraftOut:
    # Off the event loop: a large file takes a fraction of a second to check (core.definition bounds the
    # work), which the bot and the other routes should not wait for.
    report = await asyncio.to_thread(check_text, body.content, body.filename)
    if not report.ok:
        problems = len(report.problems)
        raise ApiError(
            422,
            "invalid_definition",
            f"the definition file has {problems} problem{'s' if problems != 1 else ''}",
            problems=[p.as_dict(body.filename) for p in report.problems],
        )
    definition = report.definition
    for _attempt in range(2):
        existing = await by_slug(db, definition.slug)
        if existing is not None and existing.status != "draft":
            raise conflict(
                "not_a_draft",
                f"consultation {definition.slug!r} is {existing.status}; only a draft can be replaced",
                consultation_status=existing.status,
            )
        try:
            consultation = await save_definition(db, definition)
            break
        except IntegrityError:  # the same new slug uploaded twice at once: the second replaces the first
            await db.rollback()
    else:  # pragma: no cover - two collisions in a row
        raise conflict("busy", "the consultation is being saved by another request; try again")
    response.status_code = 201 if existing is None else 200
    return DraftOut(
        slug=consultation.slug,
        title=title(consultation, lang),
        status=consultation.status,
        items=len(definition.items),
        languages=list(definition.languages),
        created=existing is None,
        warnings=[ProblemOut(**w.as_dict(body.filename)) for w in report.warnings],
    )


@router.get(
    "/consultations/{slug}/stats", response_model=Stats, summary="Live participation figures", responses=errors(404)
)
async def stats(
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
    consultation: Consultation = Depends(consultation_or_404),
) -> Stats:
    return await consultation_stats(db, consultation, lang)


@router.post(
    "/consultations/{slug}/status",
    response_model=ConsultationRow,
    responses=errors(400, 404, 409),
    summary="Launch, pause, resume or close a consultation",
)
async def change_status(
    slug: str,
    body: StatusChange,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
    content: ContentCache = Depends(content_cache),
    consultation: Consultation = Depends(consultation_or_404),
) -> ConsultationRow:
    allowed_from, target = TRANSITIONS[body.action]
    if consultation.status not in allowed_from:
        raise conflict(
            "invalid_transition",
            f"cannot {body.action} a consultation that is {consultation.status}",
            consultation_status=consultation.status,
        )
    consultation.status = target
    await db.commit()
    content.consultation_changed(slug)
    await on_status_changed(db, consultation)  # closing queues the final results digest (api/broadcast)
    participants = await count(
        db, select(func.count()).select_from(Enrolment).where(Enrolment.consultation_id == consultation.id)
    )
    return _row(consultation, participants, lang)


# ---- preview: every screen a participant can meet, in order, nothing recorded ---------------------


@router.get(
    "/consultations/{slug}/preview",
    response_model=PreviewOut,
    responses=errors(404),
    summary="One screen of a consultation as a participant sees it; nothing is recorded",
)
async def preview(
    position: int = Query(default=0, ge=0, le=10_000),
    lang: str | None = None,
    db: AsyncSession = Depends(session),
    consultation: Consultation = Depends(consultation_or_404),
) -> PreviewOut:
    return await preview_step(db, consultation, position, lang)


# ---- the deep link and its QR code --------------------------------------------------------------------


@router.get(
    "/consultations/{slug}/link",
    response_model=LinkOut,
    responses=errors(400, 404),
    summary="The deep link that opens the consultation in the bot (with an optional outreach source)",
)
async def link(
    bot: str = Query(description="The bot's username, without @"),
    source: str | None = Query(default=None, description="Outreach source recorded on enrolment"),
    lang: str | None = LANG,
    consultation: Consultation = Depends(consultation_or_404),
) -> LinkOut:
    start = payload(consultation.slug, source)
    url = deep_link(bot, start)
    query = f"bot={bot}" + (f"&source={source}" if source else "")
    return LinkOut(
        slug=consultation.slug,
        title=title(consultation, lang),
        status=consultation.status,
        payload=start,
        url=url,
        qr_png=f"/organiser/consultations/{consultation.slug}/qr.png?{query}",
    )


@router.get(
    "/consultations/{slug}/qr.png",
    response_class=Response,
    summary="The deep link as a QR code (PNG)",
    responses={**errors(400, 404), 200: {"content": {"image/png": {}}}},
)
async def link_qr(
    bot: str, source: str | None = None, consultation: Consultation = Depends(consultation_or_404)
) -> Response:
    url = deep_link(bot, payload(consultation.slug, source))
    return Response(qr_png(url), media_type="image/png", headers={"Cache-Control": "no-store"})


# ---- moderation of citizen proposals ---------------------------------------------------------------


@router.get(
    "/moderation/next",
    response_model=moderation.ModerationQueue,
    responses=errors(404),
    summary="The oldest proposal waiting for moderation, in one consultation or in all",
)
async def moderation_next(
    slug: str | None = None,
    after: int | None = Query(default=None, ge=0),
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> moderation.ModerationQueue:
    return await moderation.next_pending(db, slug, after, lang)


@router.post(
    "/proposals/{proposal_id}/accept",
    response_model=moderation.Decision,
    responses=errors(404, 409),
    summary="Accept a citizen proposal into the pool; says whom to notify",
)
async def accept_proposal(
    proposal_id: int, registry: SelectionRegistry = Depends(selection_registry), db: AsyncSession = Depends(session)
) -> moderation.Decision:
    return await moderation.decide(db, registry, proposal_id, accept=True)


@router.post(
    "/proposals/{proposal_id}/reject",
    response_model=moderation.Decision,
    responses=errors(400, 404, 409),
    summary="Reject a citizen proposal with a reason; says whom to notify",
)
async def reject_proposal(
    proposal_id: int,
    body: moderation.RejectIn,
    registry: SelectionRegistry = Depends(selection_registry),
    db: AsyncSession = Depends(session),
) -> moderation.Decision:
    return await moderation.decide(db, registry, proposal_id, accept=False, reason=body.reason)


# ---- who is an organiser --------------------------------------------------------------------------------


@router.get(
    "/access/{telegram_id}",
    response_model=AccessOut,
    summary="May this Telegram user run consultations? Organisers ask about themselves, owners about anyone",
)
async def access(
    telegram_id: int,
    db: AsyncSession = Depends(session),
    settings: Settings = Depends(app_settings),
    actor: Actor = Depends(acting_organiser),
) -> AccessOut:
    if telegram_id != actor.telegram_id and not actor.owner:  # else probing ids would reveal the owners
        raise ApiError(403, "not_an_owner", "only an owner asks about someone else")
    person = await standing(db, settings, telegram_id)
    return AccessOut(telegram_id=telegram_id, organiser=person.organiser, owner=person.owner)


@router.get(
    "/organisers",
    response_model=list[OrganiserOut],
    summary="Configured and granted organisers (owners, and who granted whom, only to owners)",
)
async def organisers(
    db: AsyncSession = Depends(session),
    settings: Settings = Depends(app_settings),
    actor: Actor = Depends(acting_organiser),
) -> list[OrganiserOut]:
    configured = list(dict.fromkeys([*settings.owners, *settings.admins]))
    out = [
        OrganiserOut(telegram_id=i, source="configured", owner=i in settings.owners)
        for i in configured
        if actor.owner or i not in settings.owners
    ]
    rows = (await db.execute(select(Organiser).order_by(Organiser.granted_at))).scalars()
    out += [
        OrganiserOut(
            telegram_id=o.telegram_id,
            source="granted",
            granted_by=o.granted_by if actor.owner else None,
            granted_at=o.granted_at,
        )
        for o in rows
        if o.telegram_id not in configured
    ]
    return out


@bot_router.get(
    "/organiser-menus",
    response_model=list[MenuOut],
    summary="Who gets the organiser commands in their chat's menu (the bot publishes them at startup)",
)
async def organiser_menus(
    db: AsyncSession = Depends(session), settings: Settings = Depends(app_settings)
) -> list[MenuOut]:
    """Every organiser, configured or granted, and whether they are an owner. No person acts at startup, so the
    bot's service token alone opens this: it names no more than that token could sign as anyway."""
    configured = list(dict.fromkeys([*settings.owners, *settings.admins]))
    granted = (await db.execute(select(Organiser.telegram_id).order_by(Organiser.granted_at))).scalars()
    return [MenuOut(telegram_id=i, owner=i in settings.owners) for i in configured] + [
        MenuOut(telegram_id=i) for i in granted if i not in configured
    ]


@router.post(
    "/organisers",
    response_model=OrganiserOut,
    status_code=201,
    responses={**errors(400), 200: {"model": OrganiserOut, "description": "Already an organiser"}},
    summary="An owner makes someone an organiser; the grant records the acting owner",
)
async def grant(
    body: GrantIn,
    response: Response,
    db: AsyncSession = Depends(session),
    settings: Settings = Depends(app_settings),
    actor: Actor = Depends(acting_owner),
) -> OrganiserOut:
    if body.telegram_id in settings.owners or body.telegram_id in settings.admins:
        response.status_code = 200
        return OrganiserOut(
            telegram_id=body.telegram_id, source="configured", owner=body.telegram_id in settings.owners
        )
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
    return OrganiserOut(
        telegram_id=existing.telegram_id,
        source="granted",
        granted_by=existing.granted_by,
        granted_at=existing.granted_at,
    )


@router.delete(
    "/organisers/{telegram_id}",
    response_model=RevokeOut,
    summary="An owner removes a granted organiser",
    dependencies=[Depends(acting_owner)],
    responses=errors(409),
)
async def revoke(
    telegram_id: int, db: AsyncSession = Depends(session), settings: Settings = Depends(app_settings)
) -> RevokeOut:
    if telegram_id in settings.owners or telegram_id in settings.admins:
        raise conflict(
            "configured",
            f"{telegram_id} is an organiser by configuration (VICHE_ADMINS / VICHE_OWNERS); remove it there",
        )
    existing = await db.get(Organiser, telegram_id)
    if existing is not None:
        await db.delete(existing)
        await db.commit()
    return RevokeOut(telegram_id=telegram_id, revoked=existing is not None)
