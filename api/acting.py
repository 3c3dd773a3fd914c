"""Who acts on an organiser route, checked by the API itself.

Every ``/organiser/...`` request names the acting person in a signed assertion (:mod:`core.assertion`); what that
person may do comes from the API's own records: ``VICHE_OWNERS``, ``VICHE_ADMINS`` and the grants in the
database. A caller holding only the service token and no valid assertion gets 401, a person who is not an
organiser 403, and whatever acts is recorded as that verified person (``granted_by`` of a grant).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, FastAPI, Request
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import session
from api.errors import ApiError
from core.assertion import HEADER, InvalidAssertion, verify
from core.settings import Settings
from storage.models_organiser import Organiser

actor_header = APIKeyHeader(
    name=HEADER,
    auto_error=False,
    scheme_name="ActingOrganiser",
    description="Who acts: '<telegram id>.<expires unix>.<hex HMAC-SHA256>' signed with VICHE_SERVICE_TOKEN over "
    "'viche-actor-v1\\n<id>\\n<expires>\\n<METHOD>\\n<path>' (see core/assertion.py), at most 5 minutes "
    "ahead. The bot signs it for the Telegram user behind each update.",
)


@dataclass(frozen=True)
class Actor:
    telegram_id: int
    organiser: bool
    owner: bool


async def standing(db: AsyncSession, settings: Settings, telegram_id: int) -> Actor:
    """What the API's own records say about this Telegram user."""
    owner = telegram_id in settings.owners
    organiser = owner or telegram_id in settings.admins or await db.get(Organiser, telegram_id) is not None
    return Actor(telegram_id=telegram_id, organiser=organiser, owner=owner)


async def acting_person(
    request: Request, value: str | None = Depends(actor_header), db: AsyncSession = Depends(session)
) -> Actor:
    """The verified person behind this request, organiser or not (401 without a valid assertion)."""
    settings = request.app.state.settings
    try:
        assertion = verify(settings.service_token, value, request.method, request.url.path)
    except InvalidAssertion as error:
        raise ApiError(401, "unauthorized_actor", str(error)) from None
    return await standing(db, settings, assertion.telegram_id)


async def acting_organiser(actor: Actor = Depends(acting_person)) -> Actor:
    if not actor.organiser:
        raise ApiError(
            403, "not_an_organiser", "only an organiser (VICHE_ADMINS, VICHE_OWNERS or granted by an owner) may do this"
        )
    return actor


async def acting_owner(actor: Actor = Depends(acting_organiser)) -> Actor:
    if not actor.owner:
        raise ApiError(403, "not_an_owner", "only an owner (VICHE_OWNERS) grants and revokes organisers")
    return actor


def document_both_credentials(app: FastAPI) -> None:
    """FastAPI lists each security dependency as a requirement of its own, which OpenAPI reads as "either one";
    the organiser routes need the service token *and* the assertion, so their OpenAPI says so."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    requirements = operation.get("security") or []
                    if any(actor_header.scheme_name in requirement for requirement in requirements):
                        operation["security"] = [
                            {name: scopes for requirement in requirements for name, scopes in requirement.items()}
                        ]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
