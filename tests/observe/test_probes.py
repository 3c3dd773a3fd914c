"""``/healthz`` says the process answers; ``/readyz`` that the database answers and is at the newest
migration (Alembic's head), so that an orchestrator sends no traffic to a process whose schema lags behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from sqlalchemy import text

from api.app import create_app
from core.settings import Settings
from storage.db import Database
from storage.migrate import downgrade, upgrade


async def _get(app, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        return await http.get(path)


async def test_ready_at_the_head_of_the_migrations(api_app):
    assert (await _get(api_app, "/healthz")).json() == {"status": "ok"}
    ready = await _get(api_app, "/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok", ready.text


async def test_not_ready_behind_the_migrations_or_without_a_database(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'behind.db'}"
    await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
    await asyncio.to_thread(downgrade, url, "-1")
    db = Database(url)
    try:
        app = create_app(Settings(database_url=url, _env_file=None), db)
        behind = await _get(app, "/readyz")
        assert behind.status_code == 503 and "viche db upgrade" in behind.json()["reason"], behind.text
        await db.engine.dispose()
        await asyncio.to_thread(upgrade, url)
        assert (await _get(app, "/readyz")).status_code == 200  # brought up to date: ready
        async with db.engine.begin() as connection:
            await connection.execute(text("DROP TABLE alembic_version"))
        never = await _get(app, "/readyz")
        assert never.status_code == 503 and never.json()["reason"].startswith("database:"), never.text
        assert (await _get(app, "/healthz")).status_code == 200  # alive all along: only not ready
    finally:
        await db.dispose()
