"""A partner's way to the results page: ``POST /v1/consultations/{slug}/page-link`` with their key answers a signed,
expiring link to ``/r/<slug>/partner`` (:mod:`api.pages.links`) that a browser opens without the key — to show the
figures in a meeting, print them, pass them to a colleague for a day.

The key must be allowed to read the consultation and its results must be releasable (the partner reads' rules,
:func:`api.partner.routes.released_consultation`). The page shows what the public page shows (no free texts), also
before it is published; it opens only while the key that made the link is still valid (a revoked key's links
stop working at once).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from api.pages import links
from api.pages.publishing import base_url
from api.partner.auth import PartnerKey, partner_key
from api.partner.routes import RELEASED_ERRORS, released_consultation
from storage.models import Consultation

router = APIRouter(prefix="/v1", tags=["partner"])


class PageLink(BaseModel):
    slug: str
    url: str = Field(description="The results page, signed for this key; opens in a browser without the key")
    expires_at: datetime

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "slug": "riverside-2027",
                    "url": "https://viche.example.org/r/riverside-2027/partner?key=12.1796300000.9f…",
                    "expires_at": "2026-12-03T08:00:00Z",
                }
            ]
        }
    }


@router.post(
    "/consultations/{slug}/page-link",
    response_model=PageLink,
    summary="A signed, expiring link to the consultation's results page",
    description="The link opens the results page (what the public page shows, also before it is published) in any "
    "browser, for 24 hours, while this key stays valid: a forged, expired or revoked one answers 403.",
    responses=RELEASED_ERRORS,
)
async def page_link(
    request: Request,
    key: PartnerKey = Depends(partner_key),
    consultation: Consultation = Depends(released_consultation),
) -> PageLink:
    settings = request.app.state.settings
    path = links.partner_path(consultation.slug)
    signed, expires = links.sign(settings.service_token, key.id, consultation.slug, path=path)
    return PageLink(
        slug=consultation.slug,
        url=f"{base_url(settings)}{path}?key={signed}",
        expires_at=datetime.fromtimestamp(expires, UTC),
    )
