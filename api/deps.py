"""Shared route dependencies: the database session and the service token check."""
from __future__ import annotations

import hmac
from collections.abc import AsyncIterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import ApiError
from storage.db import Database

bearer = HTTPBearer(auto_error=False, description="The service token (VICHE_SERVICE_TOKEN).")


def database(request: Request) -> Database:
    return request.app.state.db


async def session(db: Database = Depends(database)) -> AsyncIterator[AsyncSession]:
    async with db.session() as s:
        yield s


def require_service_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> None:
    expected = request.app.state.settings.service_token
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "a valid service token is required (Authorization: Bearer …)")
