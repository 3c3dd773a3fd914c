"""The bot's way into an API that runs apart (``VICHE_API_URL``): one aiohttp session, kept-alive connections.

httpx did the same at about half of the bot's CPU once every button press went over the network (its
connection pool's bookkeeping, and an import attempt per request to find out which async library runs it);
aiohttp is already what aiogram talks to Telegram with.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

from bot.backend_http import BackendResponse, json_body, query_string

TIMEOUT_SECONDS = 30.0


class RemoteClient:
    """Requests to ``base_url`` with fixed headers (the service token) and a request's own (who acts)."""

    def __init__(self, base_url: str, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> None:
        self._base = base_url.rstrip("/")
        self._headers = dict(headers)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made on first use: a session belongs to the event loop that runs it.
        self._session = aiohttp.ClientSession(
            headers=self._headers, timeout=self._timeout, json_serialize=None, raise_for_status=False
        )
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> BackendResponse:
        session = self._session if self._session is not None and not self._session.closed else self._open()
        query = query_string(params)
        url = self._base + quote(path) + (f"?{query}" if query else "")
        if json is not None:
            headers = {**(headers or {}), "Content-Type": "application/json"}
        body = json_body(json) if json is not None else None
        async with session.request(method, url, data=body, headers=headers) as response:
            content = await response.read()
            return BackendResponse(response.status, content, dict(response.headers))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
