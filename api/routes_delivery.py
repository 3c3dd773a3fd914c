"""Telegram updates already handled in webhook mode, so that a re-delivered update counts once.

The webhook records updates only after their effects are committed, a batch at a time (``PUT
/delivery/updates/{bot_id}``). One process alone (SQLite) asks about an update only when its own memory cannot
tell; replicas on a shared database claim each update first (``POST …/claims``, storage/update_claims.py), renew
the claims they hold (``POST …/leases``) and give up the claim of an update whose handling failed
(``DELETE …/claims/{update_id}``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import database, require_service_token, session
from api.error_docs import SERVICE, errors
from api.errors import ApiError
from storage import update_claims
from storage.db import Database, is_sqlite
from storage.models_webhook import ProcessedUpdate

router = APIRouter(
    prefix="/delivery", tags=["delivery"], dependencies=[Depends(require_service_token)], responses=SERVICE
)

BigId = Annotated[int, Path(ge=0, le=2**63 - 1)]  # a BIGINT column


class ProcessedOut(BaseModel):
    processed: bool


class LatestOut(BaseModel):
    update_id: int | None
    shared: bool
    """The database is a server other processes may share (PostgreSQL): replicas must claim each update."""


Holder = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.:-]+$")]


class ClaimIn(BaseModel):
    update_id: Annotated[int, Field(ge=0, le=2**63 - 1)]
    person: Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
    holder: Holder


class ClaimOut(BaseModel):
    state: update_claims.ClaimState
    moved: bool
    redelivered: bool


class LeasesIn(BaseModel):
    update_ids: list[Annotated[int, Field(ge=0, le=2**63 - 1)]] = Field(min_length=1, max_length=1000)
    holder: Holder


class LeasesOut(BaseModel):
    held: int


class UpdatesIn(BaseModel):
    update_ids: list[Annotated[int, Field(ge=0, le=2**63 - 1)]] = Field(min_length=1, max_length=1000)


@router.get(
    "/updates/{bot_id}/latest",
    response_model=LatestOut,
    summary="The highest update id this bot has handled (None before the first)",
)
async def latest(bot_id: BigId, db: AsyncSession = Depends(session)) -> LatestOut:
    return LatestOut(
        update_id=await db.scalar(select(func.max(ProcessedUpdate.update_id)).where(ProcessedUpdate.bot_id == bot_id)),
        shared=db.get_bind().dialect.name != "sqlite",
    )


@router.post(
    "/updates/{bot_id}/claims",
    response_model=ClaimOut,
    responses=errors(400, 409),
    summary="Claim an update for a replica and take its sender's turn (go), or be told to wait, or that it was handled",
)
async def claim(bot_id: BigId, body: ClaimIn, db: Database = Depends(database)) -> ClaimOut:
    if is_sqlite(db.url):
        raise ApiError(409, "not_shared", "claims are for replicas sharing a PostgreSQL database; this one is SQLite")
    outcome = await update_claims.claim(db.engine, bot_id, body.update_id, body.person, body.holder)
    return ClaimOut(state=outcome.state, moved=outcome.moved, redelivered=outcome.redelivered)


@router.post(
    "/updates/{bot_id}/leases",
    response_model=LeasesOut,
    responses=errors(400),
    summary="Renew a replica's claims on the updates it is still handling",
)
async def leases(bot_id: BigId, body: LeasesIn, db: AsyncSession = Depends(session)) -> LeasesOut:
    return LeasesOut(held=await update_claims.renew(db, bot_id, body.update_ids, body.holder))


@router.delete(
    "/updates/{bot_id}/claims/{update_id}",
    status_code=204,
    response_class=Response,
    responses=errors(400),
    summary="Give up a claim whose handling failed, so that Telegram's re-delivery is handled at once",
)
async def release(
    bot_id: BigId,
    update_id: BigId,
    holder: Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.:-]+$")],
    db: AsyncSession = Depends(session),
) -> Response:
    await update_claims.release(db, bot_id, update_id, holder)
    return Response(status_code=204)


@router.get(
    "/updates/{bot_id}/{update_id}", response_model=ProcessedOut, summary="Whether this bot already handled this update"
)
async def processed(bot_id: BigId, update_id: BigId, db: AsyncSession = Depends(session)) -> ProcessedOut:
    return ProcessedOut(processed=await db.get(ProcessedUpdate, (bot_id, update_id)) is not None)


@router.put(
    "/updates/{bot_id}",
    status_code=204,
    response_class=Response,
    responses=errors(400),
    summary="Record that this bot handled these updates (idempotent; up to 1 000 at once)",
)
async def record(bot_id: BigId, body: UpdatesIn, db: Database = Depends(database)) -> Response:
    await update_claims.record_handled(db, bot_id, body.update_ids)
    return Response(status_code=204)
