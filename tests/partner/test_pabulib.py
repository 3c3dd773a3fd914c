"""A real Pabulib election imported (``viche import pabulib``) and counted with its city's rule funds exactly the
projects the city funded, seen through the partner results; exported again (``/export/pabulib.pb``) it gives
back the same projects, ballots and selection, and pabutools reads the file (Pabulib data: pabulib.org, see
../shared/data/pabulib/README.md)."""

from __future__ import annotations

from collections import Counter

import pytest

# pabutools is in the test extra: imported plainly, so a missing one fails, never skips.
from pabutools.election import parse_pabulib
from sqlalchemy import select, update

from api.scoring.budget import pabulib
from storage.models import Consultation, Participant
from tests.budget.conftest import PABULIB, WITH_RESULT, pabulib_file
from tests.partner.conftest import auth, new_key
from viche.importers import ImportError_
from viche.importers.pabulib import import_pabulib, project_key

EVERY_FILE = sorted(p.name for p in PABULIB.glob("*.pb"))


async def budget_results(partner, db, slug: str) -> dict:
    key = await new_key(db, slug)
    response = await partner.get(f"/v1/consultations/{slug}/results", headers=auth(key))
    assert response.status_code == 200, response.text
    (item,) = [i for i in response.json()["items"] if i["kind"] == "budget"]
    return item


@pytest.mark.parametrize("name", sorted(WITH_RESULT))
async def test_an_imported_election_funds_what_the_city_funded(partner, db, name):
    path = pabulib_file(name)
    source = pabulib.read(path)
    result = await import_pabulib(db, path)
    assert result.participants == len(source.votes) == result.votes

    item = await budget_results(partner, db, result.slug)
    official = item["rules"][0]
    assert official["rule"] == WITH_RESULT[name]
    assert set(official["funded"]) == {project_key(pid) for pid in source.selected()}
    assert item["funded"] == official["funded"]
    costs = {pid: int(row["cost"]) for pid, row in source.projects.items()}
    assert official["spent"] == sum(costs[pid] for pid in source.selected())
    # Every configured rule side by side, each within the budget.
    assert len(item["rules"]) >= 2
    assert all(rule["spent"] <= item["total"] for rule in item["rules"])
    # Votes per project as the file counts them.
    votes = {p["key"]: p["votes"] for p in item["projects"]}
    for pid, row in source.projects.items():
        if row.get("votes"):
            assert votes[project_key(pid)] == int(row["votes"]), pid


@pytest.mark.parametrize("name", EVERY_FILE)
async def test_every_file_round_trips_through_the_pb_export(partner, db, name, tmp_path):
    path = pabulib_file(name)
    source = pabulib.read(path)
    result = await import_pabulib(db, path)
    key = await new_key(db, result.slug)
    response = await partner.get(f"/v1/consultations/{result.slug}/export/pabulib.pb", headers=auth(key))
    assert response.status_code == 200, response.text
    exported = pabulib.parses(response.text)

    assert exported.projects.keys() == source.projects.keys()
    for pid, row in source.projects.items():
        assert int(exported.projects[pid]["cost"]) == int(row["cost"])
        assert exported.projects[pid]["name"] == row.get("name", "").strip() or f"Project {pid}"
    assert exported.vote_type == source.vote_type
    assert Counter(_ballots(exported)) == Counter(_ballots(source))
    if source.selected() is not None:
        assert exported.selected() == source.selected()
        assert exported.rule == source.rule

    file = tmp_path / name
    file.write_text(response.text, encoding="utf-8")
    instance, profile = parse_pabulib(str(file))
    assert len(instance) == len(source.projects)
    assert instance.budget_limit == int(source.meta["budget"])
    assert profile.num_ballots() == len(source.votes)


def _ballots(pb: pabulib.PabulibFile) -> list[tuple]:
    return [tuple(sorted(b.items())) for b in pabulib.ballots(pb)]


async def test_ages_become_age_bands_and_rare_ones_leave_the_export(partner, db):
    path = pabulib_file("Poland_Gdynia_2020_Babie_Doly__small.pb")
    source = pabulib.read(path)
    result = await import_pabulib(db, path)
    async with db.session() as s:
        cid = (await s.execute(select(Consultation.id).where(Consultation.slug == result.slug))).scalar_one()
        consultation = await s.get(Consultation, cid)
        bands = Counter((await s.execute(select(Participant.age_band))).scalars())
    assert any(band for band in bands), "ages were not imported"
    assert sum(n for band, n in bands.items() if band) == sum(1 for r in source.votes.values() if r["age"].strip())
    # A larger minimum group size than the default, so that some age bands are rarer than it.
    k = 50
    async with db.session() as s:
        await s.execute(update(Consultation).where(Consultation.id == consultation.id).values(min_segment_size=k))
        await s.commit()
    assert any(0 < n < k for band, n in bands.items() if band)
    key = await new_key(db, result.slug)
    text = (await partner.get(f"/v1/consultations/{result.slug}/export/pabulib.pb", headers=auth(key))).text
    exported = pabulib.parses(text)
    shown = Counter(row["age_band"] for row in exported.votes.values())
    for band, n in shown.items():
        assert n >= k or band in ("", "(withheld)", "(other)"), (band, n)
    assert set(shown) - {"", "(withheld)", "(other)"}, "no age band is left at all"
    assert "sex" not in next(iter(exported.votes.values()))
    assert any(note.startswith("voters' sex") for note in result.notes)


async def test_a_second_import_under_the_same_slug_is_refused(db):
    path = pabulib_file("Netherlands_Assen_2024.pb")
    await import_pabulib(db, path, slug="assen")
    with pytest.raises(ImportError_, match="already exists"):
        await import_pabulib(db, path, slug="assen")


def test_the_import_and_export_commands(database_url, monkeypatch, capsys, tmp_path):
    from core import settings
    from viche.cli import main

    path = pabulib_file("Netherlands_Assen_2024.pb")
    monkeypatch.setenv("VICHE_DATABASE_URL", database_url)
    settings.get_settings.cache_clear()
    try:
        slug = f"assen-cli-{id(capsys) % 100000}"
        assert main(["import", "pabulib", str(path), "--slug", slug]) == 0
        assert f"imported pabulib into consultation {slug!r} (closed): 84 participants, 14 proposals" in (
            capsys.readouterr().out
        )
        target = tmp_path / "assen.pb"
        assert main(["export", "pabulib", slug, "-o", str(target)]) == 0
        exported = pabulib.read(target)
        assert exported.selected() == pabulib.read(path).selected() and exported.rule == "equalshares/add1"
        assert main(["export", "pabulib", "no-such-slug"]) == 1
        assert "no consultation 'no-such-slug'" in capsys.readouterr().err
    finally:
        settings.get_settings.cache_clear()
