"""Filters that stay on the event loop.

aiogram 3 runs a plain ``F`` expression (a magic filter) through ``asyncio.to_thread``, since its ``resolve``
is not a coroutine: a thread hop for every check of every update. ``Is(F....)`` checks the same expression
in the loop.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from magic_filter import MagicFilter


class Is(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: Any) -> bool:
        return bool(self.magic.resolve(event))
