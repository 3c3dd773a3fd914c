"""The HTTP face of FakeBotAPI: Telegram's URL layout and response envelope.

Routes, relative to wherever the app is mounted:
  ``GET|POST /bot{token}/{method}``   a Bot API call
  ``GET /file/bot{token}/{file_path}`` downloading a file found through getFile
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sandbox.errors import BotAPIError
from sandbox.request_body import read_call

if TYPE_CHECKING:
    from sandbox.fake_bot_api import FakeBotAPI

_UNAUTHORIZED = BotAPIError(401, "Unauthorized")


def _error(error: BotAPIError) -> JSONResponse:
    return JSONResponse(error.envelope(), status_code=error.status)


async def _client_gone(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        pass


def create_bot_api_app(api: FakeBotAPI) -> FastAPI:
    # Kept out of OpenAPI: this imitates Telegram, it is not part of viche's own API.
    app = FastAPI(title="Fake Telegram Bot API", openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/bot{token}/{method}", methods=["GET", "POST"])
    async def bot_method(token: str, method: str, request: Request) -> Response:
        if api.token is not None and token != api.token:
            return _error(_UNAUTHORIZED)
        try:
            fields, files = await read_call(request)
            if method.lower() == "getupdates":
                result = await _long_poll(api, request, method, fields)
            else:
                result = await api.call(method, fields, files)
        except BotAPIError as error:
            return _error(error)
        return JSONResponse({"ok": True, "result": result})

    @app.get("/file/bot{token}/{file_path:path}")
    async def download(token: str, file_path: str) -> Response:
        if api.token is not None and token != api.token:
            return _error(_UNAUTHORIZED)
        api.note_file_download()
        stored = api.files.by_path(file_path)
        if stored is None or stored.content is None:
            return _error(BotAPIError(404, "Not Found"))
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    return app


async def _long_poll(api: FakeBotAPI, request: Request, method: str, fields: dict[str, Any]) -> Any:
    """Run getUpdates, but give up as soon as the client hangs up.

    A bot that stops polling leaves its last long-poll behind; without this the server would hold
    that request, and its own shutdown, until the poll timeout ran out.
    """
    polling = asyncio.ensure_future(api.call(method, fields))
    gone = asyncio.ensure_future(_client_gone(request))
    try:
        await asyncio.wait({polling, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (gone, polling):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    if polling.cancelled():
        return []  # nobody is listening any more
    return polling.result()
