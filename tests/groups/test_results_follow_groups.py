"""Results split by opinion group follow the groups as soon as they are recomputed: the groups change after the
votes that changed them (the background refresher, api/opinion_groups.py), so the results cache must notice a
recomputation by itself (Polis data: CC BY 4.0, The Computational Democracy Project)."""

from __future__ import annotations

from sqlalchemy import select

from api import results
from api.opinion_groups import recompute
from storage.models import Consultation
from tests.groups.conftest import polis_folder
from viche.importers.polis import import_polis


async def test_results_by_group_show_groups_recomputed_after_they_were_cached(api_app, db, http, monkeypatch):
    imported = await import_polis(db, polis_folder("15-per-hour-seattle"))
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == imported.slug))).scalar_one()
    monkeypatch.setattr(results.cache, "TTL", 0.0)  # check the change marker on every read
    # and recompute inside the read when it changed (a slow machine would otherwise refresh in the background)
    monkeypatch.setattr(results.cache, "INLINE_BUDGET", float("inf"))

    async def split() -> dict[str | None, int | None]:
        response = await http.get(f"/organiser/consultations/{imported.slug}/results", params={"segment": "group"})
        assert response.status_code == 200, response.text
        return {s["value"]: s["participants"] for s in response.json()["segments"]}

    before = await split()  # cached while no group exists: everyone is "not given"
    assert list(before) == [None]
    row = await recompute(db, consultation.id)  # no vote changed, only the groups
    after = await split()
    assert row.k == 2 and {key: after[key] for key in after if key is not None} == {
        str(g): size for g, size in enumerate(row.sizes)
    }
