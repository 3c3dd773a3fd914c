"""Whether a consultation's results page is public (``Consultation.published``), and its addresses."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from storage.models import Consultation


async def set_published(session: AsyncSession, consultation: Consultation, published: bool) -> None:
    consultation.published = published
    session.add(consultation)
    await session.commit()


def base_url(settings: Settings) -> str:
    """Where people open the pages: VICHE_PUBLIC_URL, else the address the server listens on."""
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def public_url(settings: Settings, slug: str) -> str:
    return f"{base_url(settings)}/r/{slug}"
