"""When the database is away, the API answers 503 and logs a warning; that warning must not carry what the
failed statement carried — a citizen's free-text proposal, their participant id."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import event

from api.app import create_app
from core.definition import ConsultationDef
from core.settings import Settings
from storage.consultations import save_definition
from storage.db import Database, is_sqlite
from storage.migrate import upgrade
from tests.conftest import SERVICE_TOKEN
from tests.production.test_database_faults import cut, restore
from viche.loading import DEMO_FILE

PROPOSAL = "Benches with shade along the riverside walk, near the old mill"


def _demo_taking_proposals() -> ConsultationDef:
    data = yaml.safe_load(DEMO_FILE.read_text("utf-8"))
    next(item for item in data["items"] if item["type"] == "proposal")["allow_citizen_proposals"] = True
    return ConsultationDef.model_validate(data)


async def _citizen(http: httpx.AsyncClient, slug: str) -> tuple[str, int]:
    """A consenting participant, and the demo's proposal item."""
    participant = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "8101"})).json()
    assert (await http.post(f"/participant/{participant['id']}/consent", json={"slug": slug})).status_code == 200
    screen = (await http.get(f"/participant/{participant['id']}/next", params={"slug": slug})).json()
    answer = {"item_id": screen["item"]["id"], "option_id": screen["options"][0]["id"]}
    assert (await http.post(f"/participant/{participant['id']}/answers", json=answer)).status_code == 200
    screen = (await http.get(f"/participant/{participant['id']}/next", params={"slug": slug})).json()
    assert screen["item"]["kind"] == "proposal"
    return participant["id"], screen["item"]["id"]


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )


def _assert_nothing_private(caplog: pytest.LogCaptureFixture, *private: str) -> None:
    warnings = [r for r in caplog.records if r.getMessage().startswith("database unavailable")]
    assert warnings, "the outage was not logged at all"
    logged = "\n".join(r.getMessage() + (str(r.exc_info) if r.exc_info else "") for r in caplog.records)
    for value in private:
        assert value not in logged, f"{value!r} is in the log:\n{logged}"


@pytest.fixture
def own_sqlite(tmp_path: Path) -> str:
    """A SQLite database of this test's own, which the test may break."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'away.db'}"
    upgrade(url)
    return url


async def _own_sqlite(url: str) -> tuple[str, Database, str]:
    db = Database(url)
    async with db.session() as session:
        consultation = await save_definition(session, _demo_taking_proposals(), status="open")
    return url, db, consultation.slug


async def test_a_proposal_that_cannot_be_stored_is_not_logged(own_sqlite, database_url, caplog):
    """The database turns read-only under the app (a disk remounted read-only): reads work, and the INSERT
    carrying the text fails."""
    if not is_sqlite(database_url):
        pytest.skip("SQLite's read-only mode (PostgreSQL: see the test below)")
    url, db, slug = await _own_sqlite(own_sqlite)
    app = create_app(Settings(database_url=url, service_token=SERVICE_TOKEN, _env_file=None), db)
    try:
        async with _client(app) as http:
            participant, item = await _citizen(http, slug)
            await db.engine.dispose()
            event.listen(
                db.engine.sync_engine, "connect", lambda connection, _: connection.execute("PRAGMA query_only = ON")
            )
            caplog.set_level(logging.WARNING)
            response = await http.post(
                f"/participant/{participant}/proposals", json={"item_id": item, "text": PROPOSAL, "language": "en"}
            )
        assert response.status_code == 503, response.text
        _assert_nothing_private(caplog, PROPOSAL, participant)
    finally:
        await db.dispose()


async def test_the_database_away_logs_no_participant_id(own_sqlite, tmp_path, database_url, db, caplog):
    """The whole database goes away (SQLite: its file is deleted; PostgreSQL: connections refused and killed)."""
    if is_sqlite(database_url):
        url, own, slug = await _own_sqlite(own_sqlite)
    else:
        url, own = database_url, db
        async with db.session() as session:
            slug = (await save_definition(session, _demo_taking_proposals(), status="open")).slug
    app = create_app(Settings(database_url=url, service_token=SERVICE_TOKEN, _env_file=None), own)
    try:
        async with _client(app) as http:
            participant, item = await _citizen(http, slug)
            caplog.set_level(logging.WARNING)
            if is_sqlite(url):
                os.remove(tmp_path / "away.db")
                await own.engine.dispose()  # connections open on the deleted file would still see it
            else:
                await cut(url)
            try:
                responses = [
                    await http.post(
                        f"/participant/{participant}/proposals",
                        json={"item_id": item, "text": PROPOSAL, "language": "en"},
                    ),
                    await http.get(f"/participant/{participant}/next", params={"slug": slug}),
                ]
            finally:
                if not is_sqlite(url):
                    await restore(url)
        assert [r.status_code for r in responses] == [503, 503], [r.text for r in responses]
        _assert_nothing_private(caplog, PROPOSAL, participant)
    finally:
        if own is not db:
            await own.dispose()
