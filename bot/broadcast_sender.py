"""The broadcaster's two hot parts: a lean Bot API client, and a pacer that keeps sends under a sliding-window limit.

Lean client
    A broadcast makes the same two or three kinds of call thousands of times; going through aiogram's ``Bot`` costs
    about 1 ms of CPU per call (method models, form encoding of every field, pydantic models of the answer). Here a
    call is one JSON POST to ``{server}/bot{token}/{method}`` over one shared aiohttp session (kept-alive
    connections), and the answer's envelope is read directly: ``ok``/``result``, or ``error_code``,
    ``description`` and ``parameters.retry_after``. Uploads (a chart, once per language) go as multipart. The URL
    layout, the token and the timeout come from the aiogram ``Bot`` the rest of the bot uses, so a self-hosted Bot
    API server (``VICHE_TELEGRAM_API_URL``) is honoured the same way.

Pacer
    Telegram (and the fake Bot API in ``sandbox/faults.py``) refuses a send when ``limit`` sends were already
    counted in the last second, counting each one at some moment while its HTTP call is under way. The sender does
    not see that moment, only when it started a call and when the answer came back. The pacer therefore lets a new
    call start only while fewer than ``limit`` calls are *in flight or answered less than one second ago*. That is
    enough, whatever the server's or the network's delays (a server stalled for a second, then answering a backlog
    back to back): take any one-second window of the server's clock and the last call, k, to start among those
    counted in it. Each other one of them started before k and was counted after the window began, so when k
    started it was either in flight or answered less than a second before; the pacer had counted it, so there
    are at most ``limit`` of them, k included, and none is refused. The same rule with limit 1 per chat keeps
    the one-message-a-second-per-chat limit. The price is the round-trip time: in steady state each call
    occupies the window for one second plus its latency, so a pacer set to ``limit`` achieves
    ``limit / (1 + latency)`` — 99 % with 10 ms round trips.

    Within that, calls start on a schedule (one every ``1 / rate`` s, on the monotonic clock, at most ``burst``
    saved up) rather than all at once at the top of each second.
"""
from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from typing import Any

import aiohttp

#: Calls answered less than WINDOW + MARGIN seconds ago still count (the server's window is one second; the margin
#: covers the two processes reading the monotonic clock at slightly different moments).
WINDOW = 1.0
MARGIN = 0.002


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

    def __init__(self, url: str, *, timeout: float = 60.0, connections: int = 100) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, str] = {}

    @classmethod
    def for_bot(cls, bot: Any, **kwargs: Any) -> "BotApi":
        """The same server, token and timeout as an aiogram ``Bot``."""
        url = bot.session.api.api_url(token=bot.token, method="{method}")
        timeout = getattr(bot.session, "timeout", None)
        return cls(url, timeout=float(timeout) if isinstance(timeout, (int, float)) else 60.0, **kwargs)

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

    async def upload(self, method: str, fields: dict[str, Any], name: str, filename: str, content: bytes,
                     content_type: str = "application/octet-stream") -> Any:
        """A call with one file, as multipart (non-string fields JSON-encoded, the way Telegram reads forms)."""
        form = aiohttp.FormData(quote_fields=False)
        for key, value in fields.items():
            if value is not None:
                form.add_field(key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        form.add_field(name, content, filename=filename, content_type=content_type)
        return await self._post(method, data=form)

    async def _post(self, method: str, **kwargs: Any) -> Any:
        try:
            async with self._session_now().post(self._url(method), **kwargs) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
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
        raise _error(int(code), str(answer.get("description") or f"Error {code}"),
                     float(retry_after) if retry_after is not None else None)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


class Pacer:
    """When the next call may start: a schedule of ``rate`` calls a second, and at most ``rate`` (rounded down)
    calls in flight or answered within the last second (see the module's docstring for why that never exceeds the limit)."""

    def __init__(self, rate: float, burst: int = 1, clock=time.monotonic) -> None:  # noqa: ANN001
        self.rate, self.clock = rate, clock
        self.limit = max(1, math.floor(rate))  # calls in flight or answered within the last second
        self.interval = 1.0 / rate
        self.burst = max(1, burst)
        self.next_at = clock()  # when the next token of the schedule is due
        self.in_flight = 0
        self._answered: deque[float] = deque()

    def _expire(self, now: float) -> None:
        horizon = now - WINDOW - MARGIN
        answered = self._answered
        while answered and answered[0] <= horizon:
            answered.popleft()

    def available(self, now: float | None = None) -> int:
        """How many calls may start now."""
        now = self.clock() if now is None else now
        earliest = now - (self.burst - 1) * self.interval  # unused tokens are kept up to ``burst``
        if self.next_at < earliest:
            self.next_at = earliest
        if now < self.next_at:
            return 0
        self._expire(now)
        room = self.limit - self.in_flight - len(self._answered)
        # (The epsilon: a saved-up burst computed back from ``earliest`` is a whole number in floating point's
        # eyes only up to rounding; without it a full burst of 5 came out as 4.)
        return max(0, min(room, int((now - self.next_at) * self.rate + 1e-9) + 1))

    def wait(self, now: float | None = None) -> float | None:
        """Seconds until ``available()`` may be positive; None when only an answer can free the window."""
        now = self.clock() if now is None else now
        delay = max(0.0, self.next_at - now)
        self._expire(now)
        if self.in_flight + len(self._answered) >= self.limit:
            if not self._answered:
                return None
            delay = max(delay, self._answered[0] + WINDOW + MARGIN - now)
        return delay

    def started(self, count: int = 1) -> None:
        self.next_at += count * self.interval
        self.in_flight += count

    def answered(self, now: float | None = None) -> None:
        self.in_flight -= 1
        self._answered.append(self.clock() if now is None else now)

    def hold(self, until: float) -> None:
        """No call before ``until`` (a 429's retry_after); the schedule starts again from nothing then."""
        self.next_at = max(self.next_at, until)


class ChatSpacing:
    """At most one call per ``interval`` to any one chat, by the same rule as the pacer with a limit of 1: a chat
    is free once its last call was answered ``interval`` (plus the margin) ago."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.busy: set[int] = set()
        self.free_at: dict[int, float] = {}

    def ready(self, chat_id: int, now: float) -> bool:
        return chat_id not in self.busy and self.free_at.get(chat_id, 0.0) <= now

    def started(self, chat_id: int) -> None:
        self.busy.add(chat_id)

    def answered(self, chat_id: int, now: float) -> None:
        self.busy.discard(chat_id)
        self.free_at[chat_id] = now + self.interval + MARGIN
        if len(self.free_at) > 100_000:
            self.free_at = {chat: at for chat, at in self.free_at.items() if at > now}
