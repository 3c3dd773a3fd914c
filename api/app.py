"""The FastAPI application factory."""
from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import routes_delivery, routes_organiser, routes_participant, routes_privacy, routes_results, selection
from api.acting import document_both_credentials
from api.broadcast import routes as broadcast_routes
from api.docs_pages import install_docs
from api.errors import install_error_handlers
from api.opinion_groups import GroupsRefresher
from api.partner import install as install_partner_api
from core.settings import Settings, get_settings
from storage.db import Database


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the API. Pass ``db`` to share a database with the caller (tests, the bot process)."""
    settings = settings or get_settings()
    owns_db = db is None
    db = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.groups = GroupsRefresher(db).start()  # opinion groups follow the votes, in the background
        yield
        await app.state.groups.stop()
        if owns_db:
            await db.dispose()

    app = FastAPI(title="viche", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Public consultations inside Telegram: participant, organiser and partner API.")
    app.state.settings = settings
    app.state.db = db
    app.state.selection = selection.registry_for(db)  # live pair / proposal selectors (api/selection.py)
    install_error_handlers(app)
    install_docs(app)  # served from installed files: the pages work offline
    app.include_router(routes_participant.router)
    app.include_router(routes_organiser.router)
    app.include_router(routes_organiser.bot_router)
    app.include_router(routes_results.router)
    app.include_router(routes_privacy.router)
    app.include_router(routes_delivery.router)
    app.include_router(broadcast_routes.router)
    install_partner_api(app)
    document_both_credentials(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
