"""The lean Bot API client of the delivery engine, and the errors it raises.

A broadcast makes the same two or three kinds of call thousands of times; going through aiogram's ``Bot`` costs
about 1 ms of CPU per call (method models, form encoding of every field, pydantic models of the answer). Here a
call is one JSON POST to ``{server}/bot{token}/{method}`` over one shared aiohttp session (kept-alive
connections), and the answer's envelope is read directly: ``ok``/``result``, or ``error_code``,
``description`` and ``parameters.retry_after``. Uploads (a chart, once per language) go as multipart. The URL
layout, the token and the timeout come from the aiogram ``Bot`` the rest of the bot uses, so a self-hosted Bot
API server (``VICHE_TELEGRAM_API_URL``) is honoured the same way.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp


class BotApiError(Exception):
    """A Bot API call that did not succeed. ``status`` is Telegram's ``error_code`` (or the HTTP status)."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {description}")
        self.status, self.description, self.retry_after = status, description, retry_after


class RetryAfter(BotApiError):
    """429: the whole bot must wait ``retry_after`` seconds."""


class Forbidden(BotApiError):
    """403: the user blocked the bot, or the account is gone."""


class BadRequest(BotApiError):
    """400: chat not found, bad parameters… — a retry would fail the same way."""


class ServerError(BotApiError):
    """5xx, or an answer that is not the Bot API's envelope: worth retrying later."""


class NetworkFailure(BotApiError):
    """No answer: connection refused or reset, timeout."""


_ERRORS: dict[int, type[BotApiError]] = {429: RetryAfter, 403: Forbidden, 400: BadRequest}


def _error(status: int, description: str, retry_after: float | None = None) -> BotApiError:
    kind = _ERRORS.get(status) or (ServerError if status >= 500 else BotApiError)
    return kind(status, description, retry_after)


class BotApi:
    """JSON calls to the Bot API over one shared aiohttp session. ``url`` has ``{method}`` where the method goes."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 60.0,
        connections: int = 100,
        borrow: Callable[[], Awaitable[aiohttp.ClientSession]] | None = None,
    ) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._borrow = borrow  # another client's session (an aiogram Bot's), closed by its owner, not here
        self._urls: dict[str, str] = {}

    @classmethod
    def for_bot(cls, bot: Any, **kwargs: Any) -> BotApi:
        """The same server, token and timeout as an aiogram ``Bot``."""
        url = bot.session.api.api_url(token=bot.token, method="{method}")
        timeout = getattr(bot.session, "timeout", None)
        return cls(url, timeout=float(timeout) if isinstance(timeout, (int, float)) else 60.0, **kwargs)

    @classmethod
    def sharing_bot(cls, bot: Any) -> BotApi:
        """As :meth:`for_bot`, over the aiogram ``Bot``'s own aiohttp session (its connections, closed with it)."""
        return cls.for_bot(bot, borrow=bot.session.create_session)

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
        return self._session

    def _url(self, method: str) -> str:
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = self.url.replace("{method}", method)
        return url

    async def call(self, method: str, payload: dict[str, Any]) -> Any:
        """Post ``payload`` as JSON; return the ``result``, or raise a ``BotApiError``."""
        body = json.dumps(payload, ensure_ascii=False).encode()
        return await self._post(method, data=body, headers={"Content-Type": "application/json"})

    async def upload(
        self,
        method: str,
        fields: dict[str, Any],
        name: str,
        filename: str,
        content: bytes,
        content_type: str = "application/octet-stream",
    ) -> Any:
        """A call with one file, as multipart (non-string fields JSON-encoded, the way Telegram reads forms)."""
        form = aiohttp.FormData(quote_fields=False)
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        form.add_field(name, content, filename=filename, content_type=content_type)
        return await self._post(method, data=form)

    async def _post(self, method: str, **kwargs: Any) -> Any:
        try:
            if self._borrow is not None:
                session = await self._borrow()
                kwargs["timeout"] = self.timeout
            else:
                session = self._session_now()
            async with session.post(self._url(method), **kwargs) as response:
                status, raw = response.status, await response.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise NetworkFailure(0, f"{type(error).__name__}: {error}") from error
        try:
            answer = json.loads(raw)
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except ValueError:
            raise _error(status if status >= 400 else 502, f"HTTP {status}, not a Bot API answer") from None
        if answer.get("ok"):
            return answer.get("result")
        parameters = answer.get("parameters") or {}
        retry_after = parameters.get("retry_after")
        code = answer.get("error_code") or status
        if code == 429 and retry_after is None:
            retry_after = 1
        raise _error(
            int(code),
            str(answer.get("description") or f"Error {code}"),
            float(retry_after) if retry_after is not None else None,
        )

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
