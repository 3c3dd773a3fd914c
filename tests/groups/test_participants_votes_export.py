"""A Polis conversation imported with `viche import polis` and exported again as participants-votes.csv gives back
Polis' own file: the same participants by the same ids, the same vote on every comment, and the same groups once
the group labels are matched (Polis data: CC BY 4.0, The Computational Democracy Project)."""

from __future__ import annotations

import asyncio
import csv

import httpx
import pytest
from sqlalchemy import select, update

from api.opinion_groups import recompute
from storage.models import Consultation
from storage.models_partner import ImportedRef
from tests.groups.conftest import CONVERSATIONS, agreement_with_polis, polis_folder
from tests.partner.conftest import auth, csv_rows, new_key
from viche.cli import main as viche_main


async def import_with_the_command(database_url, monkeypatch, folder, slug: str) -> None:
    """`viche import polis FOLDER --slug SLUG`, as an organiser runs it (in a thread: it runs its own loop)."""
    from core import settings

    monkeypatch.setenv("VICHE_DATABASE_URL", database_url)
    settings.get_settings.cache_clear()
    try:
        assert await asyncio.to_thread(viche_main, ["import", "polis", str(folder), "--slug", slug]) == 0
    finally:
        settings.get_settings.cache_clear()


async def comment_ids(db, consultation_id: int) -> dict[str, str]:
    async with db.session() as s:
        rows = await s.execute(
            select(ImportedRef.local_id, ImportedRef.external_id).where(
                ImportedRef.consultation_id == consultation_id, ImportedRef.kind == "proposal"
            )
        )
        return dict(rows.all())


async def export(api_app, db, slug: str) -> str:
    key = await new_key(db, slug)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as partner:
        response = await partner.get(f"/v1/consultations/{slug}/export/polis/participants-votes.csv", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.parametrize("name", CONVERSATIONS)
async def test_the_export_gives_back_polis_participants_votes(api_app, db, database_url, monkeypatch, name):
    folder = polis_folder(name)
    slug = "imported"
    await import_with_the_command(database_url, monkeypatch, folder, slug)
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == slug))).scalar_one()
    await recompute(db, consultation.id)
    text = await export(api_app, db, slug)
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
    ours = csv_rows(text)
    with (folder / "participants-votes.csv").open(encoding="utf-8") as handle:
        polis = list(csv.DictReader(handle))
    comment = await comment_ids(db, consultation.id)
    columns = [comment[c] for c in header[6:]]  # our proposal ids → Polis' comment ids
    polis_votes = {r["participant"]: {c: r[c] for c in columns if r[c] != ""} for r in polis}
    our_votes = {r["participant"]: {comment[c]: r[c] for c in header[6:] if r[c] != ""} for r in ours}
    # The same participants (those who voted on a published statement), by Polis' ids, with the same votes.
    assert our_votes == {p: v for p, v in polis_votes.items() if v}
    for row in ours:
        values = list(our_votes[row["participant"]].values())
        assert int(row["n-votes"]) == len(values) and int(row["n-agree"]) == values.count("1")
    # The same groups, once labels are matched.
    polis_groups = {r["participant"]: int(r["group-id"]) for r in polis if r["group-id"] != ""}
    our_groups = {r["participant"]: int(r["group-id"]) for r in ours if r["group-id"] != ""}
    assert len(set(our_groups.values())) == len(set(polis_groups.values()))
    assert agreement_with_polis(our_groups, polis_groups) >= 0.9


async def test_members_of_a_withheld_group_have_no_group_id(api_app, db, database_url, monkeypatch):
    folder = polis_folder("15-per-hour-seattle")
    await import_with_the_command(database_url, monkeypatch, folder, "small")
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == "small"))).scalar_one()
    row = await recompute(db, consultation.id)
    assert row.k == 2

    async def groups_shown(threshold: int) -> set[str]:
        async with db.session() as s:
            await s.execute(
                update(Consultation).where(Consultation.id == consultation.id).values(min_segment_size=threshold)
            )
            await s.commit()
        return {r["group-id"] for r in csv_rows(await export(api_app, db, "small"))} - {""}

    # Both groups hold the threshold: both shown. One below it: it is withheld, and one group alone is no
    # grouping (it would be compared with the withheld one alone), so no member carries a group.
    assert await groups_shown(min(row.sizes)) == {"0", "1"}
    assert await groups_shown(min(row.sizes) + 1) == set()
