"""/docs (Swagger UI) and /redoc (ReDoc) that work without internet.

FastAPI's own pages load Swagger UI's and ReDoc's files from a CDN: offline, /docs was a blank page. Here the
files come from the installed ``fastapi-offline`` package (Swagger UI 5 and ReDoc 2, ~2.8 MB; it depends on
FastAPI only), served by the app itself under ``/docs-static``. Only its files are used, not its FastAPI
subclass.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/docs-static"
OWN_HOST_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:"
)
"""The pages' Content-Security-Policy: nothing from another host, whatever the bundled code asks for (ReDoc 2
always shows its logo from cdn.redoc.ly). The inline script is the pages' own start-up code."""
SWAGGER_PARAMETERS = {"validatorUrl": None}
"""Swagger UI would otherwise send the schema to validator.swagger.io for a badge."""


def install_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve the documentation pages on ``app`` (create it with ``docs_url=None, redoc_url=None``)."""
    static = resources.files("fastapi_offline") / "static"
    app.mount(STATIC_URL, StaticFiles(directory=str(static)), name="docs-static")
    oauth2_redirect = app.swagger_ui_oauth2_redirect_url

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _own_host_only(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=f"{root}{oauth2_redirect}" if oauth2_redirect else None,
                swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                swagger_ui_parameters={**(app.swagger_ui_parameters or {}), **SWAGGER_PARAMETERS},
            )
        )

    if oauth2_redirect:

        @app.get(oauth2_redirect, include_in_schema=False)
        async def swagger_ui_redirect() -> HTMLResponse:
            return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _own_host_only(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
                with_google_fonts=False,
            )
        )


def _own_host_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = OWN_HOST_ONLY
    return page
