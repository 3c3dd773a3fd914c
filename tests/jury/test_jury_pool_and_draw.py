"""The pool and the draw through the real parts: the CLI on the database, the organiser route, /mydata,
/forget and retention."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from sqlalchemy import func, select

from api import privacy
from api.jury.pool import PoolFileError, read_pool_csv
from api.jury.store import import_pool, jury_of
from storage.consultations import by_slug
from storage.db import Database
from storage.models import utcnow
from storage.models_jury import Jury, JuryDraw, JuryVolunteer
from tests.conftest import _empty_tables
from tests.jury.pools import QUOTAS, QUOTAS_YAML, pool_csv, skewed_pool

POOL = skewed_pool(48, seed=2)
DEMO = "city-youth"


async def _emptied(url: str) -> None:
    database = Database(url)
    try:
        await _empty_tables(database)
    finally:
        await database.dispose()


def test_the_cli_loads_a_pool_all_or_nothing_and_draws_the_same_panel_from_the_same_seed(
    database_url, monkeypatch, capsys, tmp_path
):
    from core import settings
    from viche.cli import main

    monkeypatch.setenv("VICHE_DATABASE_URL", database_url)
    settings.get_settings.cache_clear()
    asyncio.run(_emptied(database_url))  # "demo --if-empty" needs an empty database, whatever ran before
    try:
        assert main(["demo", "--if-empty"]) == 0
        capsys.readouterr()
        bad = tmp_path / "bad.csv"
        rows = pool_csv(POOL).splitlines()
        rows[3] = "p00002,16-24,woman"  # a field missing, on line 4
        rows[6] = rows[5]  # a repeated id, on line 7
        rows[9] = ",16-24,man,north"  # no id, on line 10
        bad.write_text("\n".join(rows) + "\n")
        assert main(["jury", "import-pool", DEMO, str(bad)]) == 1
        err = capsys.readouterr().err
        assert "line 4: 3 fields, the header has 4" in err
        assert "line 7: the id 'p00004' is already on line 6" in err
        assert "line 10: the id is empty" in err
        assert "nothing was loaded" in err
        good = tmp_path / "pool.csv"
        good.write_text(pool_csv(POOL))
        assert main(["jury", "import-pool", DEMO, str(good)]) == 0
        assert "48 volunteers loaded" in capsys.readouterr().out
        quotas = tmp_path / "quotas.yaml"
        quotas.write_text(QUOTAS_YAML)
        assert main(["jury", "draw", DEMO, "--quotas", str(quotas), "--seed", "11", "--json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["algorithm"] == "leximin over types (HiGHS)" and len(first["selected"]) == 12
        assert set(first["selected"]) <= set(POOL) and set(first["probabilities"]) == set(POOL)
        women = [key for key in first["selected"] if POOL[key]["gender"] == "woman"]
        assert len(women) == 6
        assert main(["jury", "draw", DEMO, "--quotas", str(quotas), "--seed", "11", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["selected"] == first["selected"]
        assert main(["jury", "draw", DEMO, "--quotas", str(quotas), "--seed", "11"]) == 0
        shown = capsys.readouterr().out
        assert "LEXIMIN needs Gurobi" in shown and '"composition"' in shown
        audit_part = shown.split("audit (no names):", 1)[1]
        assert not any(key in audit_part for key in POOL)
        impossible = tmp_path / "impossible.yaml"
        impossible.write_text(
            QUOTAS_YAML.replace(
                "woman: {min: 6, max: 6}, man: {min: 6, max: 6}", "woman: {min: 12, max: 12}, man: {min: 0, max: 0}"
            )
        )
        assert main(["jury", "draw", DEMO, "--quotas", str(impossible), "--seed", "1"]) == 3
        err = capsys.readouterr().err
        assert "infeasible quotas" in err and "gender: woman min 12 ->" in err
    finally:
        settings.get_settings.cache_clear()


def test_a_malformed_pool_file_reports_every_bad_line():
    try:
        read_pool_csv("id,age\n1,young\n2\n3,\n")
    except PoolFileError as error:
        assert error.problems == ["line 3: 1 fields, the header has 2", "line 4: no value for age"]
    else:
        raise AssertionError("a malformed pool was read")


async def test_the_organiser_route_draws_and_refuses_infeasible_quotas_with_a_relaxation(http, db, demo):
    async with db.session() as s:
        consultation = await by_slug(s, demo)
        await import_pool(s, consultation, read_pool_csv(pool_csv(POOL)))
    response = await http.post(f"/organiser/consultations/{demo}/jury/draw", json={"seed": 4, "quotas": QUOTAS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["selected"]) == 12 and body["algorithm"] == "leximin over types (HiGHS)"
    assert body["audit"]["seed"] == 4 and not any(key in response.text.split('"audit"')[1] for key in POOL)
    async with db.session() as s:
        stored = (await s.execute(select(JuryDraw))).scalar_one()
        assert stored.seed == 4 and len(stored.selected) == 12 and stored.algorithm == "leximin over types (HiGHS)"
    too_many_women = QUOTAS | {
        "categories": QUOTAS["categories"] | {"gender": {"woman": {"min": 12, "max": 12}, "man": {"min": 0, "max": 0}}}
    }
    refused = await http.post(f"/organiser/consultations/{demo}/jury/draw", json={"seed": 4, "quotas": too_many_women})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "infeasible_quotas"
    assert {(r["category"], r["value"], r["bound"]) for r in error["relaxations"]} >= {("gender", "woman", "min")}
    bad = await http.post(f"/organiser/consultations/{demo}/jury/draw", json={"seed": 4, "quotas": {"size": 3}})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_quotas"


async def test_mydata_forget_and_retention_cover_the_pool(http, db, demo):
    participant = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "5551"})).json()
    pid = participant["id"]
    async with db.session() as s:
        consultation = await by_slug(s, demo)
        await import_pool(s, consultation, read_pool_csv(pool_csv(POOL)))
        jury = await jury_of(s, consultation)
        s.add(
            JuryVolunteer(jury_id=jury.id, participant_id=pid, categories={"age_band": "16-24"}, contact_consent=True)
        )
        await s.commit()
    mine = (await http.get(f"/participant/{pid}/export")).json()
    assert mine["jury_pools"] == [
        {
            "consultation": demo,
            "categories": {"age_band": "16-24"},
            "contact_consent": True,
            "withdrawn_at": None,
            "volunteered_at": mine["jury_pools"][0]["volunteered_at"],
            "seat": None,
        }
    ]
    forgotten = await http.post(f"/participant/{pid}/forget")
    assert forgotten.status_code == 200 and forgotten.json()["jury_pools"] == 1
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(JuryVolunteer))).scalar_one() == 48
        # The jury has not ended: its volunteers' references stay, whatever the retention period.
        assert (await privacy.sweep_retention(s, 30))["jury_contacts_erased"] == 0
        jury = (await s.execute(select(Jury))).scalar_one()
        jury.ends_at = utcnow() - timedelta(days=10)
        await s.commit()
        assert (await privacy.sweep_retention(s, 30))["jury_contacts_erased"] == 0  # ended 10 days ago: kept
        assert (await privacy.sweep_retention(s, 30, now=utcnow() + timedelta(days=21)))["jury_contacts_erased"] == 48
        left = (await s.execute(select(JuryVolunteer))).scalars().all()
        assert all(v.external_id is None and v.participant_id is None and not v.contact_consent for v in left)
        assert all(v.categories for v in left)  # the anonymous categories stay for the audit's composition
