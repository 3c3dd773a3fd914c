"""Webhook mode: POSTing queued updates to the bot's URL, as Telegram does after setWebhook.

Updates for one chat go one at a time and in order, while different chats proceed in parallel;
a failed delivery is retried a few times with a growing pause and then dropped, with the error
recorded for getWebhookInfo. For tests and benchmarks of several bot replicas behind one URL, ``upstreams``
stands for the reverse proxy: each attempt goes to the next replica in turn, and a share of the deliveries
(``duplicate_share``) is also sent, at the same moment, to another replica, as a delivery Telegram repeats.
A bot may answer a delivery with a method call in the response body
(aiogram does that when not handling in the background); it is executed like a normal call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sandbox.errors import BotAPIError
from sandbox.updates import UpdateQueue, update_type

if TYPE_CHECKING:  # imported on the first delivery: the sandbox of `viche run` starts without it (~0.2 s)
    import aiohttp

log = logging.getLogger(__name__)

Execute = Callable[[str, dict[str, Any]], Awaitable[Any]]


def _lane(update: dict[str, Any]) -> Any:
    """The chat an update belongs to: ordering is only promised within a chat."""
    body = update[update_type(update)]
    if not isinstance(body, dict):
        return None
    chat = body.get("chat") or (body.get("message") or {}).get("chat")
    if chat:
        return chat["id"]
    return (body.get("from") or {}).get("id")


class WebhookDelivery:
    def __init__(
        self,
        queue: UpdateQueue,
        execute: Execute,
        on_post: Callable[[], None],
        *,
        max_attempts: int = 5,
        first_retry_delay: float = 0.05,
    ) -> None:
        self.queue = queue
        self.execute = execute
        self.on_post = on_post
        """Called as each POST starts: a bot may act before it even answers the request."""
        self.max_attempts = max_attempts
        self.first_retry_delay = first_retry_delay
        self.url: str | None = None
        self.secret_token: str | None = None
        self.max_connections = 40
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered: deque[dict[str, Any]] = deque(maxlen=1000)
        """The most recent updates the receiver accepted."""
        self._lanes: dict[Any, deque[dict[str, Any]]] = {}
        """Each chat with updates to deliver, its updates in order: one at a time per chat, as Telegram delivers
        them. A chat is here exactly while it waits in ``_ready`` or is being delivered."""
        self._ready: asyncio.Queue[Any] = asyncio.Queue()
        """Chats with an update to deliver and none in flight, oldest first: the connections serve them in turn."""
        self._workers: list[asyncio.Task[None]] = []
        self._assigned: set[int] = set()
        self._client: aiohttp.ClientSession | None = None
        self.upstreams: list[str] = []
        """When set, where the deliveries go instead of ``url``, each attempt to the next in turn."""
        self.duplicate_share = 0.0
        """Share of deliveries also POSTed to the next upstream at the same moment (not waited for)."""
        self.duplicates = 0
        self.posting: dict[str, set[int]] = {}
        """Update ids being POSTed now, by address (which updates a replica was handling when it died)."""
        self._turn = 0
        self._random = random.Random(23)
        self._duplicates: set[asyncio.Task[None]] = set()

    @property
    def active(self) -> bool:
        return bool(self.url)

    @property
    def busy(self) -> bool:
        return bool(self._lanes)

    async def start(self, url: str, secret_token: str | None, max_connections: int | None) -> None:
        if self._workers and (url, secret_token or None, max_connections or 40) == (
            self.url,
            self.secret_token,
            self.max_connections,
        ):
            return  # registered again as it is (a replica restarting): the deliveries under way go on
        await self.stop()
        self.url = url
        self.secret_token = secret_token or None
        self.max_connections = max_connections or 40
        # One worker per connection, all serving one queue of chats: fair, whatever the number of chats.
        self._workers = [asyncio.create_task(self._serve()) for _ in range(self.max_connections)]
        self.pump()

    async def stop(self) -> None:
        self.url = None
        workers = list(self._workers) + list(self._duplicates)
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._workers.clear()
        self._lanes.clear()
        self._assigned.clear()
        self._ready = asyncio.Queue()

    async def aclose(self) -> None:
        await self.stop()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def pump(self) -> None:
        """Hand every queued update that no worker holds yet to its chat's worker."""
        if not self.active:
            return
        for update in self.queue.pending:
            if update["update_id"] in self._assigned:
                continue
            lane = _lane(update)
            self._assigned.add(update["update_id"])
            if lane not in self._lanes:
                self._lanes[lane] = deque()
                self._ready.put_nowait(lane)
            self._lanes[lane].append(update)

    async def _serve(self) -> None:
        while True:
            lane = await self._ready.get()
            updates = self._lanes[lane]
            update = updates[0]
            try:
                await self._deliver(update)
            except Exception:
                log.exception("delivering update %s failed", update["update_id"])
            updates.popleft()
            self._assigned.discard(update["update_id"])
            self.queue.remove(update["update_id"])
            if updates:
                self._ready.put_nowait(lane)  # its next update waits behind the chats already waiting
            else:
                del self._lanes[lane]

    async def _deliver(self, update: dict[str, Any]) -> bool:
        import aiohttp

        if self._client is None:
            # At most max_connections requests at once (one per worker), each worker keeping its connection open.
            # aiohttp rather than httpx: in the end-to-end benchmark httpx's pool bookkeeping made this fake, not
            # the bot, the bottleneck of an echo bot by webhook (~30 % of the fake's CPU).
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=60), connector=aiohttp.TCPConnector(limit=0)
            )
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret_token} if self.secret_token else {}
        for attempt in range(self.max_attempts):
            url = self._target()
            if url is None:
                return False
            if self.upstreams and len(self.upstreams) > 1 and self._random.random() < self.duplicate_share:
                self._duplicate(self._target(advance=False), update, headers)
            self.on_post()
            try:
                response, body = await self._post(url, update, headers)
            except (TimeoutError, aiohttp.ClientError) as error:
                reason = f"Connection failed: {type(error).__name__}"
            else:
                if 200 <= response.status < 300:
                    self.delivered.append(update)
                    await self._run_reply(body)
                    return True
                reason = f"Wrong response from the webhook: {response.status} {response.reason}"
            self.last_error_date = int(time.time())
            self.last_error_message = reason
            if attempt + 1 < self.max_attempts:
                await asyncio.sleep(min(self.first_retry_delay * 2**attempt, 2.0))
        log.warning(
            "dropping update %s after %d failed webhook deliveries: %s",
            update["update_id"],
            self.max_attempts,
            self.last_error_message,
        )
        return False

    async def _post(self, url: str, update: dict[str, Any], headers: dict[str, str]) -> tuple[Any, bytes]:
        """One POST; with upstreams, a replica that cannot be reached is passed over for the next one (as the
        proxy does, Caddy's ``lb_try_duration``), so a dead replica costs Telegram no attempt."""
        import aiohttp

        assert self._client is not None
        for _ in range(len(self.upstreams) or 1):
            try:
                return await self._post_once(url, update, headers)
            except aiohttp.ClientConnectorError:
                if not self.upstreams:
                    raise
                url = self._target() or url
        return await self._post_once(url, update, headers)

    async def _post_once(self, url: str, update: dict[str, Any], headers: dict[str, str]) -> tuple[Any, bytes]:
        assert self._client is not None
        posting = self.posting.setdefault(url, set())
        posting.add(update["update_id"])
        try:
            async with self._client.post(url, json=update, headers=headers) as response:
                return response, await response.read()
        finally:
            posting.discard(update["update_id"])

    def _target(self, advance: bool = True) -> str | None:
        if not self.upstreams or self.url is None:
            return self.url
        target = self.upstreams[self._turn % len(self.upstreams)]
        if advance:
            self._turn += 1
        return target

    def _duplicate(self, url: str | None, update: dict[str, Any], headers: dict[str, str]) -> None:
        """The same update to another replica, now, alongside the delivery it repeats."""
        self.duplicates += 1

        async def post() -> None:
            assert self._client is not None and url is not None
            try:
                response, body = await self._post_once(url, update, headers)
                if 200 <= response.status < 300:
                    await self._run_reply(body)
            except Exception as error:  # noqa: BLE001 - a repeat nobody waits for
                log.info("a duplicate delivery of update %s failed: %s", update["update_id"], error)

        task = asyncio.get_running_loop().create_task(post())
        self._duplicates.add(task)
        task.add_done_callback(self._duplicates.discard)

    async def _run_reply(self, content: bytes) -> None:
        try:
            body = json.loads(content)
        except ValueError:
            return
        if not isinstance(body, dict) or not isinstance(body.get("method"), str):
            return
        fields = {key: value for key, value in body.items() if key != "method"}
        try:
            await self.execute(body["method"], fields)
        except BotAPIError as error:
            # Telegram has nobody to report this to either.
            log.info("method %s from a webhook reply failed: %s", body["method"], error.description)
