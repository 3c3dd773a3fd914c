"""Results of every item kind, reached / answered, the organiser route and the cache (api/results/)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau
from sqlalchemy import insert

from api import results
from api.scoring import rank_pairs
from storage.models import PairPrompt, ProposalVote, utcnow

from .support import bulk_pair_votes, create, fresh_participant, item_of, people, proposal_ids, screen, texts

EVERY_KIND = {
    "slug": "every-kind",
    "items": [
        {
            "key": "age",
            "type": "single_choice",
            "prompt": {"en": "Age?"},
            "options": [{"key": k, "label": {"en": k.upper()}} for k in ("young", "middle", "older")],
        },
        {
            "key": "barriers",
            "type": "multi_choice",
            "prompt": {"en": "Why not?"},
            "show_if": {"item": "age", "any_of": ["middle", "older"]},
            "options": [{"key": k, "label": {"en": k}} for k in ("far", "unsafe", "dull")],
        },
        {"key": "mood", "type": "scale", "prompt": {"en": "How happy?"}, "min": 1, "max": 5},
        {"key": "why", "type": "free_text", "prompt": {"en": "Why?"}},
        {"key": "ideas", "type": "proposal", "prompt": {"en": "Agree?"}, "proposals": texts(3, "Idea")},
        {"key": "best", "type": "pairs", "prompt": {"en": "Better?"}, "proposals": texts(3, "Pair"), "max_pairs": 2},
        {
            "key": "budget",
            "type": "budget",
            "prompt": {"en": "Spend"},
            "total": 100,
            "projects": [
                {"key": k, "label": {"en": k}, "cost": c}
                for k, c in (("alpha", 60), ("beta", 50), ("gamma", 30), ("delta", 20))
            ],
        },
        {"key": "spot", "type": "place", "prompt": {"en": "Where?"}},
    ],
}


async def _walk(http, pid: str, slug: str, i: int, stop_after: str | None = None) -> None:
    """Participant ``i`` answers every item in a scripted way (``stop_after``: leave after that item)."""
    while (current := await screen(http, pid, slug))["status"] == "item":
        item = current["item"]
        kind, key = item["kind"], item["key"]
        if kind == "proposal":
            choice = ("agree", "agree", "disagree", "neutral")[(i + current["proposal"]["id"]) % 4]
            await http.post(
                f"/participant/{pid}/votes", json={"proposal_id": current["proposal"]["id"], "choice": choice}
            )
            continue
        if kind == "pairs":
            outcome = ("left", "right", "cant_decide")[i % 3]
            await http.post(f"/participant/{pid}/pairs/{current['pair']['token']}", json={"outcome": outcome})
            continue
        options = current["options"]
        body = {"item_id": item["id"]}
        if kind == "single_choice":
            body["option_id"] = options[i % 3]["id"]
        elif kind == "multi_choice":
            body["value"] = [options[0]["id"]] + ([options[2]["id"]] if i % 2 else [])
        elif kind == "scale":
            body["value"] = 1 + i % 5
        elif kind == "free_text":
            body["value"] = None if i % 3 == 2 else f"Because {i}"
        elif kind == "budget":
            by_key = {o["key"]: o["id"] for o in options}
            body["value"] = [
                [by_key["beta"], by_key["gamma"]],
                [by_key["alpha"], by_key["gamma"]],
                [by_key["beta"], by_key["delta"]],
                [by_key["alpha"]],
            ][i % 4]
        elif kind == "place":
            body["value"] = {"latitude": 50.0 + i, "longitude": 30.0}
        response = await http.post(f"/participant/{pid}/answers", json=body)
        assert response.status_code == 200, response.text
        if kind == "place" and i % 2 == 0:
            await http.post(f"/participant/{pid}/answers/{item['id']}/comment", json={"text": f"Here {i}"})
        if key == stop_after:
            return


async def test_every_kind_counts_shares_and_who_reached_what(http, db, api_app):
    await create(db, EVERY_KIND)
    for i in range(8):
        pid = await fresh_participant(http, "every-kind", f"c{i}")
        await _walk(http, pid, "every-kind", i)
    # One stops right after the first question ("young": the branch is not shown), one consents only.
    await _walk(http, await fresh_participant(http, "every-kind", "stopper"), "every-kind", 0, stop_after="age")
    await fresh_participant(http, "every-kind", "silent")

    response = await http.get("/organiser/consultations/every-kind/results", params={"fresh": "true"})
    assert response.status_code == 200, response.text
    out = response.json()
    items = {item["key"]: item for item in out["items"]}
    assert (out["consented"], out["participants"], out["completed"]) == (10, 9, 8)

    age = items["age"]
    assert (age["reached"], age["answered"]) == (10, 9)  # the silent one stands on it
    assert [o["count"] for o in age["options"]] == [4, 3, 2]  # i % 3 over 0..7, plus the stopper's "young"
    assert age["options"][0]["share"] == pytest.approx(4 / 9, abs=1e-4)
    low, high = age["options"][0]["interval"]
    assert low < 4 / 9 < high

    barriers = items["barriers"]  # shown only to "middle" and "older": i % 3 in (1, 2) → 5 of the 8
    assert (barriers["reached"], barriers["answered"]) == (5, 5)
    assert [o["count"] for o in barriers["options"]] == [5, 0, 3]
    assert barriers["choices"] == 8

    mood = items["mood"]  # the stopper stands on it
    assert (mood["reached"], mood["answered"]) == (9, 8)
    values = [1 + i % 5 for i in range(8)]
    assert [d["count"] for d in mood["distribution"]] == [values.count(v) for v in range(1, 6)]
    assert mood["mean"] == pytest.approx(np.mean(values), abs=1e-3) and mood["median"] == np.median(values)
    assert mood["mean_interval"][0] < mood["mean"] < mood["mean_interval"][1]

    why = items["why"]
    assert (why["reached"], why["answered"], why["skipped"]) == (8, 6, 2)
    assert why["texts"] == sorted(f"Because {i}" for i in range(8) if i % 3 != 2)

    ideas = items["ideas"]
    assert ideas["answered"] == 8 and ideas["votes"] == 24 and len(ideas["proposals"]) == 3
    assert [p["rank"] for p in ideas["proposals"]] == [1, 2, 3]
    first = ideas["proposals"][0]
    assert first["agree"]["count"] + first["disagree"]["count"] + first["neutral"]["count"] == first["votes"] == 8
    assert set(first) >= {"zone", "top_score", "controversy_score", "qualifications", "agree_among_decided"}
    assert sum(ideas["zones"].values()) == 3

    best = items["best"]
    assert best["answered"] == 8 and best["served"] == 16
    decisive = sum(2 for i in range(8) if i % 3 != 2)
    assert best["comparisons"] == decisive and best["cant_decide"] == 16 - decisive
    assert sum(p["wins"] for p in best["proposals"]) == decisive
    assert [p["rank"] for p in best["proposals"]] == [1, 2, 3]
    assert all(p["interval"][0] <= p["score"] <= p["interval"][1] for p in best["proposals"])

    budget = items["budget"]  # ballots i % 4: {beta, gamma}, {alpha, gamma}, {beta, delta}, {alpha}
    votes = {p["key"]: p["votes"] for p in budget["projects"]}
    assert votes == {"alpha": 4, "beta": 4, "gamma": 4, "delta": 2} and budget["ballots"] == 8
    # Ties in votes go to the cheaper project: gamma (30), beta (50) fit; alpha (60) no longer does; delta (20) does.
    assert budget["funded"] == ["gamma", "beta", "delta"] and budget["spent"] == 100
    assert [p["key"] for p in budget["projects"]] == ["gamma", "beta", "alpha", "delta"]

    spot = items["spot"]
    assert spot["answered"] == 8 and spot["comments"] == 4
    assert {(p["latitude"], p["comment"]) for p in spot["points"]} == {
        (50.0 + i, f"Here {i}" if i % 2 == 0 else None) for i in range(8)
    }

    # Without raw (what a public or broadcast use gets), no text and no point leaves.
    async with db.session() as session:
        from storage.consultations import by_slug

        public = await results.consultation_results(
            session, await by_slug(session, "every-kind"), cache=api_app.state.results_cache, fresh=True
        )
    public_items = {item["key"]: item for item in public["items"]}
    assert "texts" not in public_items["why"] and "points" not in public_items["spot"]
    assert "Because" not in str(public)


async def test_pairs_results_rank_by_bradley_terry_from_counted_votes_only(http, db):
    consultation = await create(
        db,
        {
            "slug": "ranked",
            "items": [{"key": "best", "type": "pairs", "prompt": {"en": "Which?"}, "proposals": texts(20)}],
        },
    )
    item = await item_of(db, consultation.id, "best")
    ids = await proposal_ids(db, item.id)
    theta = await bulk_pair_votes(db, consultation.id, item.id, ids, 3000, seed=4)
    # Answers right after a skip are stored but do not count, whatever they say.
    voters = await people(db, consultation.id, 50)
    now = utcnow()
    async with db.session() as session:
        await session.execute(
            insert(PairPrompt),
            [
                {
                    "token": f"after-skip-{n}",
                    "participant_id": v,
                    "item_id": item.id,
                    "left_id": ids[0],
                    "right_id": ids[-1],
                    "low_id": ids[0],
                    "high_id": ids[-1],
                    "served_at": now,
                    "outcome": "left",
                    "after_skip": True,
                    "answered_at": now,
                }
                for n, v in enumerate(voters)
            ],
        )
        await session.commit()

    out = (await http.get("/organiser/consultations/ranked/results", params={"fresh": "true"})).json()
    best = out["items"][0]
    assert best["comparisons"] == 3000 and best["after_skip"] == 50
    ranked = [p["id"] for p in best["proposals"]]
    assert kendalltau([theta[ids.index(p)] for p in ranked], range(20, 0, -1)).statistic > 0.7
    async with db.session() as session:
        from sqlalchemy import select

        rows = (
            await session.execute(
                select(PairPrompt.left_id, PairPrompt.right_id, PairPrompt.outcome).where(
                    PairPrompt.after_skip.is_(False)
                )
            )
        ).all()
    winners = [lt if o == "left" else rt for lt, rt, o in rows]
    losers = [rt if o == "left" else lt for lt, rt, o in rows]
    assert ranked == [row.proposal_id for row in rank_pairs(ids, winners, losers)]
    top = best["proposals"][0]
    assert top["aoi_score"] == pytest.approx(100 * (top["wins"] + 1) / (top["wins"] + top["losses"] + 2), abs=0.01)

    ranking = (await http.get("/organiser/consultations/ranked/results")).json()
    assert ranking["items"][0]["proposals"][0]["id"] == ranked[0]


async def test_proposal_item_zones_and_scores(http, db, api_app):
    consultation = await create(
        db,
        {
            "slug": "zones",
            "items": [{"key": "ideas", "type": "proposal", "prompt": {"en": "Agree?"}, "proposals": texts(3)}],
        },
    )
    item = await item_of(db, consultation.id, "ideas")
    loved, split, hated = await proposal_ids(db, item.id)
    voters = await people(db, consultation.id, 40)
    now = utcnow()
    rows = []
    for n, _v in enumerate(voters):
        rows.append(
            {
                "proposal_id": loved,
                "choice": "agree" if n < 36 else "disagree",
                "qualification": "like_it" if n < 20 else None,
            }
        )
        rows.append({"proposal_id": split, "choice": "agree" if n % 2 else "disagree", "qualification": None})
        rows.append({"proposal_id": hated, "choice": "disagree" if n < 34 else "neutral", "qualification": None})
    async with db.session() as session:
        await session.execute(
            insert(ProposalVote),
            [
                {**row, "participant_id": voters[n // 3], "item_id": item.id, "created_at": now}
                for n, row in enumerate(rows)
            ],
        )
        await session.commit()
    out = (await http.get("/organiser/consultations/zones/results", params={"fresh": "true"})).json()
    ideas = out["items"][0]
    by_id = {p["id"]: p for p in ideas["proposals"]}
    assert by_id[loved]["zone"] == "consensus" and by_id[loved]["rank"] == 1
    assert by_id[split]["zone"] == "controversy" and by_id[split]["controversy_rank"] == 1
    assert by_id[hated]["zone"] == "rejection" and by_id[hated]["rank"] == 3
    assert by_id[loved]["qualifications"]["agree"]["like_it"]["count"] == 20
    assert ideas["zones"] == {"consensus": 1, "controversy": 1, "rejection": 1, "limbo": 0}
    assert (ideas["answered"], ideas["votes"]) == (40, 120)

    async with db.session() as session:
        from storage.consultations import by_slug

        ranking = await results.proposal_ranking(
            session, await by_slug(session, "zones"), "ideas", cache=api_app.state.results_cache
        )
    assert next(row["proposal"] for row in ranking[0]["ranking"]) == loved


async def test_the_organiser_route_checks_its_input(http, db):
    await create(db, EVERY_KIND)
    assert (await http.get("/organiser/consultations/nope/results")).status_code == 404
    bad = await http.get("/organiser/consultations/every-kind/results", params={"segment": "shoe_size"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_segment"
    denied = await http.get("/organiser/consultations/every-kind/results", headers={"Authorization": "Bearer no"})
    assert denied.status_code == 401
    empty = (await http.get("/organiser/consultations/every-kind/results", params={"segment": "region"})).json()
    assert empty["participants"] == 0 and empty["segments"] == [] and len(empty["items"]) == 8


async def test_results_are_cached_and_follow_new_votes(http, db, api_app, monkeypatch):
    consultation = await create(
        db,
        {
            "slug": "cached",
            "items": [{"key": "ideas", "type": "proposal", "prompt": {"en": "Agree?"}, "proposals": texts(2)}],
        },
    )
    item = await item_of(db, consultation.id, "ideas")
    cache = api_app.state.results_cache

    async def vote(n: int) -> None:
        pid = await fresh_participant(http, "cached", f"v{n}")
        shown = (await screen(http, pid, "cached"))["proposal"]
        await http.post(f"/participant/{pid}/votes", json={"proposal_id": shown["id"], "choice": "agree"})

    async def votes() -> int:
        return (await http.get("/organiser/consultations/cached/results")).json()["items"][0]["votes"]

    await vote(0)
    assert await votes() == 1
    computed = cache.computations
    assert await votes() == 1 and cache.computations == computed  # within TTL: no query at all
    await vote(1)
    monkeypatch.setattr(results.cache, "TTL", 0.0)
    assert await votes() == 2 and cache.computations == computed + 1  # the marker changed: recomputed inline
    assert await votes() == 2 and cache.computations == computed + 1  # unchanged marker: cached

    # A computation that took long is refreshed in the background: the stale value comes back at once.
    monkeypatch.setattr(results.cache, "INLINE_BUDGET", 0.0)
    monkeypatch.setattr(results.cache, "REFRESH_SHARE", 1e9)  # no pause between background refreshes
    await vote(2)
    assert await votes() == 2
    await cache.drain()
    assert await votes() == 3
    assert item.kind == "proposal"
