"""One piece of work against the configured database, from a ``viche`` command: ``run_with_database``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.settings import get_settings
from storage.db import Database

T = TypeVar("T")


def run_with_database(
    work: Callable[[Database], Awaitable[T]], *, database_url: str | None = None, upgrade: bool = True
) -> T:
    """Bring the schema up to date (unless ``upgrade`` is False), open the database (``database_url``, by default
    the settings'), run ``work(db)`` in an event loop of its own, close the database, return what it returned."""
    url = database_url or get_settings().database_url
    if upgrade:
        from storage.migrate import upgrade as upgrade_schema  # Alembic: only for commands that touch the database

        upgrade_schema(url)

    async def go() -> T:
        db = Database(url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(go())
