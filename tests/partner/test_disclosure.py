"""The disclosure rule against the attacks it is for: a participant alone in their outreach source, and one alone in
their combination of age band × country, cannot be singled out — not from the export's rows, not from results
split by a segment, not by differencing the whole and everyone-but-a-segment; free texts never come with a
segment that isolates."""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from sqlalchemy import insert, select

from api import disclosure
from storage.models import Answer, Enrolment, Option, Participant, new_participant_id, utcnow
from tests.broadcast.support import min_group
from tests.partner.conftest import auth, csv_rows, jsonl_rows, new_key
from tests.partner.test_exports import EXPORTS
from tests.results.support import create, item_of

K = 5
N = 24
LONELY_SOURCE = "lonely-school"
RARE = 23  # the one 25-34 from PL: both values are common, their combination is not


def profile(n: int) -> dict:
    """12 × 18-24 and 12 × 25-34; PL: five 18-24 and participant RARE; one participant from a source of their own."""
    return {
        "age_band": "18-24" if n < 12 else "25-34",
        "country": "PL" if n < 5 or n == RARE else "UA",
        "language": "uk",
        "region": None,
        "source": LONELY_SOURCE if n == 7 else "poster",
    }


async def population(db) -> str:
    consultation = await create(
        db,
        {
            "slug": "small-town",
            "min_segment_size": K,
            "items": [
                {
                    "key": "colour",
                    "type": "single_choice",
                    "prompt": {"en": "Colour?"},
                    "options": [{"key": k, "label": {"en": k}} for k in ("red", "blue", "green")],
                },
                {"key": "why", "type": "free_text", "prompt": {"en": "Why?"}},
            ],
        },
    )
    colour, why = await item_of(db, consultation.id, "colour"), await item_of(db, consultation.id, "why")
    now = utcnow()
    async with db.session() as s:
        options = list(
            (await s.execute(select(Option.id).where(Option.item_id == colour.id).order_by(Option.position))).scalars()
        )
        ids = [new_participant_id() for _ in range(N)]
        people = [profile(n) for n in range(N)]
        await s.execute(
            insert(Participant),
            [
                {"id": pid, "created_at": now, **{k: v for k, v in p.items() if k != "source"}}
                for pid, p in zip(ids, people)
            ],
        )
        await s.execute(
            insert(Enrolment),
            [
                {
                    "participant_id": pid,
                    "consultation_id": consultation.id,
                    "consented_at": now,
                    "created_at": now,
                    "profile_done": [],
                    "source": p["source"],
                }
                for pid, p in zip(ids, people)
            ],
        )
        # Participant 0 alone chose green: a cell of one, inside segments of K or more.
        await s.execute(
            insert(Answer),
            [
                {
                    "participant_id": pid,
                    "item_id": colour.id,
                    "option_id": options[2 if n == 0 else n % 2],
                    "created_at": now,
                }
                for n, pid in enumerate(ids)
            ],
        )
        await s.execute(
            insert(Answer),
            [
                {"participant_id": pid, "item_id": why.id, "value": f"my own words number {n}", "created_at": now}
                for n, pid in enumerate(ids)
            ],
        )
        await s.commit()
    return consultation.slug


ATTRIBUTES = ["age_band", "country", "region", "language", "source"]


async def test_no_export_row_singles_anyone_out(partner, db):
    slug = await population(db)
    key = await new_key(db, slug)
    for fmt, parse in (("csv", csv_rows), ("jsonl", jsonl_rows)):
        response = await partner.get(f"/v1/consultations/{slug}/export/answers.{fmt}", headers=auth(key))
        assert response.status_code == 200, response.text
        rows = parse(response.text)
        assert len(rows) == 2 * N
        assert LONELY_SOURCE not in response.text
        # Every combination of attributes a row carries is carried by K or more participants.
        carriers: dict[tuple, set[str]] = defaultdict(set)
        for row in rows:
            carriers[tuple(row[a] for a in ATTRIBUTES)].add(row["participant"])
        assert all(len(people) >= K for people in carriers.values()), {c: len(p) for c, p in carriers.items()}
        # Nobody is shown as 25-34 from PL (a group of one), and the lonely source's participant hides among others.
        assert not any(row["age_band"] == "25-34" and row["country"] == "PL" for row in rows)
        texts = {row["value"]: tuple(row[a] for a in ATTRIBUTES) for row in rows if row["item"] == "why"}
        assert len(texts) == N and all(len(carriers[combination]) >= K for combination in texts.values())
    # What the rule kept: the sources pool into "(other)" (the lonely one alone would be subtracted from the rest);
    # 18-24 keep their countries (5 PL, 7 UA); the one 25-34 from PL is sheltered by the 25-34 from UA, who give up
    # what comes after the age band, rather than that participant losing everything.
    csv_text = (await partner.get(f"/v1/consultations/{slug}/export/answers.csv", headers=auth(key))).text
    seen = Counter(tuple(r[a] for a in ATTRIBUTES) for r in csv_rows(csv_text) if r["item"] == "colour")
    other, withheld = disclosure.OTHER_LABEL, disclosure.WITHHELD_LABEL
    assert seen == {
        ("18-24", "PL", "", "uk", other): 5,
        ("18-24", "UA", "", "uk", other): 7,
        ("25-34", withheld, withheld, withheld, withheld): 12,
    }


async def test_results_by_segment_and_their_differences_never_isolate(partner, http, db):
    slug = await population(db)
    key = await new_key(db, slug)
    whole = (await partner.get(f"/v1/consultations/{slug}/results", headers=auth(key))).json()
    assert whole["participants"] == N
    why = next(i for i in whole["items"] if i["key"] == "why")
    assert len(why["texts"]) == N  # the whole carries the free texts, never who wrote them
    for segment in ("source", "age_band", "country", "region", "language"):
        for body in (
            (
                await partner.get(f"/v1/consultations/{slug}/results", params={"segment": segment}, headers=auth(key))
            ).json(),
            (
                await http.get(f"/organiser/consultations/{slug}/results", params={"segment": segment, "fresh": "true"})
            ).json(),
        ):
            assert LONELY_SOURCE not in str(body)
            for shown in body["segments"]:
                assert shown["participants"] >= K
                # Everyone minus this segment: again K or more (or nobody).
                rest = whole["participants"] - shown["participants"]
                assert rest == 0 or rest >= K, (segment, shown["value"], rest)
                for item, everyone in zip(shown["items"], whole["items"]):
                    left = everyone["answered"] - item["answered"]
                    assert left == 0 or left >= K
                # Free texts never come with a segment: the same text in two segmentations would cross them.
                segment_why = next(i for i in shown["items"] if i["key"] == "why")
                assert "texts" not in segment_why and segment_why["answered"] >= K
            assert sum(s["participants"] for s in body["segments"]) == whole["participants"]
            _no_small_cell(whole, body)


def _no_small_cell(whole: dict, body: dict) -> None:
    """No count of 1..K-1 shown in a segment, and none given back by subtracting the shown counts from a total:
    the whole's count of an option (a column), or a segment's number of answers (a row)."""
    everyone = {o["key"]: o["count"] for o in whole["items"][0]["options"]}
    assert everyone["green"] == 1  # the whole may say one person chose green: it does not say who
    rows = [s["items"][0] for s in body["segments"]]
    for row in rows:
        shown = [o["count"] for o in row["options"] if o["count"] is not None]
        assert not any(0 < n < K for n in shown), row
        assert row["answered"] - sum(shown) == 0 or row["answered"] - sum(shown) >= K, row
        assert all(o["share"] is None and o["interval"] is None for o in row["options"] if o["count"] is None)
    for key, total in everyone.items():
        shown = [o["count"] for row in rows for o in row["options"] if o["key"] == key and o["count"] is not None]
        # (All of a column hidden gives back only the whole's own count, which carries no segment.)
        assert not shown or total - sum(shown) == 0 or total - sum(shown) >= K, (body["segment"], key, total, shown)
    assert any(o["count"] is None for row in rows for o in row["options"] if o["key"] == "green")


def test_cells_below_k_and_their_complements_are_suppressed():
    cells = {("x", "a"): 11, ("x", "b"): 1, ("y", "a"): 9, ("y", "b"): 7, ("z", "a"): 20, ("z", "b"): 0}
    hidden = disclosure.suppress_cells(cells, 5)
    # x's b (1) goes; its row then needs k hidden (x's a joins); column b needs k hidden (y's b joins); column a
    # has x's a (11) hidden, fine; row y then has y's b (7) hidden alone, fine.
    assert hidden == {("x", "a"), ("x", "b"), ("y", "b")}
    linked = disclosure.suppress_cells(
        {("x", "agree"): 3, ("x", "disagree"): 9, ("y", "agree"): 8, ("y", "disagree"): 8},
        5,
        links={("x", "agree"): "p", ("x", "disagree"): "p"},
    )
    assert {("x", "agree"), ("x", "disagree")} <= linked and ("y", "agree") in linked


def test_plan_never_leaves_a_released_group_below_k():
    """Random populations: every released combination is carried by k or more, and what a row loses is always
    a suffix of the documented drop order (so two exports of one row together say no more than the fuller)."""
    rng = random.Random(7)
    values = (
        ["18-24", "25-34", "35-44", None],
        ["UA", "PL", "DE"],
        ["north", "south", None],
        ["uk", "en"],
        ["poster", "radio", "school-1", "school-2"],
    )
    order = [disclosure.ATTRIBUTES.index(a) for a in disclosure.DROP_ORDER]
    for _ in range(400):
        k = rng.randint(2, 9)
        people = [tuple(rng.choice(v) for v in values) for _ in range(rng.randint(0, 90))]
        plan = disclosure.plan(Counter(people), k)
        released = Counter(plan.released(p) for p in people)
        assert all(n >= k for n in released.values()) or len(people) < k
        for combination in released:
            withheld = [combination[a] is disclosure.WITHHELD for a in order]
            assert withheld == sorted(withheld, reverse=True), combination
        assert sum(plan.groups.values()) == len(people)


def test_plan_keeps_what_it_can():
    """A rare combination of common values loses only what isolates it, and others shelter it before it loses all."""
    people = (
        [("18-24", "UA", None, "uk", "poster")] * 6
        + [("25-34", "UA", None, "uk", "poster")] * 6
        + [("25-34", "UA", None, "uk", "radio")] * 5
        + [("18-24", "UA", None, "uk", "radio")]
    )
    plan = disclosure.plan(Counter(people), 5)
    W = disclosure.WITHHELD
    assert plan.released(people[0]) == ("18-24", "UA", None, "uk", W)  # 18-24 on radio alone: source goes
    assert plan.released(people[-1]) == ("18-24", "UA", None, "uk", W)
    assert plan.released(people[6]) == ("25-34", "UA", None, "uk", "poster")
    assert plan.released(people[12]) == ("25-34", "UA", None, "uk", "radio")
    assert disclosure.plan(Counter(people[:4]), 5).released(people[0]) == (W,) * 5  # fewer than k in all


async def test_below_the_minimum_group_nothing_is_released(partner, db):
    slug = await population(db)
    key = await new_key(db, slug)
    await min_group(db, slug, N + 1)
    for path in ["results", "ranking", *(f"export/{name}" for name in EXPORTS)]:
        response = await partner.get(f"/v1/consultations/{slug}/{path}", headers=auth(key))
        assert response.status_code == 409, (path, response.text)
        assert response.json()["error"] | {"message": ""} == {
            "status": 409,
            "code": "below_threshold",
            "message": "",
            "participants": N,
            "needed": N + 1,
        }
    # Participation counters are not results: they stay.
    assert (await partner.get(f"/v1/consultations/{slug}/counters", headers=auth(key))).json()["participants"] == N
    await min_group(db, slug, N)
    assert (await partner.get(f"/v1/consultations/{slug}/results", headers=auth(key))).status_code == 200
