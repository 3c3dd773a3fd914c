"""The bot's in-process way into the API: one ASGI call per request, nothing else.

httpx's ASGI transport does the same through the whole of httpx's client (URL objects, cookie jar, auth and
redirect handling, response streams); with every button press going through the API that was ~8 % of the
bot's CPU. The request still passes through the FastAPI app with its middleware, routing, validation and
service-token check: exactly what a front end over HTTP gets.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from bot.backend_http import BackendResponse, json_body, query_string


class AsgiClient:
    """Requests straight into an ASGI app, with fixed headers (the service token) and a request's own (who acts)."""

    def __init__(self, app: Any, headers: dict[str, str], host: str = "viche.internal") -> None:
        self._app = app
        self._headers = [(b"host", host.encode())] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> BackendResponse:
        extra = headers
        headers = list(self._headers)
        if extra:
            headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        body = b""
        if json is not None:
            body = json_body(json)
            headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
        query = query_string(params)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method.upper(),
            "scheme": "http",
            "path": path,
            "raw_path": quote(path).encode(),
            "root_path": "",
            "query_string": query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 0),
            "server": ("viche.internal", 80),
            "extensions": {},
        }
        sent = False
        complete = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:  # a streaming response listens for the client leaving: not before it has everything
                await complete.wait()
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        response_headers: dict[str, str] = {}
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers.update(
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", ())
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self._app(scope, receive, send)
        finally:
            complete.set()
        return BackendResponse(status, b"".join(chunks), response_headers)

    async def aclose(self) -> None:
        return None
