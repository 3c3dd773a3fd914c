"""Privacy routes: a participant's own data (export), forgetting them, and finding them without creating.

Service-token protected like every participant route; the bot calls them for /mydata and /forget.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import privacy, schemas
from api.content_cache import ContentCache
from api.deps import content_cache, require_service_token, session
from api.error_docs import SERVICE, errors
from api.errors import not_found
from api.participant.access import participant_out, require_participant
from storage.models import Contact, Participant

router = APIRouter(
    prefix="/participant", tags=["privacy"], dependencies=[Depends(require_service_token)], responses=SERVICE
)


class ForgetOut(BaseModel):
    forgotten: bool = True
    contacts_deleted: int
    answers: int
    votes: int
    pairs: int
    enrolments: int
    jury_pools: int = 0  # rows the participant had in juries' pools of volunteers
    budget_passes: int = 0  # budget checks passed (a phone number's keyed hash, an invitation code used)


@router.post(
    "/find",
    response_model=schemas.ParticipantOut,
    responses=errors(400, 404),
    summary="The participant behind a channel identity, without creating one (404 when unknown)",
)
async def find(
    body: schemas.IdentifyIn, content: ContentCache = Depends(content_cache), db: AsyncSession = Depends(session)
) -> schemas.ParticipantOut:
    participant = (
        await db.execute(
            select(Participant)
            .join(Contact, Contact.participant_id == Participant.id)
            .where(Contact.channel == body.channel, Contact.external_id == body.external_id)
        )
    ).scalar_one_or_none()
    if participant is None:
        raise not_found("participant")
    return await participant_out(content, participant)


@router.get(
    "/{participant_id}/export",
    response_model=dict[str, Any],
    responses=errors(404),
    summary="Everything stored about the participant, as one JSON document (/mydata)",
)
async def export(participant_id: str, db: AsyncSession = Depends(session)) -> dict[str, Any]:
    return await privacy.export(db, await require_participant(db, participant_id))


@router.post(
    "/{participant_id}/forget",
    response_model=ForgetOut,
    responses=errors(404),
    summary="Delete the participant's contact data and identity; anonymous answers stay in results",
)
async def forget(participant_id: str, db: AsyncSession = Depends(session)) -> ForgetOut:
    return ForgetOut(**await privacy.forget(db, await require_participant(db, participant_id)))
