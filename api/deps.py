"""Shared route dependencies: the database session, the service token check, the consultation a route's
``{slug}`` names, and the app's results cache.

A route that acts on one consultation takes it as ``consultation: Consultation = Depends(consultation_or_404)``
instead of looking the slug up itself: one lookup, one 404 (``not_found``, "consultation 'x' not found") for an
unknown slug, and the same request session the route's other dependencies get. The partner API narrows it further
(a key's scopes, drafts hidden: :func:`api.partner.auth.scoped_consultation`)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.content_cache import ContentCache
from api.errors import ApiError, not_found
from api.results import ResultsCache
from api.selection import SelectionRegistry
from storage.consultations import by_slug
from storage.db import Database
from storage.models import Consultation

log = logging.getLogger(__name__)
bearer = HTTPBearer(auto_error=False, description="The service token (VICHE_SERVICE_TOKEN).")


async def database(request: Request) -> Database:
    # async: a plain def dependency would run in a worker thread, a thread hop on every request.
    return request.app.state.db


async def content_cache(request: Request) -> ContentCache:
    """Consultations, items and options as every participant request reads them (api/content_cache.py)."""
    return request.app.state.content


async def selection_registry(request: Request) -> SelectionRegistry:
    """The live selectors of proposal and pair items (api/selection.py)."""
    return request.app.state.selection


async def session(db: Database = Depends(database)) -> AsyncIterator[AsyncSession]:
    s = db.sessions()
    try:
        yield s
    finally:
        await _close(s)


async def consultation_or_404(slug: str, db: AsyncSession = Depends(session)) -> Consultation:
    """The consultation named by the path's ``{slug}``, read in the request's session, or a 404."""
    consultation = await by_slug(db, slug)
    if consultation is None:
        raise not_found(f"consultation {slug!r}")
    return consultation


async def results_cache(request: Request) -> ResultsCache:
    """The app's results cache (``app.state.results_cache``, made by :func:`api.app.create_app`)."""
    return request.app.state.results_cache


async def _close(s: AsyncSession) -> None:
    """Closing runs after the response has started: a connection that died meanwhile (the database restarted,
    its connections were killed) must not turn a finished request into an error. Drop the connection instead;
    the pool opens a fresh one (pre-ping) next time."""
    try:
        await s.close()
    except Exception as error:  # noqa: BLE001
        log.warning("discarding a database connection that failed on close: %s: %s", type(error).__name__, error)
        try:
            await s.invalidate()
        except Exception:  # noqa: BLE001 - it is gone either way
            pass


async def require_service_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> None:
    expected = request.app.state.settings.service_token
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "a valid service token is required (Authorization: Bearer …)")
