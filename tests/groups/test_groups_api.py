"""The opinion groups as partners and organisers read them (/v1/…/groups, /organiser/…/groups), on an imported
Polis conversation (CC BY 4.0, The Computational Democracy Project), under the disclosure rule."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select, update

from api.opinion_groups import recompute
from api.partner.group_models import Groups
from storage.models import Consultation, Proposal
from tests.groups.conftest import CONVERSATIONS, polis_folder
from tests.partner.conftest import auth, new_key
from viche.importers.polis import import_polis


async def imported(db, name: str = "15-per-hour-seattle"):
    result = await import_polis(db, polis_folder(name))
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == result.slug))).scalar_one()
    row = await recompute(db, consultation.id)
    return consultation, row


async def set_threshold(db, consultation_id: int, k: int) -> None:
    async with db.session() as s:
        await s.execute(update(Consultation).where(Consultation.id == consultation_id).values(min_segment_size=k))
        await s.commit()


@pytest.mark.parametrize("name", CONVERSATIONS)
async def test_partners_read_groups_consensus_and_divisive_statements(api_app, db, http, name):
    import httpx

    consultation, row = await imported(db, name)
    key = await new_key(db, consultation.slug)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as partner:
        response = await partner.get(f"/v1/consultations/{consultation.slug}/groups", headers=auth(key))
        assert response.status_code == 200, response.text
        body = response.json()
        Groups.model_validate(body)
        Groups.model_validate(Groups.model_config["json_schema_extra"]["examples"][0])
        # The same answer for organisers.
        organiser = (await http.get(f"/organiser/consultations/{consultation.slug}/groups")).json()
        assert organiser == body
        # A language the consultation does not have is refused.
        assert (
            await partner.get(f"/v1/consultations/{consultation.slug}/groups?language=xx", headers=auth(key))
        ).status_code == 422
    assert body["k"] == row.k == len(body["groups"]) and body["withheld_groups"] == 0
    assert [g["size"] for g in body["groups"]] == row.sizes
    assert body["seconds"] > 0 and body["computed_at"]
    async with db.session() as s:
        texts = {pid: t["en"] for pid, t in (await s.execute(select(Proposal.id, Proposal.text))).all()}
        accepted = set((await s.execute(select(Proposal.id).where(Proposal.status == "accepted"))).scalars())
    assert {s["proposal_id"] for s in body["statements"]} == accepted
    assert all(s["text"] == texts[s["proposal_id"]].strip() for s in body["statements"])
    for group in body["groups"]:
        assert group["representative"]
        for r in group["representative"]:
            assert [o["group"] for o in r["others"]] == [g["id"] for g in body["groups"] if g["id"] != group["id"]]
    by_id = {s["proposal_id"]: s for s in body["statements"]}
    # Group-informed consensus is the product of each group's smoothed share; bridging: a majority of every group.
    for s in body["statements"]:
        if s["consensus_agree"] is not None:
            product = math.prod((c["agree"] + 1) / (c["seen"] + 2) for c in s["groups"])
            assert math.isclose(s["consensus_agree"], product, abs_tol=1e-6)

    def best(condition):
        chosen = [s for s in body["statements"] if s["consensus_agree"] is not None and condition(s)]
        return [s["proposal_id"] for s in sorted(chosen, key=lambda s: -s["consensus_agree"])][:5]

    for s in body["statements"]:
        if s["consensus_agree"] is not None:
            assert s["bridging"] == (min(c["agree_share"] for c in s["groups"]) > 0.5)
            assert s["majority"] == (2 * sum(c["agree"] for c in s["groups"]) > sum(c["seen"] for c in s["groups"]))
    assert body["bridging"] == best(lambda s: s["bridging"])
    assert body["majority_only"] == best(lambda s: s["majority"] and not s["bridging"]) != []
    if name == "scoop-hivemind.biodiversity":  # a conversation with common ground (seattle's has none)
        assert body["bridging"]
    assert body["divisive"] == sorted(body["divisive"], key=lambda p: -by_id[p]["divisiveness"])


async def test_a_group_smaller_than_min_segment_size_is_withheld_everywhere(api_app, db, http):
    consultation, row = await imported(db)
    assert row.k == 2
    smallest = min(row.sizes)
    # Both groups hold the threshold: both published, but a group's figures on a statement seen by fewer of its
    # members are null, with the consensus and divisiveness that would give them back.
    await set_threshold(db, consultation.id, smallest)
    body = (await http.get(f"/organiser/consultations/{consultation.slug}/groups")).json()
    assert [g["id"] for g in body["groups"]] == [0, 1] and body["withheld_groups"] == 0
    stored = {v["proposal_id"]: v for v in row.statements}
    thin = 0
    for s in body["statements"]:
        for c in s["groups"]:
            seen = stored[s["proposal_id"]]["group_seen"][c["group"]]
            assert c["seen"] == (seen if seen >= smallest else None)
        if any(c["seen"] is None for c in s["groups"]):
            thin += 1
            assert s["consensus_agree"] is s["divisiveness"] is None and not s["bridging"]
    assert thin
    for group in body["groups"]:
        assert all(r["votes"] >= smallest for r in group["representative"])
    # One group below it: withheld, and one group alone is no grouping (compared with "the rest", it would be
    # compared with the withheld one alone): no group at all.
    await set_threshold(db, consultation.id, smallest + 1)
    body = (await http.get(f"/organiser/consultations/{consultation.slug}/groups")).json()
    assert body["groups"] == body["statements"] == body["bridging"] == [] and body["withheld_groups"] == row.k == 2


async def test_groups_before_any_computation_and_below_threshold(api_app, db, http):
    result = await import_polis(db, polis_folder("15-per-hour-seattle"))
    body = (await http.get(f"/organiser/consultations/{result.slug}/groups")).json()
    assert body["computed_at"] is None and body["k"] == 0 and body["groups"] == []
    assert (await http.get("/organiser/consultations/nowhere/groups")).status_code == 404


async def test_results_split_by_opinion_group(api_app, db, http):
    import httpx

    from api.partner.result_models import Results

    consultation, row = await imported(db)
    key = await new_key(db, consultation.slug)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as partner:
        response = await partner.get(f"/v1/consultations/{consultation.slug}/results?segment=group", headers=auth(key))
    assert response.status_code == 200, response.text
    body = response.json()
    Results.model_validate(body)
    groups = {s["value"]: s["participants"] for s in body["segments"] if s["kind"] == "value"}
    assert groups == {str(g): size for g, size in enumerate(row.sizes)}
    # One group below the threshold: withheld, its members with those in no group, no group shown alone.
    await set_threshold(db, consultation.id, min(row.sizes) + 1)
    organiser = (
        await http.get(
            f"/organiser/consultations/{consultation.slug}/results", params={"segment": "group", "fresh": "true"}
        )
    ).json()
    assert [s["kind"] for s in organiser["segments"]] == ["unknown"]
