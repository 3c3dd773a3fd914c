"""Webhook mode, the same for every framework: Telegram POSTs each update to a route of a FastAPI app (the API's
own, or the bot's when it runs apart). A framework supplies a :class:`Feeder` (aiogram: bot/webhook.py;
python-telegram-bot: viche/ptb/webhook.py); the rules are kept here once:

* Telegram sends the ``secret_token`` given to setWebhook in ``X-Telegram-Bot-Api-Secret-Token``; a request
  without the right one gets 401 (compared in constant time).
* The route answers 200 only after the dispatcher has finished with the update: every backend write it
  caused is committed and the replies are sent. A failure answers 500 (503 during an outage) and Telegram
  delivers the update again, so a crash or a database outage delays a vote instead of losing it.
* A repeated ``update_id`` is handled once: the process remembers the ids it handled, and records them as
  processed (through the backend, in ``processed_update``) after their effects are committed, a batch every
  ``RECORD_DELAY`` seconds (one request per update was ~15 % of the bot's work); a re-delivery of a handled
  update is only acknowledged. Should the process die between the effects and that record, a re-delivered
  update runs a second time; the backend's writes are idempotent (unique constraints), so it still counts
  once. The records left at shutdown are written by the dispatcher's shutdown hook. An update whose id
  cannot be Telegram's (not positive, or beyond 64 bits) is acknowledged and dropped, never recorded.
* Updates from one user are handled one at a time, in the order they arrive, whatever the number of
  parallel connections Telegram opens (a per-user lock); different users proceed in parallel.
* On a shared database (PostgreSQL, which the backend reports) any number of replicas may serve the same URL:
  each update is also claimed in the database before it is handled (``bot/claims.py``), so that a duplicate
  reaching another replica at the same moment is handled once, one person's updates are handled one at a time
  and in order across replicas, and a replica learns when the person's previous update was handled by another
  one: it then reads the person again instead of trusting what it remembers (a /forget made there is honoured
  at once). There each update is recorded as handled before the answer, not in a later batch: a duplicate
  waiting on another replica must not find the claim still open should this process die after answering.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from bot.backend import Backend
from bot.claims import ClaimedUpdates

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"
# Updates handled at once, whether they arrive by webhook or by polling: each holds at most one database
# connection at a time, and the pool keeps 30 open (storage.db.POOL_SIZE). Beyond this, updates wait (unbounded,
# a burst would exhaust the pool and fail with timeouts).
MAX_CONCURRENT_UPDATES = 20
# Parallel connections Telegram may open to the webhook.
MAX_CONNECTIONS = 40


def webhook_path(url: str) -> str:
    """The path the app serves for a public webhook URL: the URL's own path (a reverse proxy passes it on
    unchanged), or /telegram/webhook when the URL has none."""
    path = urlsplit(url).path.rstrip("/")
    return path or DEFAULT_PATH


def public_url(url: str) -> str:
    """The URL to register with Telegram: ``url`` with /telegram/webhook appended when it has no path."""
    parts = urlsplit(url)
    if parts.path.rstrip("/"):
        return url
    return parts._replace(path=DEFAULT_PATH).geturl()


class KeyedLocks:
    """One asyncio.Lock per key, alive only while someone holds or awaits it (no growth with users)."""

    def __init__(self) -> None:
        self._locks: dict[Any, list[Any]] = {}  # key -> [lock, holders and waiters]

    @asynccontextmanager
    async def hold(self, key: Any) -> AsyncIterator[None]:
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = [asyncio.Lock(), 0]
        entry[1] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


def sender_key(body: Any) -> Any:
    """Whose update this is, read from its JSON as Telegram sends it (the one field beside ``update_id``): its
    sender's id, else its chat's, else the update's own (no order to keep)."""
    if isinstance(body, dict):
        for field, event in body.items():
            if field == "update_id" or not isinstance(event, dict):
                continue
            sender = event.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return ("user", sender["id"])
            chat = event.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return ("chat", chat["id"])
    return ("update", body.get("update_id") if isinstance(body, dict) else None)


MAX_UPDATE_ID = 2**63 - 1
"""The largest id ``processed_update`` (a BIGINT) holds."""


def valid_update_id(update_id: int) -> bool:
    """The Bot API numbers updates with positive integers; the records hold signed 64-bit ones. An id outside
    both cannot be Telegram's, and recording it would fail forever (and block the ids batched with it)."""
    return 1 <= update_id <= MAX_UPDATE_ID


MAX_REMEMBERED_UPDATES = 100_000
RECORD_DELAY = 0.05
"""Seconds handled update ids wait to be recorded together."""
RETRY_DELAY = 1.0


class UpdateRecords:
    """Handled update ids, written to the backend in batches shortly after (write-behind)."""

    def __init__(self, backend: Backend, bot_id: int) -> None:
        self.backend = backend
        self.bot_id = bot_id
        self.claims: ClaimedUpdates | None = None
        """Told which updates are recorded (their claims end), on a shared database."""
        self.pending: list[int] = []
        self._task: asyncio.Task | None = None
        self._writing = asyncio.Lock()  # the timer's flush and the shutdown's must not take the same batch

    def add(self, update_id: int) -> None:
        self.pending.append(update_id)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._flush_after(RECORD_DELAY))

    async def _flush_after(self, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
            ok = await self.flush()
        finally:
            self._task = None
        if not ok and self.pending:  # the backend is away: try again a little later
            self._task = asyncio.get_running_loop().create_task(self._flush_after(RETRY_DELAY))

    async def flush(self) -> bool:
        """Write every pending id; False when the backend refused (they stay pending)."""
        async with self._writing:
            while self.pending:
                batch = self.pending[:1000]
                try:
                    await self.backend.record_updates(self.bot_id, batch)
                except Exception as error:  # noqa: BLE001 - kept, written by the next attempt
                    log.warning(
                        "recording %d handled updates failed (%s: %s); retrying",
                        len(batch),
                        type(error).__name__,
                        error,
                    )
                    del self.pending[:-MAX_REMEMBERED_UPDATES]  # bounded while the backend is away
                    return False
                del self.pending[: len(batch)]
                if self.claims is not None:
                    self.claims.recorded(batch)
            return True


class Feeder(Protocol):
    """A framework's side of the webhook: reading an update, and handling it to the end."""

    def parse(self, body: Any) -> Any | None:
        """The framework's update, or None for one it cannot read (a Bot API newer than it, or garbage)."""

    async def feed(self, update: Any, update_id: int, redelivered: bool) -> None:
        """Handle ``update`` to the end (replies sent, writes committed), raising what made it fail."""

    def is_transient(self, error: BaseException) -> bool: ...


class Remembers(Protocol):
    """What a front end remembers of people (bot/flows/known.py): dropped when another replica handled them last."""

    def forget(self, external_id: str) -> None: ...


class WebhookCore:
    def __init__(
        self,
        feeder: Feeder,
        bot_id: int,
        backend: Backend,
        secret: str,
        *,
        token: str = "",
        known: Remembers | None = None,
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret token")
        self.feeder = feeder
        self.bot_id = bot_id
        self.backend = backend
        self._secret = secret.encode()
        self.locks = KeyedLocks()
        self._handled: OrderedDict[int, None] = OrderedDict()
        """Update ids this process has handled (most recent ones): a repeat is answered without asking the backend."""
        self._floor: int | None = None
        """The highest update id handled before this process started. Telegram numbers updates in increasing
        order, so an id above it that this process has not handled is new: no backend round trip to ask."""
        self._forgotten_upto = -1
        """The highest id dropped from ``_handled``: at or below it, only the backend knows."""
        self._failed: OrderedDict[int, None] = OrderedDict()
        """Update ids answered with an error: when Telegram delivers one again, the handlers are told, so that
        a press whose vote was stored before the failure still gets its reply (see ParticipantFlow._record)."""
        self.slots = asyncio.Semaphore(MAX_CONCURRENT_UPDATES)
        self.records = UpdateRecords(backend, bot_id)
        self._token = token or str(bot_id)  # the key of the persons' hashes on claims (the bot's token)
        self.known = known
        self.claims: ClaimedUpdates | None = None
        """Set on the first update when the backend's database is shared by replicas."""
        self._mode_known = asyncio.Lock()

    async def close(self) -> None:
        """Write the handled update ids still pending, and end this process's claims (at shutdown)."""
        await self.records.flush()
        if self.claims is not None:
            await self.claims.close()

    async def handle(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return JSONResponse({"ok": False, "error": "unauthorized"}, status_code=401)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"ok": False, "error": "not JSON"}, status_code=400)
        update = self.feeder.parse(body)
        if update is None:
            # Delivering it again would not help: drop it.
            return JSONResponse({"ok": True, "ignored": True})
        update_id = body.get("update_id") if isinstance(body, dict) else None
        if not isinstance(update_id, int) or not valid_update_id(update_id):
            # Not Telegram's (ids are positive and fit 64 bits): acknowledged, so that it is not delivered again.
            log.warning("ignoring an update with an impossible update_id %s", update_id)
            return JSONResponse({"ok": True, "ignored": True})
        sender = sender_key(body)
        async with self.locks.hold(sender), self.slots:
            claimed = False
            try:
                if await self._already_handled(update_id):
                    return JSONResponse({"ok": True, "duplicate": True})
                redelivered = update_id in self._failed
                if self.claims is not None:
                    claim = await self.claims.claim(update_id, self.claims.person(sender))
                    if claim is None:  # handled by another replica
                        _remember(self._handled, update_id)
                        return JSONResponse({"ok": True, "duplicate": True})
                    claimed = True
                    redelivered = redelivered or claim["redelivered"]
                    if claim["moved"] and sender[0] == "user" and self.known is not None:
                        self.known.forget(str(sender[1]))  # read the person again: another replica had them
                await self.feeder.feed(update, update_id, redelivered)
                await self._record(update_id)
                self._failed.pop(update_id, None)
                forgotten = _remember(self._handled, update_id)
                if forgotten is not None:
                    self._forgotten_upto = max(self._forgotten_upto, forgotten)
            except Exception as error:
                _remember(self._failed, update_id)
                if claimed and self.claims is not None:
                    await self.claims.release(update_id)
                if self.feeder.is_transient(error):
                    log.warning(
                        "update %s: %s: %s; answering 503 for a re-delivery",
                        update_id,
                        type(error).__name__,
                        error,
                    )
                    return JSONResponse(
                        {"ok": False, "error": "unavailable"}, status_code=503, headers={"Retry-After": "1"}
                    )
                log.exception("update %s failed; answering 500 for a re-delivery", update_id)
                return JSONResponse({"ok": False, "error": "failed"}, status_code=500)
        return JSONResponse({"ok": True})

    async def _already_handled(self, update_id: int) -> bool:
        """What this process alone can tell; on a shared database, the claim tells the rest."""
        if update_id in self._handled:
            return True
        if self._floor is None:
            await self._learn_mode()
        if self.claims is not None:
            return False
        assert self._floor is not None
        if update_id > self._floor and update_id > self._forgotten_upto:
            return False
        return await self.backend.update_processed(self.bot_id, update_id)

    async def _record(self, update_id: int) -> None:
        """Alone, in a batch shortly after. Among replicas, before the answer: a duplicate waiting on another
        replica must not outlive this process with a claim still open (it would take it over after the lease
        and handle the update again), and the person's next update, wherever it lands, need not wait."""
        if self.claims is not None:
            try:
                await self.backend.record_updates(self.bot_id, [update_id])
                self.claims.recorded([update_id])
                return
            except Exception as error:  # noqa: BLE001 - the effects are committed: answered, recorded later
                log.warning("recording update %s failed (%s); in the next batch", update_id, type(error).__name__)
        self.records.add(update_id)

    async def _learn_mode(self) -> None:
        async with self._mode_known:
            if self._floor is not None:
                return
            latest = await self.backend.latest_update(self.bot_id)
            if latest["shared"]:
                self.claims = self.records.claims = ClaimedUpdates(self.backend, self.bot_id, self._token)
            self._floor = -1 if latest["update_id"] is None else latest["update_id"]


def _remember(ids: OrderedDict[int, None], update_id: int) -> int | None:
    """Add ``update_id``; the id dropped to stay within the bound, if any."""
    ids[update_id] = None
    if len(ids) > MAX_REMEMBERED_UPDATES:
        return ids.popitem(last=False)[0]
    return None


def mount_webhook(app: FastAPI, path: str, receiver: WebhookCore) -> None:
    """Serve ``receiver`` at POST ``path`` on ``app`` (kept out of the OpenAPI schema: Telegram's, not ours).

    First among the app's routes, and a plain Starlette route (it takes the request, nothing for FastAPI to
    solve): routes are matched in order, and FastAPI matches an included router by trying each of its routes, so
    behind the API's 104 routes every delivery paid for matching them all (0.19 ms of CPU against 0.03 ms first,
    in process; BENCHMARKS.md, "End to end", tenth session)."""
    app.router.add_route(path, receiver.handle, methods=["POST"], include_in_schema=False)
    routes = app.router.routes
    routes.insert(0, routes.pop())  # add_route has just marked the routes changed: the next request sees this order


def bot_id_of(token: str) -> int:
    """The bot's id, the part of its token before the colon (what Telegram's getMe would answer)."""
    return int(token.split(":", 1)[0])
