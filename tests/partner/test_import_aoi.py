"""An All Our Ideas survey imported from its exports reports, for every idea, the wins, losses and score
(100·(W+1)/(W+L+2), rounded as the export rounds it) of the export's own ideas file."""

from __future__ import annotations

import csv
from decimal import Decimal

from sqlalchemy import func, select

from api.partner import formats
from storage.models import Consultation, PairPrompt, Participant, Proposal
from storage.models_partner import ImportedRef
from tests.partner.conftest import DATA, auth, csv_rows, new_key
from viche.importers.aoi import import_aoi

VOTES, IDEAS, NON_VOTES = DATA / "aoi_votes.csv", DATA / "aoi_ideas.csv", DATA / "aoi_non_votes.csv"


def read(path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


async def proposal_refs(db, slug: str) -> dict[str, str]:
    async with db.session() as s:
        cid = (await s.execute(select(Consultation.id).where(Consultation.slug == slug))).scalar_one()
        rows = await s.execute(
            select(ImportedRef.local_id, ImportedRef.external_id).where(
                ImportedRef.consultation_id == cid, ImportedRef.kind == "proposal"
            )
        )
        return dict(rows.all())


async def test_every_idea_keeps_its_wins_losses_and_score(partner, db):
    result = await import_aoi(db, VOTES, IDEAS, non_votes=NON_VOTES)
    assert result.check["ok"], result.check
    assert result.check["checked"] == 7 and result.slug == "aoi-970"

    key = await new_key(db, result.slug)
    exported = csv_rows(
        (await partner.get(f"/v1/consultations/{result.slug}/export/aoi/ideas.csv", headers=auth(key))).text
    )
    ideas = {row["Idea ID"]: row for row in read(IDEAS)}
    refs = await proposal_refs(db, result.slug)
    assert len(exported) == len(ideas)
    for row in exported:
        original = ideas[refs[row["Idea ID"]]]
        assert row["Idea Text"] == original["Idea Text"]
        assert (row["Wins"], row["Losses"]) == (original["Wins"], original["Losses"])
        assert row["Times involved in Cant Decide"] == original["Times involved in Cant Decide"]
        decimals = len(original["Score"].partition(".")[2])
        wins, losses = int(row["Wins"]), int(row["Losses"])
        assert formats.aoi_score(wins, losses, decimals) == Decimal(original["Score"])
        assert row["Score"] == str(formats.aoi_score(wins, losses))  # our export: four decimals
        assert row["User Submitted"] == original["User Submitted"] and row["Active"] == original["Active"]
        assert (row["Session ID"] != "") == (original["User Submitted"] == "TRUE")


async def test_the_ranking_reports_the_same_wins_losses_and_score(partner, db):
    result = await import_aoi(db, VOTES, IDEAS, non_votes=NON_VOTES)
    key = await new_key(db, result.slug)
    response = await partner.get(f"/v1/consultations/{result.slug}/ranking", headers=auth(key))
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["kind"] == "pairs" and item["key"] == "ideas"
    ideas = {row["Idea ID"]: row for row in read(IDEAS)}
    refs = await proposal_refs(db, result.slug)
    assert len(item["ranking"]) == len(ideas)
    for row in item["ranking"]:
        original = ideas[refs[str(row["proposal"])]]
        assert (row["wins"], row["losses"]) == (int(original["Wins"]), int(original["Losses"]))
        assert row["text"] == original["Idea Text"]
        # The ranking rounds All Our Ideas' score to 2 decimals; the file to 4 (or fewer).
        assert abs(row["aoi_score"] - float(original["Score"])) <= 0.005 + 1e-9
    assert [r["rank"] for r in item["ranking"]] == list(range(1, len(ideas) + 1))
    results = (await partner.get(f"/v1/consultations/{result.slug}/results", headers=auth(key))).json()
    assert results["items"][0]["comparisons"] == result.votes


async def test_votes_come_back_in_aoi_columns(partner, db):
    result = await import_aoi(db, VOTES, IDEAS, non_votes=NON_VOTES, slug="city-ideas", title="City ideas")
    key = await new_key(db, "city-ideas")
    valid = [r for r in read(VOTES) if r["Valid"] == "TRUE"]
    response = await partner.get("/v1/consultations/city-ideas/export/aoi/votes.csv", headers=auth(key))
    assert response.text.splitlines()[0].split(",") == formats.AOI_VOTES_COLUMNS
    votes = csv_rows(response.text)
    assert len(votes) == len(valid) == result.votes
    refs = await proposal_refs(db, "city-ideas")
    key_of = lambda r: (refs[r["Winner ID"]], refs[r["Loser ID"]], r["Created at"])  # noqa: E731
    assert sorted(map(key_of, votes)) == sorted((r["Winner ID"], r["Loser ID"], r["Created at"]) for r in valid)
    texts = {row["Idea ID"]: row["Idea Text"] for row in read(IDEAS)}
    assert all(texts[refs[v["Winner ID"]]] == v["Winner Text"] for v in votes)
    skips = csv_rows(
        (await partner.get("/v1/consultations/city-ideas/export/aoi/non_votes.csv", headers=auth(key))).text
    )
    assert len(skips) == len(read(NON_VOTES)) and {s["Record Type"] for s in skips} == {"Skip"}
    assert {s["Reason"] for s in skips} <= {r["Reason"] for r in read(NON_VOTES)}

    async with db.session() as s:
        # The session that answered the same pair twice appears as two participants; nobody has a contact.
        assert await s.scalar(select(func.count()).select_from(PairPrompt)) == len(valid) + len(read(NON_VOTES))
        sessions = {r["Session ID"] for r in valid} | {r["Session ID"] for r in read(NON_VOTES)}
        authors = {r["Session ID"] for r in read(IDEAS) if r["User Submitted"] == "TRUE"}
        people = await s.scalar(select(func.count()).select_from(Participant))
        assert people >= len(sessions | authors)
        # The idea AOI had deactivated stays in the pool (the others' wins and losses count it) and is
        # remembered as inactive.
        assert set((await s.execute(select(Proposal.status))).scalars()) == {"accepted"}
        inactive = (await s.execute(select(ImportedRef.external_id).where(ImportedRef.kind == "inactive"))).all()
        assert inactive == [("25640",)]


async def test_a_differing_ideas_file_is_reported(db, tmp_path):
    rows = read(IDEAS)
    rows[2]["Wins"] = str(int(rows[2]["Wins"]) + 1)
    changed = tmp_path / "ideas.csv"
    with changed.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = await import_aoi(db, VOTES, changed)
    assert not result.check["ok"] and result.check["differences"][0]["idea"] == rows[2]["Idea ID"]
