"""A knapsack ballot from the chat keeps the organiser's project limits, and its results count every configured
rule side by side, through the real participant API and organiser results."""

from __future__ import annotations

from tests.results.support import create, fresh_participant, screen

BUDGET = {
    "slug": "pb-limits",
    "items": [
        {
            "type": "budget",
            "key": "park",
            "prompt": {"en": "Fund what?"},
            "total": 100,
            "projects": [
                {"key": "a", "label": {"en": "A"}, "cost": 60},
                {"key": "b", "label": {"en": "B"}, "cost": 30},
                {"key": "c", "label": {"en": "C"}, "cost": 30},
                {"key": "d", "label": {"en": "D"}, "cost": 10},
            ],
            "max_projects": 2,
            "counting": [
                {"rule": "greedy"},
                {"rule": "equalshares"},
                {"rule": "equalshares/add1"},
                {"rule": "greedy-no-skip"},
            ],
        }
    ],
}


async def test_a_chat_ballot_over_its_project_limit_is_refused(http, db):
    await create(db, BUDGET)
    pid = await fresh_participant(http, "pb-limits", "71")
    item = (await screen(http, pid, "pb-limits"))["item"]
    options = {o["key"]: o["id"] for o in (await screen(http, pid, "pb-limits"))["options"]}
    three = [options["b"], options["c"], options["d"]]
    refused = await http.post(f"/participant/{pid}/answers", json={"item_id": item["id"], "value": three})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_count" and refused.json()["error"]["max"] == 2
    ok = await http.post(f"/participant/{pid}/answers", json={"item_id": item["id"], "value": three[:2]})
    assert ok.status_code == 200, ok.text


async def test_results_show_every_counting_rule_with_money_and_votes(http, db):
    await create(db, {**BUDGET, "min_segment_size": 1})
    ballots = [["a", "d"]] * 3 + [["b", "c"]] * 2
    for number, ballot in enumerate(ballots):
        pid = await fresh_participant(http, "pb-limits", str(100 + number))
        current = await screen(http, pid, "pb-limits")
        options = {o["key"]: o["id"] for o in current["options"]}
        response = await http.post(
            f"/participant/{pid}/answers",
            json={"item_id": current["item"]["id"], "value": [options[k] for k in ballot]},
        )
        assert response.status_code == 200, response.text
    results = (await http.get("/organiser/consultations/pb-limits/results", params={"fresh": "true"})).json()
    (park,) = [i for i in results["items"] if i["key"] == "park"]
    rules = {rule["rule"]: (rule["funded"], rule["spent"]) for rule in park["rules"]}
    assert [rule["rule"] for rule in park["rules"]] == ["greedy", "equalshares", "equalshares/add1", "greedy-no-skip"]
    # Greedy: d and a (3 votes each; the tie goes to the cheaper, d), then b (2 votes, 30) fits, c no longer does.
    assert rules["greedy"] == (["d", "a", "b"], 100)
    assert rules["greedy-no-skip"] == (["d", "a", "b"], 100)
    # Equal shares: 20 each; d's 3 voters pay 10/3 each and can no longer pay 60 for a; b's 2 voters pay 15 each
    # and cannot pay for c. add1 raises the shares until a fits too.
    assert rules["equalshares"] == (["d", "b"], 40)
    assert rules["equalshares/add1"] == (["d", "a", "b"], 100)
    assert park["funded"] == rules["greedy"][0] and park["spent"] == 100
    votes = {p["key"]: (p["votes"], p["score"]) for p in park["projects"]}
    assert votes == {"a": (3, 3), "b": (2, 2), "c": (2, 2), "d": (3, 3)}
