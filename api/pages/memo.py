"""Built pages kept while what they were built from stays the same: the results cache's values, by identity.

A page of a large consultation is thousands of rows: building and rendering it takes longer than computing what it
shows takes to read from the results cache. So a page is built once per new value of the cache (a new computation
is a new object) and its HTML kept (one :class:`PageMemo` per app, ``app.state.page_memo``). When the results
change, a page that was quick to build (under :data:`INLINE_BUDGET`) is rebuilt in the request; an expensive one
is served as it was and rebuilt once in a worker thread — the same stale-while-revalidate as the results cache
(api/results/cache.py), whose values are themselves up to a few computations old.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from api.pages.model import Page

log = logging.getLogger("viche.pages")

INLINE_BUDGET = 0.1
"""Seconds: a page that took less to build is rebuilt inside the request that finds it out of date."""
MAX_PAGES = 32


@dataclass(frozen=True)
class Built:
    page: Page
    html: str
    sources: tuple[Any, ...]  # the values it was built from (compared by identity)
    seconds: float


class PageMemo:
    def __init__(self) -> None:
        self.pages: OrderedDict[Hashable, Built] = OrderedDict()
        self.builds = 0
        self._building: dict[Hashable, asyncio.Task] = {}

    async def get(self, key: Hashable, sources: tuple[Any, ...], build: Callable[[], tuple[Page, str]]) -> Built:
        """The page for ``key`` built from ``sources`` by ``build`` (run in a worker thread)."""
        kept = self.pages.get(key)
        if kept is not None and _same(kept.sources, sources):
            self.pages.move_to_end(key)
            return kept
        if kept is None or kept.seconds < INLINE_BUDGET:
            return await self._build(key, sources, build)
        if key not in self._building:
            task = asyncio.get_running_loop().create_task(self._build(key, sources, build))
            self._building[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return kept

    async def _build(self, key: Hashable, sources: tuple[Any, ...], build: Callable[[], tuple[Page, str]]) -> Built:
        started = time.perf_counter()
        page, html = await asyncio.to_thread(build)
        built = Built(page, html, sources, time.perf_counter() - started)
        self.builds += 1
        self.pages[key] = built
        self.pages.move_to_end(key)
        while len(self.pages) > MAX_PAGES:
            self.pages.popitem(last=False)
        return built

    def _finished(self, key: Hashable, task: asyncio.Task) -> None:
        self._building.pop(key, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("rebuilding a results page failed", exc_info=task.exception())

    async def drain(self) -> None:
        while self._building:
            await asyncio.gather(*list(self._building.values()), return_exceptions=True)


def _same(kept: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Results by identity (comparing megabytes would cost what the memo saves), the rest by value."""
    return len(kept) == len(now) and all(
        a is b or (not isinstance(a, dict) and a == b) for a, b in zip(kept, now, strict=True)
    )
