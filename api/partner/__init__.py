"""The partner API: read-only, keyed, versioned routes under ``/v1`` for the teams behind a consultation."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.partner.auth import PartnerError


def install(app: FastAPI) -> None:
    """Add the ``/v1`` routes and the error handler that sets their headers (WWW-Authenticate, Retry-After)."""
    from api.partner.export_routes import router as export_router
    from api.partner.routes import router

    @app.exception_handler(PartnerError)
    async def _partner_error(_: Request, exc: PartnerError) -> JSONResponse:
        body = {"error": {"status": exc.status, "code": exc.code, "message": exc.message, **exc.extra}}
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    app.include_router(router)
    app.include_router(export_router)
