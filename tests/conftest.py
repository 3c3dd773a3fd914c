"""Shared fixtures: a real database (SQLite file, or PostgreSQL via VICHE_TEST_DATABASE_URL), the real
API app, and the bot's real HTTP client for it."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from api.app import create_app
from bot.backend import Backend
from core.settings import Settings
from storage.consultations import save_definition
from storage.db import Database, is_sqlite
from storage.migrate import upgrade
from storage.tables import load_all
from viche.loading import DEMO_FILE, read_definition

SERVICE_TOKEN = "test-service-token"
load_all()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("VICHE_TEST_DATABASE_URL")
    if not configured or is_sqlite(configured):
        url = configured or f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    # A database of this run's own on the configured server, so that parallel runs never collide and the
    # migrations, not leftovers, define the tables; named after the configured one (whose owner it shows).
    server = make_url(configured)
    name = f"{server.database or 'viche_test'}_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(server, statement: str) -> None:
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


async def _empty_tables(db: Database) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    async with db.engine.begin() as conn:
        if is_sqlite(db.url):
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await _empty_tables(database)
    yield database
    await database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        service_token=SERVICE_TOKEN,
        admins=[900001],
        owners=[900001],
        default_language="uk",
        _env_file=None,
    )


@pytest.fixture
def api_app(settings: Settings, db: Database):
    return create_app(settings, db)


@pytest.fixture
async def backend(api_app) -> AsyncIterator[Backend]:
    client = Backend.in_process(api_app, SERVICE_TOKEN)
    yield client
    await client.close()


def acting_as(telegram_id: int, key: str = SERVICE_TOKEN):
    """httpx auth that signs every /organiser/... request as ``telegram_id`` (X-Viche-Actor, core/assertion.py),
    as the bot does for the sender of each update; a request that brings its own header keeps it."""
    import httpx

    from core import assertion

    class ActingAs(httpx.Auth):
        def auth_flow(self, request):
            if request.url.path.startswith("/organiser/") and assertion.HEADER not in request.headers:
                request.headers[assertion.HEADER] = assertion.sign(key, telegram_id, request.method, request.url.path)
            yield request

    return ActingAs()


@pytest.fixture
async def http(api_app) -> AsyncIterator:
    """A plain HTTP client for asserting on status codes and bodies; on the organiser routes it acts as the
    organiser and owner of the test settings (900001)."""
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        auth=acting_as(900001),
    ) as client:
        yield client


@pytest.fixture
async def demo(db: Database) -> str:
    """The demo consultation (uk, en), open."""
    async with db.session() as session:
        consultation = await save_definition(session, read_definition(DEMO_FILE), status="open")
    return consultation.slug


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def framework(request) -> str:
    """The Telegram framework the bot runs on: aiogram (``viche run``'s, the default) or python-telegram-bot
    (viche.ptb). A suite that must hold for both says ``pytestmark = every_framework`` (tests/harness.py): each
    of its tests runs once per framework, with the same expectations."""
    return getattr(request, "param", "aiogram")


@pytest.fixture
async def telegram(api_app, settings, framework):
    from tests.harness import running_bot

    async with running_bot(
        api_app, SERVICE_TOKEN, default_language="uk", settings=settings, framework=framework
    ) as harness:
        yield harness
