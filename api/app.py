"""The FastAPI application factory."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import routes_delivery, routes_privacy, routes_results
from api.acting import document_both_credentials
from api.broadcast import routes as broadcast_routes
from api.content_cache import ContentCache
from api.docs_pages import install_docs
from api.errors import install_error_handlers
from api.jury import participant_routes as jury_participant_routes
from api.jury import routes as jury_routes
from api.observe import RequestObserver, install_metrics, install_probes
from api.opinion_groups import GroupsRefresher
from api.organiser import routes as organiser_routes
from api.pages import organiser_routes as page_organiser_routes
from api.pages import partner_routes as page_partner_routes
from api.pages import routes as page_routes
from api.pages.memo import PageMemo
from api.participant import routes as participant_routes
from api.partner import install as install_partner_api
from api.report import routes as report_routes
from api.results import ResultsCache
from api.selection import SelectionRegistry
from core.settings import Settings, get_settings
from storage.db import Database


def create_app(settings: Settings | None = None, db: Database | None = None, *, refresh_groups: bool = True) -> FastAPI:
    """Build the API. Pass ``db`` to share a database with the caller (tests, the bot process).
    ``refresh_groups=False``: the opinion groups are refreshed elsewhere (``viche run`` and ``viche api`` leave
    it to the process that does the database's duties, ``viche/duties.py``: once per database, not per replica)."""
    settings = settings or get_settings()
    owns_db = db is None
    db = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # opinion groups follow the votes, in the background
        app.state.groups = GroupsRefresher(db).start() if refresh_groups else None
        yield
        if app.state.groups is not None:
            await app.state.groups.stop()
        if owns_db:
            await db.dispose()

    app = FastAPI(
        title="viche",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Public consultations inside Telegram: participant, organiser and partner API.",
    )
    app.state.settings = settings
    app.state.db = db
    # The app's caches, reached by routes through one dependency each (api/deps.py) and handed on from there.
    app.state.content = ContentCache(db.engine)  # consultations, items, options (api/content_cache.py)
    app.state.selection = SelectionRegistry(engine=db.engine)  # live pair / proposal selectors (api/selection.py)
    # computed results (api/results/cache.py); its change marker counts the selectors' events
    app.state.results_cache = ResultsCache(registry=app.state.selection)
    app.state.page_memo = PageMemo()  # built results pages, while the results they show stay the same
    install_error_handlers(app)
    app.add_middleware(RequestObserver)  # request ids in the logs, requests counted (api/observe.py)
    app.include_router(participant_routes.router)
    # Second: on a shared database the webhook claims and records every update through it (two requests an
    # update). Routes are matched in order: behind six routers, matching cost ~1 600 Python calls a request.
    app.include_router(routes_delivery.router)
    app.include_router(organiser_routes.router)
    app.include_router(organiser_routes.bot_router)
    app.include_router(jury_routes.router)
    app.include_router(jury_participant_routes.router)
    app.include_router(routes_results.router)
    app.include_router(routes_privacy.router)
    app.include_router(broadcast_routes.router)
    app.include_router(page_routes.router)  # the results pages, /r/<slug>
    app.include_router(page_organiser_routes.router)
    app.include_router(report_routes.router)  # the recommendations report
    install_partner_api(app)
    app.include_router(page_partner_routes.router)  # POST /v1/consultations/{slug}/page-link
    document_both_credentials(app)
    # After the API's routers (routes are matched in order): every bot request went past these four first.
    install_docs(app)  # served from installed files: the pages work offline
    install_probes(app, db)  # /healthz, /readyz
    install_metrics(app, settings, db)  # /metrics, with VICHE_METRICS_TOKEN
    return app
