"""The organisers' side of the results pages: publish or withdraw the public page, and get a private link.

Protected like the other organiser routes (the service token and an acting organiser, api/acting.py). The bot's
/publish and /dashboard call these; ``viche publish`` does the same from the command line.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api.acting import Actor, acting_organiser
from api.deps import consultation_or_404, require_service_token, session
from api.error_docs import ORGANISER, errors
from api.pages import links
from api.pages.publishing import base_url, public_url, set_published
from storage.models import Consultation

router = APIRouter(
    prefix="/organiser",
    tags=["organiser"],
    dependencies=[Depends(require_service_token), Depends(acting_organiser)],
    responses=ORGANISER,
)


class Publication(BaseModel):
    published: bool = Field(description="true: /r/<slug> is public; false: it answers 404 again")


class PublicationState(BaseModel):
    slug: str
    published: bool
    url: str = Field(description="The public page's address (404 while not published)")


class PrivateLink(BaseModel):
    slug: str
    url: str = Field(description="The organiser's private page, signed for the acting organiser")
    expires_at: datetime


@router.put(
    "/consultations/{slug}/published",
    response_model=PublicationState,
    summary="Publish (or withdraw) the public results page",
    responses=errors(400, 404),  # 400: a body that is not JSON at all (FastAPI cannot parse it)
)
async def publish(
    body: Publication,
    request: Request,
    consultation: Consultation = Depends(consultation_or_404),
    db: AsyncSession = Depends(session),
) -> PublicationState:
    await set_published(db, consultation, body.published)
    url = public_url(request.app.state.settings, consultation.slug)
    return PublicationState(slug=consultation.slug, published=consultation.published, url=url)


@router.get(
    "/consultations/{slug}/published",
    response_model=PublicationState,
    summary="Whether the public results page is published, and its address",
    responses=errors(404),
)
async def publication(request: Request, consultation: Consultation = Depends(consultation_or_404)) -> PublicationState:
    url = public_url(request.app.state.settings, consultation.slug)
    return PublicationState(slug=consultation.slug, published=consultation.published, url=url)


@router.post(
    "/consultations/{slug}/private-link",
    response_model=PrivateLink,
    summary="A signed, expiring link to the organiser's private results page",
    responses=errors(404),
)
async def private_link(
    request: Request,
    consultation: Consultation = Depends(consultation_or_404),
    actor: Actor = Depends(acting_organiser),
) -> PrivateLink:
    settings = request.app.state.settings
    key, expires = links.sign(settings.service_token, actor.telegram_id, consultation.slug)
    url = f"{base_url(settings)}{links.private_path(consultation.slug)}?key={key}"
    return PrivateLink(slug=consultation.slug, url=url, expires_at=datetime.fromtimestamp(expires, UTC))
