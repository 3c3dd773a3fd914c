"""Broadcast routes: organisers start digests and invitations and watch them; participants set preferences."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.acting import acting_organiser
from api.broadcast.outbox import create_digest, create_invitations, mark_reachable, preference, set_preference
from api.broadcast.store import broadcast_counts
from api.deps import consultation_or_404, require_service_token, session
from api.disclosure import BelowThreshold
from api.error_docs import ORGANISER, SERVICE, errors
from api.errors import conflict, not_found
from api.participant.access import require_participant
from storage.models import Consultation
from storage.models_broadcast import OPEN_STATES, Broadcast, Delivery

organiser = APIRouter(
    prefix="/organiser",
    tags=["organiser"],
    dependencies=[Depends(require_service_token), Depends(acting_organiser)],
    responses=ORGANISER,
)
participant = APIRouter(
    prefix="/participant", tags=["participant"], dependencies=[Depends(require_service_token)], responses=SERVICE
)
router = APIRouter()

ROUND_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
INT64 = 2**63 - 1
BroadcastId = Path(ge=1, le=2**31 - 1)


class BroadcastIn(BaseModel):
    round: str | None = Field(
        default=None,
        pattern=ROUND_PATTERN,
        description="Defaults: 'final' once closed, else 'update-<yyyymmdd>' (digests); "
        "'launch' (invitations). Nobody ever receives a round twice.",
    )
    organiser_chat_id: int | None = Field(
        default=None, ge=-INT64, le=INT64, description="Chat that gets a live progress message"
    )
    organiser_language: str | None = Field(default=None, max_length=8)


class BroadcastOut(BaseModel):
    id: int
    slug: str
    kind: str
    round: str
    status: str
    total: int
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    uncertain: int = 0
    remaining: int = 0
    eta_seconds: float | None = None
    created: bool = Field(default=False, description="False: nobody new to reach; this is the round's latest")
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _rate(request: Request) -> float:
    return float(getattr(request.app.state.settings, "broadcast_rate", 25.0) or 25.0)


def _out(broadcast: Broadcast, slug: str, counts: dict[str, int], rate: float, created: bool = False) -> BroadcastOut:
    remaining = sum(counts.get(state, 0) for state in OPEN_STATES)
    return BroadcastOut(
        id=broadcast.id,
        slug=slug,
        kind=broadcast.kind,
        round=broadcast.round,
        status=broadcast.status,
        total=broadcast.total,
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        unreachable=counts.get("unreachable", 0),
        skipped=counts.get("skipped", 0),
        uncertain=counts.get("uncertain", 0),
        remaining=remaining,
        eta_seconds=round(remaining / rate, 1) if broadcast.status == "running" and rate > 0 else None,
        created=created,
        created_at=broadcast.created_at,
        started_at=broadcast.started_at,
        finished_at=broadcast.finished_at,
    )


async def _answer(
    db: AsyncSession,
    request: Request,
    response: Response,
    consultation: Consultation,
    broadcast: Broadcast | None,
    created: bool,
) -> BroadcastOut:
    if broadcast is None:
        raise conflict(
            "no_recipients",
            f"nobody can receive this round of {consultation.slug!r} (no participant "
            "with a Telegram chat who has not opted out)",
        )
    response.status_code = 201 if created else 200
    counts = (await broadcast_counts(db, [broadcast.id]))[broadcast.id]
    return _out(broadcast, consultation.slug, counts, _rate(request), created)


@organiser.post(
    "/consultations/{slug}/digest",
    response_model=BroadcastOut,
    status_code=201,
    summary="Send the results digest to the consultation's participants",
    responses={
        **errors(
            400,
            404,
            409,
            meaning={
                409: "Nobody can receive it (`no_recipients`), the consultation is a draft (`draft`), "
                "or fewer participants answered than its min_segment_size (`below_threshold`, "
                "with `participants` and `needed`): no result goes out below it"
            },
        ),
        200: {"description": "Everyone was already queued for this round; its latest broadcast"},
    },
)
async def start_digest(
    slug: str,
    body: BroadcastIn,
    request: Request,
    response: Response,
    db: AsyncSession = Depends(session),
    consultation: Consultation = Depends(consultation_or_404),
) -> BroadcastOut:
    if consultation.status == "draft":
        raise conflict("draft", f"consultation {slug!r} is a draft: there are no results to send")
    try:
        broadcast, created = await create_digest(
            db,
            consultation,
            round_=body.round,
            organiser_chat_id=body.organiser_chat_id,
            organiser_language=body.organiser_language,
        )
    except BelowThreshold as below:
        raise below.api_error(slug) from None
    return await _answer(db, request, response, consultation, broadcast, created)


@organiser.post(
    "/consultations/{slug}/invite",
    response_model=BroadcastOut,
    status_code=201,
    summary="Invite people who took part in earlier consultations to this open one",
    responses={
        **errors(400, 404, 409, meaning={409: "Not open, or nobody can receive it"}),
        200: {"description": "Everyone was already invited in this round; its latest broadcast"},
    },
)
async def start_invitations(
    slug: str,
    body: BroadcastIn,
    request: Request,
    response: Response,
    db: AsyncSession = Depends(session),
    consultation: Consultation = Depends(consultation_or_404),
) -> BroadcastOut:
    if consultation.status != "open":
        raise conflict("not_open", f"consultation {slug!r} is {consultation.status}: invite once it is open")
    broadcast, created = await create_invitations(
        db,
        consultation,
        round_=body.round or "launch",
        organiser_chat_id=body.organiser_chat_id,
        organiser_language=body.organiser_language,
    )
    return await _answer(db, request, response, consultation, broadcast, created)


@organiser.get(
    "/broadcasts", response_model=list[BroadcastOut], summary="Running and finished broadcasts, newest first"
)
async def list_broadcasts(
    request: Request,
    slug: str | None = None,
    limit: int = Query(default=20, ge=1, le=200),
    db: AsyncSession = Depends(session),
) -> list[BroadcastOut]:
    query = (
        select(Broadcast, Consultation.slug)
        .join(Consultation, Consultation.id == Broadcast.consultation_id)
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    if slug:
        query = query.where(Consultation.slug == slug)
    rows = (await db.execute(query)).all()
    counts = await broadcast_counts(db, [b.id for b, _ in rows])
    return [_out(b, s, counts[b.id], _rate(request)) for b, s in rows]


@organiser.get("/broadcasts/{broadcast_id}", response_model=BroadcastOut, responses=errors(404))
async def get_broadcast(
    request: Request, broadcast_id: int = BroadcastId, db: AsyncSession = Depends(session)
) -> BroadcastOut:
    row = (
        await db.execute(
            select(Broadcast, Consultation.slug)
            .join(Consultation, Consultation.id == Broadcast.consultation_id)
            .where(Broadcast.id == broadcast_id)
        )
    ).first()
    if row is None:
        raise not_found("broadcast")
    broadcast, slug = row
    return _out(broadcast, slug, (await broadcast_counts(db, [broadcast.id]))[broadcast.id], _rate(request))


@organiser.post(
    "/broadcasts/{broadcast_id}/cancel",
    response_model=BroadcastOut,
    responses=errors(404),
    summary="Stop a running broadcast; whoever it has not reached yet is taken off its list",
)
async def cancel_broadcast(
    request: Request, broadcast_id: int = BroadcastId, db: AsyncSession = Depends(session)
) -> BroadcastOut:
    broadcast = await db.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise not_found("broadcast")
    if broadcast.status == "running":
        broadcast.status = "cancelled"
        # Never sent, so never received: a later broadcast of the same round may still reach them.
        await db.execute(delete(Delivery).where(Delivery.broadcast_id == broadcast.id, Delivery.state == "pending"))
        await db.commit()
    slug = (await db.get(Consultation, broadcast.consultation_id)).slug
    return _out(broadcast, slug, (await broadcast_counts(db, [broadcast.id]))[broadcast.id], _rate(request))


# ---- participants' preferences ------------------------------------------------------------------------


class MessagingOut(BaseModel):
    digests: bool
    stopped: bool
    unreachable: bool


class MessagingIn(BaseModel):
    digests: bool | None = None
    stopped: bool | None = None


class ReachableIn(BaseModel):
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)


@participant.get(
    "/{participant_id}/messaging",
    response_model=MessagingOut,
    responses=errors(404),
    summary="Whether the participant receives digests, and whether they stopped every message",
)
async def get_messaging(participant_id: str, db: AsyncSession = Depends(session)) -> MessagingOut:
    await require_participant(db, participant_id)
    pref = await preference(db, participant_id)
    return MessagingOut(digests=pref.digests, stopped=pref.stopped, unreachable=pref.unreachable_at is not None)


@participant.put("/{participant_id}/messaging", response_model=MessagingOut, responses=errors(400, 404))
async def put_messaging(participant_id: str, body: MessagingIn, db: AsyncSession = Depends(session)) -> MessagingOut:
    await require_participant(db, participant_id)
    pref = await set_preference(db, participant_id, digests=body.digests, stopped=body.stopped)
    return MessagingOut(digests=pref.digests, stopped=pref.stopped, unreachable=False)


@participant.post(
    "/messaging/reachable",
    status_code=204,
    responses=errors(400),
    summary="The person wrote to the bot: if they had blocked it, they can be messaged again",
)
async def reachable(body: ReachableIn, db: AsyncSession = Depends(session)) -> Response:
    await mark_reachable(db, body.channel, body.external_id)
    return Response(status_code=204)


router.include_router(organiser)
router.include_router(participant)
