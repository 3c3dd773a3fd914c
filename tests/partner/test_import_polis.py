"""A Polis open-data conversation imported, then exported again in Polis' columns, gives back exactly the
latest vote of each voter on each statement (Polis data: CC BY 4.0, The Computational Democracy Project;
see ../shared/data/polis/README.md)."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from api.partner import formats
from api.partner.pseudonym import Pseudonymizer, secret_for
from storage.models import Consultation, Contact, Enrolment, Participant, Proposal
from storage.models_partner import ImportedRef
from tests.partner.conftest import auth, csv_rows, new_key, polis_folder
from viche.importers import ImportError_
from viche.importers.polis import import_polis


def latest_from_file(folder) -> dict[tuple[str, str], tuple[int, int]]:
    rows = list(csv.DictReader((folder / "votes.csv").open(encoding="utf-8")))
    latest = {}
    for row in sorted(rows, key=lambda r: int(r["timestamp"])):
        latest[(row["voter-id"], row["comment-id"])] = (int(row["timestamp"]), int(row["vote"]))
    return latest


async def refs(db, slug: str, kind: str) -> dict[str, str]:
    async with db.session() as s:
        cid = (await s.execute(select(Consultation.id).where(Consultation.slug == slug))).scalar_one()
        rows = await s.execute(
            select(ImportedRef.local_id, ImportedRef.external_id).where(
                ImportedRef.consultation_id == cid, ImportedRef.kind == kind
            )
        )
        return dict(rows.all())


@pytest.mark.parametrize("name", ["15-per-hour-seattle", "scoop-hivemind.biodiversity"])
async def test_polis_round_trip_gives_back_the_latest_votes(partner, db, name):
    folder = polis_folder(name)
    result = await import_polis(db, folder)
    expected = latest_from_file(folder)
    assert result.votes == len(expected)

    key = await new_key(db, result.slug)
    response = await partner.get(f"/v1/consultations/{result.slug}/export/polis/votes.csv", headers=auth(key))
    assert response.status_code == 200
    assert response.text.splitlines()[0] == "timestamp,datetime,comment-id,voter-id,vote"
    exported = csv_rows(response.text)

    # Back to Polis' own ids: pseudonym → participant → voter id, proposal → comment id.
    voters, comments = await refs(db, result.slug, "participant"), await refs(db, result.slug, "proposal")
    async with db.session() as s:
        pseudonym = Pseudonymizer(await secret_for(s), result.slug)
    voter_of = {pseudonym(pid): voter for pid, voter in voters.items()}
    assert len(voter_of) == len(voters)
    got = {
        (voter_of[r["voter-id"]], comments[r["comment-id"]]): (int(r["timestamp"]), int(r["vote"])) for r in exported
    }
    assert len(got) == len(exported)
    assert got == expected

    # The matrix Polis itself published (participants-votes.csv) agrees.
    matrix = list(csv.DictReader((folder / "participants-votes.csv").open(encoding="utf-8")))
    cells = {(row["participant"], c): int(v) for row in matrix for c, v in row.items() if c.isdigit() and v != ""}
    assert cells == {k: v for k, (_, v) in got.items()}

    # The statements, in Polis' comments.csv columns, with their texts.
    statements = csv_rows(
        (await partner.get(f"/v1/consultations/{result.slug}/export/polis/comments.csv", headers=auth(key))).text
    )
    source = {r["comment-id"]: r for r in csv.DictReader((folder / "comments.csv").open(encoding="utf-8"))}
    # Statements Polis moderated out (-1) are stored rejected, and partners get accepted statements only.
    shown = {cid for cid, r in source.items() if r["moderated"] != "-1"}
    assert len(shown) < len(source)
    assert sorted(comments[row["comment-id"]] for row in statements) == sorted(shown)
    for row in statements:
        original = source[comments[row["comment-id"]]]
        assert row["comment-body"] == formats.csv_safe(original["comment-body"].strip())
        assert row["timestamp"] == original["timestamp"]
        assert row["moderated"] == "1"
        assert voter_of[row["author-id"]] == original["author-id"]


async def test_imported_participants_have_no_contact(db):
    result = await import_polis(db, polis_folder("15-per-hour-seattle"), slug="seattle")
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Contact)) == 0
        assert await s.scalar(select(func.count()).select_from(Participant)) == result.participants == 339
        enrolments = (await s.execute(select(Enrolment.source, func.count()).group_by(Enrolment.source))).all()
        assert enrolments == [("polis", 339)]
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == "seattle"))).scalar_one()
        assert consultation.status == "closed" and consultation.title == {"en": "$15/hour"}
        assert await s.scalar(select(func.count()).select_from(Proposal)) == 54
    with pytest.raises(ImportError_, match="already exists"):
        await import_polis(db, polis_folder("15-per-hour-seattle"), slug="seattle")


async def test_a_broken_folder_is_a_clear_error(db, tmp_path):
    with pytest.raises(ImportError_, match="no folder"):
        await import_polis(db, tmp_path / "missing")
    (tmp_path / "comments.csv").write_text("timestamp,comment-id,comment-body\n1,0,Hello there\n")
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n2,7,1,1\n")
    with pytest.raises(ImportError_, match=r"missing from comments\.csv"):
        await import_polis(db, tmp_path, slug="broken")
    (tmp_path / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n2,0,1,2\n")
    with pytest.raises(ImportError_, match="is not 1, -1 or 0"):
        await import_polis(db, tmp_path, slug="broken")


def test_the_import_command(database_url, monkeypatch, capsys):
    from core import settings
    from viche.cli import main

    folder = polis_folder("15-per-hour-seattle")
    monkeypatch.setenv("VICHE_DATABASE_URL", database_url)
    settings.get_settings.cache_clear()
    try:
        slug = f"seattle-cli-{id(capsys) % 100000}"
        assert main(["import", "polis", str(folder), "--slug", slug]) == 0
        out = capsys.readouterr()
        assert (
            f"imported polis into consultation {slug!r} (closed): 339 participants, 54 proposals, 2872 votes" in out.out
        )
        assert "votes: 2872/2872 (100%)" in out.err
        assert main(["import", "polis", str(folder), "--slug", slug]) == 1
        assert "already exists" in capsys.readouterr().err
    finally:
        settings.get_settings.cache_clear()
