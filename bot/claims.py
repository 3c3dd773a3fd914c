"""A webhook replica's claims on updates, when several replicas share one database (PostgreSQL).

Behind one URL, Telegram's deliveries (and its re-deliveries, and a proxy's retries) reach any replica, so what
one process remembers no longer tells whether an update was handled, nor whether the same person's previous
update is still being handled elsewhere. Before handling an update, a replica claims it through the backend
(``storage/update_claims.py`` holds the rules): "go" (the claim is ours and it is the person's turn), "wait"
(another replica handles this update, or an earlier one of the same person; asked again shortly, every
``FIRST_WAIT`` to ``MAX_WAIT`` seconds) or "handled" (acknowledged without handling). The claims held are
renewed every ``RENEW_EVERY`` seconds; a replica that dies stops renewing, and after the lease
(``storage.update_claims.LEASE``) another replica takes its updates over when Telegram delivers them again.

The person is named by a keyed hash of the sender (HMAC-SHA256 with the bot's token, which every replica of
the bot has): the database never holds a Telegram id for this.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from typing import Any

from bot.backend import Backend

log = logging.getLogger(__name__)

RENEW_EVERY = 2.0
FIRST_WAIT = 0.01
MAX_WAIT = 0.1
WAIT_LIMIT = 30.0
"""Seconds an update waits for its turn before it is answered 503 (Telegram delivers it again later)."""


class ClaimTimeout(TimeoutError):
    """The update's turn did not come within ``WAIT_LIMIT``: an outage rather than a bug."""


def person_key(token: str, sender: Any) -> int:
    """A 63-bit keyed hash of the sender key (``("user", id)`` …), the same in every replica of the bot."""
    digest = hmac.new(token.encode(), repr(sender).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class ClaimedUpdates:
    def __init__(self, backend: Backend, bot_id: int, token: str) -> None:
        self.backend = backend
        self.bot_id = bot_id
        self._token = token
        self.holder = secrets.token_hex(8)
        """This process's name on its claims: a restarted replica is a new holder."""
        self.held: set[int] = set()
        """Updates claimed and not yet recorded as handled: their leases are renewed."""
        self._renewer: asyncio.Task[None] | None = None

    def person(self, sender: Any) -> int:
        return person_key(self._token, sender)

    async def claim(self, update_id: int, person: int) -> dict[str, Any] | None:
        """Once it is this update's turn: the claim (``moved``: the person's previous update went to another
        replica; ``redelivered``: an earlier attempt failed or died), or None when it was handled already."""
        self.held.add(update_id)
        self._renew_soon()
        delay = FIRST_WAIT
        deadline = time.monotonic() + WAIT_LIMIT
        try:
            while True:
                answer = await self.backend.claim_update(self.bot_id, update_id, person, self.holder)
                if answer["state"] == "go":
                    return answer
                if answer["state"] == "handled":
                    self.held.discard(update_id)
                    return None
                if time.monotonic() + delay > deadline:
                    raise ClaimTimeout(f"update {update_id} waited {WAIT_LIMIT:.0f} s for its turn")
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_WAIT)
        except BaseException:
            await self.release(update_id)
            raise

    async def release(self, update_id: int) -> None:
        """Give the claim up (the handling failed): Telegram's re-delivery is handled at once, wherever it lands."""
        self.held.discard(update_id)
        try:
            await self.backend.release_claim(self.bot_id, update_id, self.holder)
        except Exception as error:  # noqa: BLE001 - the lease runs out instead
            log.warning("giving up the claim on update %s failed (%s); it lapses", update_id, type(error).__name__)

    def recorded(self, update_ids: list[int]) -> None:
        """These updates are recorded as handled: no lease to keep."""
        self.held.difference_update(update_ids)

    def _renew_soon(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(self._renew())

    async def _renew(self) -> None:
        while self.held:
            await asyncio.sleep(RENEW_EVERY)
            held = sorted(self.held)
            for start in range(0, len(held), 1000):
                try:
                    await self.backend.renew_claims(self.bot_id, held[start : start + 1000], self.holder)
                except Exception as error:  # noqa: BLE001 - tried again next second, before the lease runs out
                    log.warning("renewing %d claims failed (%s)", len(held), type(error).__name__)

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
