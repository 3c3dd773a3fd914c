"""The `.pb` export's `selected` column is the official rule's outcome (the first counting rule the organiser
listed), never another rule's, and META's `rule` names that rule: a city publishing the file publishes what it
will fund. Chat ballots on which greedy and the Method of Equal Shares fund different projects, exported with
either rule first."""

from __future__ import annotations

import pytest

from api.scoring.budget import pabulib
from tests.budget.test_chat_ballot import BUDGET
from tests.partner.conftest import auth, new_key
from tests.results.support import create, fresh_participant, screen

# Greedy funds d, a, b (100 of 100); equal shares funds d and b only (see tests/budget/test_chat_ballot.py).
BALLOTS = [["a", "d"]] * 3 + [["b", "c"]] * 2
OUTCOMES = {"greedy": {"a", "b", "d"}, "equalshares": {"b", "d"}}


@pytest.mark.parametrize("first", ["equalshares", "greedy"])
async def test_selected_and_meta_rule_are_the_first_counting_rule(http, partner, db, first):
    other = next(rule for rule in OUTCOMES if rule != first)
    (item,) = BUDGET["items"]
    definition = {
        **BUDGET,
        "slug": f"pb-official-{first}",
        "min_segment_size": 1,
        "items": [{**item, "counting": [{"rule": first}, {"rule": other}]}],
    }
    await create(db, definition)
    slug = definition["slug"]
    for number, ballot in enumerate(BALLOTS):
        pid = await fresh_participant(http, slug, str(500 + number))
        current = await screen(http, pid, slug)
        options = {o["key"]: o["id"] for o in current["options"]}
        answer = {"item_id": current["item"]["id"], "value": [options[k] for k in ballot]}
        assert (await http.post(f"/participant/{pid}/answers", json=answer)).status_code == 200

    key = await new_key(db, slug)
    response = await partner.get(f"/v1/consultations/{slug}/export/pabulib.pb", headers=auth(key))
    assert response.status_code == 200, response.text
    exported = pabulib.parses(response.text)
    assert exported.rule == first
    assert exported.selected() == OUTCOMES[first] != OUTCOMES[other]
