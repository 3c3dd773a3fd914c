"""A broadcast "something changed" signal for waiters on a single event loop."""

from __future__ import annotations

import asyncio


class ChangeSignal:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        # Swapping in a fresh event wakes every current waiter exactly once, without a clear() race.
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        """Wait for the next notify(); False if the timeout passed first."""
        if timeout <= 0:
            return False
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        return True
