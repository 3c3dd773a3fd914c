"""Telegram updates already handled in webhook mode, so that a re-delivered update counts once.

The webhook records updates only after their effects are committed, a batch at a time (``PUT
/delivery/updates/{bot_id}``), and asks about an update only when its own memory cannot tell.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import require_service_token, session
from api.error_docs import SERVICE, errors
from storage.models import utcnow
from storage.models_webhook import ProcessedUpdate
from storage.rows import insert_ignoring_duplicates

router = APIRouter(
    prefix="/delivery", tags=["delivery"], dependencies=[Depends(require_service_token)], responses=SERVICE
)

BigId = Annotated[int, Path(ge=0, le=2**63 - 1)]  # a BIGINT column


class ProcessedOut(BaseModel):
    processed: bool


class LatestOut(BaseModel):
    update_id: int | None


class UpdatesIn(BaseModel):
    update_ids: list[Annotated[int, Field(ge=0, le=2**63 - 1)]] = Field(min_length=1, max_length=1000)


@router.get(
    "/updates/{bot_id}/latest",
    response_model=LatestOut,
    summary="The highest update id this bot has handled (None before the first)",
)
async def latest(bot_id: BigId, db: AsyncSession = Depends(session)) -> LatestOut:
    return LatestOut(
        update_id=await db.scalar(select(func.max(ProcessedUpdate.update_id)).where(ProcessedUpdate.bot_id == bot_id))
    )


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
async def record(bot_id: BigId, body: UpdatesIn, db: AsyncSession = Depends(session)) -> Response:
    now = utcnow()
    await db.execute(
        insert_ignoring_duplicates(db, ProcessedUpdate.__table__),
        [{"bot_id": bot_id, "update_id": u, "processed_at": now} for u in sorted(set(body.update_ids))],
    )
    await db.commit()
    return Response(status_code=204)
