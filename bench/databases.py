"""The benchmarks' PostgreSQL databases: made fresh for a run (dropped if there, created empty), dropped after."""

from __future__ import annotations

import os

from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

SERVER = os.environ.get("VICHE_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
"""The PostgreSQL server the benchmarks make their databases on (``--database-url`` / ``--postgresql``)."""


async def _admin(server_url: str | URL, *statements: str) -> None:
    engine = create_async_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def fresh_database(server_url: str | URL, name: str) -> str:
    """The database ``name`` on the server of ``server_url``, empty (dropped first if it was there): its URL."""
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def reset_database(url: str) -> str:
    """The database ``url`` names, dropped and created again empty (through the server's ``postgres`` database)."""
    target = make_url(url)
    return await fresh_database(target.set(database="postgres"), target.database)


async def drop_database(server_url: str | URL, name: str) -> None:
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
