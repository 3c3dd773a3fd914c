"""A participant's jury routes (``/participant/{id}/jury/{slug}...``): volunteering at the end of a consultation
(``api/jury/volunteering.py``) and answering a jury call (``api/jury/panel.py``). Each answers with the
participant's jury screen, in ``?lang=`` where the consultation has it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api import deps
from api.content_cache import ContentCache
from api.deps import content_cache, require_service_token, session
from api.error_docs import SERVICE, errors
from api.jury import panel, volunteering
from api.participant import access
from storage.db import Database
from storage.models import Consultation

router = APIRouter(
    prefix="/participant", tags=["participant"], dependencies=[Depends(require_service_token)], responses=SERVICE
)
LANG = Query(default=None, max_length=16, description="The reader's language")
Content = Annotated[ContentCache, Depends(content_cache)]
PATH = "/{participant_id}/jury/{slug}"


class JuryScreen(BaseModel):
    slug: str
    title: str
    status: str = Field(description="offer, question, confirm, volunteered, withdrawn or ended")
    time_zone: str | None = None
    dates: str
    place: str
    compensation: str
    questions: int
    answered: int
    question: dict[str, Any] | None = Field(
        default=None, description="The next category: index, key, text, explanation, options, optional"
    )
    answers: list[dict[str, Any]] = []
    seat: dict[str, Any] | None = Field(default=None, description="Once drawn: the seat's state and deadline")


class AnswerIn(BaseModel):
    category: int = Field(ge=0, le=100, description="The category's position in the definition")
    option: int | None = Field(default=None, ge=0, le=100, description="The option's position; null: rather not say")


class ReplyIn(BaseModel):
    accept: bool


class ReplyOut(BaseModel):
    outcome: str = Field(description="accepted, declined, or already_<state> when nothing changed")
    screen: JuryScreen


async def _consultation(participant_id: str, slug: str, content: ContentCache, db: AsyncSession) -> Consultation:
    await access.require_participant(db, participant_id)
    return await access.visible_consultation(content, slug)


@router.get(PATH, response_model=JuryScreen, responses=errors(404, 409), summary="The participant's jury screen")
async def jury_screen(
    participant_id: str, slug: str, content: Content, lang: str | None = LANG, db: AsyncSession = Depends(session)
) -> dict[str, Any]:
    consultation = await _consultation(participant_id, slug, content, db)
    return await volunteering.screen(db, consultation, participant_id, lang)


@router.post(PATH + "/begin", response_model=JuryScreen, responses=errors(404, 409), summary="Start volunteering")
async def begin(
    participant_id: str, slug: str, content: Content, lang: str | None = LANG, db: AsyncSession = Depends(session)
) -> dict[str, Any]:
    consultation = await _consultation(participant_id, slug, content, db)
    return await volunteering.begin(db, consultation, participant_id, lang)


@router.post(
    PATH + "/answer", response_model=JuryScreen, responses=errors(400, 404, 409, 422), summary="Answer one category"
)
async def answer(
    participant_id: str,
    slug: str,
    body: AnswerIn,
    content: Content,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
) -> dict[str, Any]:
    consultation = await _consultation(participant_id, slug, content, db)
    return await volunteering.answer(db, consultation, participant_id, body.category, body.option, lang)


@router.post(
    PATH + "/confirm", response_model=JuryScreen, responses=errors(404, 409), summary="May be contacted: join the pool"
)
async def confirm(
    participant_id: str, slug: str, content: Content, lang: str | None = LANG, db: AsyncSession = Depends(session)
) -> dict[str, Any]:
    consultation = await _consultation(participant_id, slug, content, db)
    return await volunteering.confirm(db, consultation, participant_id, lang)


@router.post(PATH + "/withdraw", response_model=JuryScreen, responses=errors(404, 409), summary="Leave the pool")
async def withdraw(
    participant_id: str, slug: str, content: Content, lang: str | None = LANG, db: AsyncSession = Depends(session)
) -> dict[str, Any]:
    consultation = await _consultation(participant_id, slug, content, db)
    return await volunteering.withdraw(db, consultation, participant_id, lang)


@router.post(
    PATH + "/reply", response_model=ReplyOut, responses=errors(400, 404, 409), summary="Accept or decline a seat"
)
async def reply(
    participant_id: str,
    slug: str,
    body: ReplyIn,
    content: Content,
    lang: str | None = LANG,
    db: AsyncSession = Depends(session),
    database: Database = Depends(deps.database),
) -> ReplyOut:
    consultation = await _consultation(participant_id, slug, content, db)
    outcome = await panel.reply(db, consultation, participant_id, body.accept)
    if outcome["outcome"] == "declined":
        assert consultation.id is not None
        panel.refill_soon(database, consultation.id)
    screen = await volunteering.screen(db, consultation, participant_id, lang)
    return ReplyOut(outcome=outcome["outcome"], screen=JuryScreen(**screen))
