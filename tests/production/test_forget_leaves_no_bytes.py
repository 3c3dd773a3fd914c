"""/forget on SQLite: a forgotten person's free-text answer is gone from the database's files, not only from its
tables. SQLite leaves a deleted row's bytes in the page's free space unless ``secure_delete`` is on, and the
page as it was before the deletion in the ``-wal`` file until a checkpoint copies the WAL back and truncates it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import make_url, select

from storage.db import is_sqlite
from storage.models import Item
from tests.production.test_privacy import example_in_english

CHAT = 6301
SECRET = "Tram stop by Kovalenko bakery, the man in the blue coat"


def file_bytes(database_url: str) -> bytes:
    path = Path(make_url(database_url).database)
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


async def test_a_forgotten_free_text_answer_is_in_neither_the_database_file_nor_its_wal(
    telegram, db, http, database_url
):
    if not is_sqlite(database_url):
        pytest.skip("about SQLite's files")
    slug, participant = await example_in_english(telegram, db, http, CHAT)
    t = telegram
    async with db.session() as s:
        item = (await s.execute(select(Item).where(Item.key == "anything_else"))).scalar_one()
    assert (await http.post(f"/participant/{participant['id']}/consent", json={"slug": slug})).status_code == 200
    answered = await http.post(f"/participant/{participant['id']}/answers", json={"item_id": item.id, "value": SECRET})
    assert answered.status_code == 200, answered.text
    assert SECRET.encode() in file_bytes(database_url)  # what the test looks for is there to be found

    await t.send(CHAT, "/forget")
    await t.press(CHAT, "Yes, delete")
    assert "Your data is deleted" in t.texts(CHAT)[-1]

    assert SECRET.encode() not in file_bytes(database_url)
