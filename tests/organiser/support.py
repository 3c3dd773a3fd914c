"""Helpers of the organiser tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import SQLModel

from storage.models import Item

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "riverside.yaml"
SLUG = "riverside-2027"
ORGANISER = 900001  # VICHE_ADMINS and VICHE_OWNERS of the test settings


def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


async def upload(http, text: str, filename: str = "riverside.yaml"):
    return await http.post("/organiser/consultations", json={"content": text, "filename": filename})


async def item_id(db, key: str) -> int:
    async with db.session() as s:
        return (await s.execute(select(Item.id).where(Item.key == key))).scalar_one()


async def citizen_proposal(http, db, external_id: str, language: str, text: str, key: str = "ideas") -> int:
    """A citizen (Telegram id ``external_id``, interface language ``language``) submits a proposal."""
    participant = (
        await http.post("/participant/identify", json={"channel": "telegram", "external_id": external_id})
    ).json()
    pid = participant["id"]
    assert (await http.patch(f"/participant/{pid}", json={"language": language})).status_code == 200
    assert (await http.post(f"/participant/{pid}/consent", json={"slug": SLUG})).status_code == 200
    response = await http.post(
        f"/participant/{pid}/proposals", json={"item_id": await item_id(db, key), "text": text, "language": language}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def snapshot(db) -> dict:
    """Every table's rows, to prove that something changed nothing."""
    out = {}
    async with db.session() as s:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await s.execute(select(table))).all()
            out[table.name] = sorted(repr(tuple(row)) for row in rows)
    return out
