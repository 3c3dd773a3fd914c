"""What an operator watches of the API: a request id on every request (in its log lines and its response's
``X-Request-ID``), the requests counted by route and status, ``/metrics`` for Prometheus, and the probes
``/healthz`` (the process answers) and ``/readyz`` (the database answers and its schema is the newest)."""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import time

from alembic.script import ScriptDirectory
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import logs, metrics
from core.settings import Settings
from storage.db import Database
from storage.migrate import alembic_config

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode()
# Our own ids: this process's random prefix and a count, unique across replicas and ten times cheaper than a uuid4.
_PROCESS = secrets.token_hex(4)
_NUMBERS = itertools.count(1)
# A caller's id is kept when it looks like one (a proxy's, the bot's): anything else could forge log lines.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestObserver:
    """Pure ASGI (no BaseHTTPMiddleware: streaming exports stay streams): sets the request id for the log lines
    written while the request is served, returns it as a header, and counts the request once answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope["headers"] if name == _HEADER_KEY), b"").decode("latin-1")
        request_id = given if _SANE_ID.match(given) else f"{_PROCESS}-{next(_NUMBERS):x}"
        token = logs.request_id.set(request_id)
        started = time.perf_counter()
        status = 500  # unless the app answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            metrics.request_counter(getattr(route, "path", "unmatched"), status).inc()
            metrics.REQUEST_SECONDS.observe(time.perf_counter() - started)
            logs.request_id.reset(token)


def install_metrics(app: FastAPI, settings: Settings, db: Database | None = None) -> None:
    """``/metrics`` with ``Authorization: Bearer <VICHE_METRICS_TOKEN>``; without that setting it does not
    exist (404). On the served port rather than one of its own: one port to expose and proxy, and a token of its
    own, so that Prometheus never holds the service token, which can act for the bot."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        if token is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        if not metrics.scrape_allowed(request.headers.get("authorization"), token):
            return JSONResponse({"detail": "metrics need the VICHE_METRICS_TOKEN bearer token"}, status_code=401)
        if db is not None:
            pool = db.engine.sync_engine.pool
            checked_out = getattr(pool, "checkedout", None)
            metrics.DB_POOL_IN_USE.set(checked_out() if callable(checked_out) else 0)
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def install_probes(app: FastAPI, db: Database) -> None:
    head = _head_revision()

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """The process answers (a liveness probe: restart it when this fails)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """The database answers within 5 s and is at the newest migration (a readiness probe: send no traffic
        here while this fails)."""
        try:
            async with asyncio.timeout(5), db.engine.connect() as connection:
                found = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
        except Exception as error:  # noqa: BLE001 - unreachable, or never migrated (no alembic_version table)
            reason = f"database: {type(error).__name__}"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        if found != [head]:
            reason = f"database at revision {', '.join(found) or 'none'}, the code needs {head}: run viche db upgrade"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ok", "revision": head})
