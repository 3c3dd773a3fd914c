"""Exports: pseudonyms only, segment values, cursors for incremental sync, streaming in batches."""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

from sqlalchemy import insert, select

from api.partner import export_definitions, export_stream, formats
from api.partner.pseudonym import Pseudonymizer, secret_for
from storage.models import (
    Answer,
    Consultation,
    Contact,
    Enrolment,
    Item,
    Option,
    Participant,
    new_participant_id,
    utcnow,
)
from tests.broadcast.support import min_group
from tests.partner.conftest import add_people, auth, csv_rows, jsonl_rows, new_key
from tests.partner.test_keys import second_consultation

EXPORTS = [
    "answers.csv",
    "answers.jsonl",
    "aoi/votes.csv",
    "aoi/non_votes.csv",
    "aoi/ideas.csv",
    "polis/votes.csv",
    "polis/comments.csv",
]


async def walk_demo_as(telegram, chat: int, username: str, name: str) -> None:
    telegram.fake.register_user(chat, username=username, first_name=name)
    await telegram.fake.send_text(chat, "/start", language_code="en")
    await telegram.settle()
    await telegram.press(chat, "English")
    await telegram.press(chat, "✅")
    await telegram.press(chat, index=1)
    for _ in range(3):
        await telegram.press(chat, "👍")
        await telegram.press(chat, index=0)
    await telegram.press(chat, "🅰")
    await telegram.press(chat, "🅱")
    await telegram.press(chat, index=2)
    await telegram.press(chat, index=0)


async def test_no_export_holds_a_telegram_id_username_or_name(telegram, partner, db, demo):
    citizens = {8_123_456_701: ("zoryana_k", "Зоряна"), 8_123_456_702: ("ostap_b", "Ostap")}
    for chat, (username, name) in citizens.items():
        await walk_demo_as(telegram, chat, username, name)
    await min_group(db, demo, 2)  # two citizens: nothing is released below the consultation's minimum group
    async with db.session() as s:
        contacts = (await s.execute(select(Contact))).scalars().all()
        participants = [p.id for p in (await s.execute(select(Participant))).scalars().all()]
    assert sorted(int(c.external_id) for c in contacts) == sorted(citizens)
    forbidden = (
        [str(chat) for chat in citizens]
        + [u for u, _ in citizens.values()]
        + [n for _, n in citizens.values()]
        + [f"User{chat}" for chat in citizens]
        + participants
    )
    key = await new_key(db, demo)
    bodies = {}
    for name in EXPORTS:
        response = await partner.get(f"/v1/consultations/{demo}/export/{name}", headers=auth(key))
        assert response.status_code == 200, (name, response.text)
        bodies[name] = response.text
        for value in forbidden:
            assert value not in response.text, (name, value)
    for name in ("answers.csv", "aoi/votes.csv", "polis/votes.csv", "aoi/non_votes.csv"):
        assert len(bodies[name].splitlines()) > 1, name
    # No column is about identity either.
    header = bodies["answers.csv"].splitlines()[0].lower()
    assert not any(word in header for word in ("telegram", "username", "name", "chat", "contact", "external"))
    rows = csv_rows(bodies["answers.csv"])
    assert {r["type"] for r in rows} == {"answer", "vote", "pair"}
    assert len({r["participant"] for r in rows}) == 2
    # The same pseudonym in every format.
    pseudonyms = {r["participant"] for r in rows}
    assert {r["voter-id"] for r in csv_rows(bodies["polis/votes.csv"])} == pseudonyms
    assert {r["Session ID"] for r in csv_rows(bodies["aoi/votes.csv"])} == pseudonyms
    assert {r["participant"] for r in jsonl_rows(bodies["answers.jsonl"])} == pseudonyms


async def test_pseudonyms_are_keyed_stable_and_per_consultation(db):
    async with db.session() as s:
        secret = await secret_for(s)
        again = await secret_for(s)
    assert secret == again and len(secret) >= 32
    pid = new_participant_id()
    a, b = Pseudonymizer(secret, "city-youth"), Pseudonymizer(secret, "other-city")
    assert a(pid) == a(pid) == Pseudonymizer(secret, "city-youth")(pid)
    assert a(pid) != b(pid) and pid not in a(pid) and len(a(pid)) == 24
    assert Pseudonymizer(b"another secret", "city-youth")(pid) != a(pid)


async def test_answers_carry_segment_values(partner, db, demo):
    await add_people(db, demo, 20)  # two combinations of 10 each: the demo's min_segment_size, so both are shown
    key = await new_key(db, demo)
    rows = csv_rows((await partner.get(f"/v1/consultations/{demo}/export/answers.csv", headers=auth(key))).text)
    assert len(rows) == 20 * 3
    assert {(r["age_band"], r["region"]) for r in rows} == {("18-24", "kyiv"), ("25-34", "lviv")}
    assert {r["country"] for r in rows} == {"UA"} and {r["source"] for r in rows} == {"poster"}
    assert {r["language"] for r in rows} == {"uk"}
    answer = next(r for r in rows if r["type"] == "answer")
    assert answer["item"] == "age" and answer["option"] == "u18" and answer["item_kind"] == "single_choice"
    vote = next(r for r in rows if r["type"] == "vote")
    assert vote["choice"] in {"agree", "disagree", "neutral"} and vote["proposal"].isdigit()
    pair = next(r for r in rows if r["type"] == "pair")
    assert pair["outcome"] in {"left", "right"} and pair["left"] and pair["right"] and pair["after_skip"] == "false"
    jsonl = jsonl_rows((await partner.get(f"/v1/consultations/{demo}/export/answers.jsonl", headers=auth(key))).text)
    assert [r["cursor"] for r in jsonl] == [r["cursor"] for r in rows]
    assert all(isinstance(r["proposal"], int) for r in jsonl if r["type"] == "vote")


async def test_cursor_pages_and_incremental_sync(partner, db, demo):
    await add_people(db, demo, 10)
    key = await new_key(db, demo)
    url = f"/v1/consultations/{demo}/export/answers.csv"
    full = await partner.get(url, headers=auth(key))
    everything = csv_rows(full.text)
    assert len(everything) == 30

    pages, after = [], None
    while True:
        params = {"limit": 7, **({"after": after} if after else {})}
        page = await partner.get(url, params=params, headers=auth(key))
        rows = csv_rows(page.text)
        if not rows:
            assert page.headers["x-next-cursor"] == after
            break
        assert len(rows) <= 7
        assert page.headers["x-next-cursor"] == rows[-1]["cursor"]
        pages += rows
        after = page.headers["x-next-cursor"]
    assert pages == everything
    assert after == full.headers["x-next-cursor"]

    # Any row's cursor resumes right after that row.
    middle = everything[13]["cursor"]
    rest = csv_rows((await partner.get(url, params={"after": middle}, headers=auth(key))).text)
    assert rest == everything[14:]

    # New rows of every kind arrive; a sync from the last cursor gets exactly those, answers included
    # although the previous export had already moved on to pairs.
    await add_people(db, demo, 2, first=10)
    newer = csv_rows((await partner.get(url, params={"after": after}, headers=auth(key))).text)
    assert [r["type"] for r in newer] == ["answer", "answer", "vote", "vote", "pair", "pair"]
    assert not {r["cursor"] for r in newer} & {r["cursor"] for r in everything}

    # The same cursors work for the other streamed formats.
    polis = f"/v1/consultations/{demo}/export/polis/votes.csv"
    first = await partner.get(polis, params={"limit": 5}, headers=auth(key))
    second = await partner.get(polis, params={"after": first.headers["x-next-cursor"]}, headers=auth(key))
    assert len(csv_rows(first.text)) == 5 and len(csv_rows(second.text)) == 7


async def test_bad_cursors_and_items_are_400(partner, db, demo):
    await add_people(db, demo, 10)
    key = await new_key(db, demo)
    import base64

    huge = [
        base64.urlsafe_b64encode(raw.encode()).decode()
        for raw in ("1|99999999999999999999999|0||", "1|0|0|99999999999999999999|tok", "1|-1|0||")
    ]
    for params in (
        {"after": "not-a-cursor"},
        {"after": "MnwxfDJ8fA"},
        {"after": "!!!"},
        *({"after": cursor} for cursor in huge),
    ):
        response = await partner.get(f"/v1/consultations/{demo}/export/answers.csv", params=params, headers=auth(key))
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor", params
    response = await partner.get(
        f"/v1/consultations/{demo}/export/aoi/votes.csv", params={"item": "age"}, headers=auth(key)
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "unknown_item"
    response = await partner.get(f"/v1/consultations/{demo}/export/answers.csv", params={"limit": 0}, headers=auth(key))
    assert response.status_code == 422


async def test_counters_and_listing(partner, db, demo):
    await add_people(db, demo, 5)
    key = await new_key(db, demo)
    counters = (await partner.get(f"/v1/consultations/{demo}/counters", headers=auth(key))).json()
    assert counters["participants"] == counters["consented"] == 5 and counters["answers"] == 15
    assert [(i["key"], i["answers"]) for i in counters["items"]] == [("age", 5), ("ideas", 5), ("priorities", 5)]
    one = (await partner.get(f"/v1/consultations/{demo}", headers=auth(key))).json()
    assert one["counts"] == {"participants": 5, "consented": 5, "completed": 0, "answers": 15}
    assert one["status"] == "open" and one["title"] and set(one["titles"]) == {"uk", "en", "de", "pl", "cs", "fr", "sv"}


async def _bulk_answers(db, slug: str, count: int) -> None:
    """``count`` single-choice answers, one per participant, inserted in bulk."""
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == slug))).scalar_one()
        item = (
            (await s.execute(select(Item).where(Item.consultation_id == consultation.id, Item.kind == "single_choice")))
            .scalars()
            .first()
        )
        option = (await s.execute(select(Option.id).where(Option.item_id == item.id))).scalars().first()
        now = utcnow()
        for start in range(0, count, 5000):
            ids = [new_participant_id() for _ in range(min(5000, count - start))]
            await s.execute(insert(Participant), [{"id": i, "created_at": now, "age_band": "18-24"} for i in ids])
            await s.execute(
                insert(Enrolment),
                [
                    {
                        "participant_id": i,
                        "consultation_id": consultation.id,
                        "source": "bench",
                        "created_at": now,
                        "profile_done": [],
                    }
                    for i in ids
                ],
            )
            await s.execute(
                insert(Answer),
                [
                    {
                        "participant_id": i,
                        "item_id": item.id,
                        "option_id": option,
                        "created_at": now + timedelta(microseconds=n),
                    }
                    for n, i in enumerate(ids)
                ],
            )
        await s.commit()


async def _peak_while_exporting(db, slug: str, batch_size: int) -> tuple[int, int, int]:
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation).where(Consultation.slug == slug))).scalar_one()
    tracemalloc.start()
    try:
        export = await export_definitions.answers_export(db, consultation, fmt="csv", batch_size=batch_size)
        rows = chunks = 0
        async for chunk in export.chunks:
            chunks += 1
            rows += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows - 1, chunks, peak


async def test_exports_stream_in_batches_with_flat_memory(db, demo):
    """The full measure (1 000 000 answers through the real route) is bench/bench_export.py."""
    other = await second_consultation(db)
    await _bulk_answers(db, demo, 2_000)
    await _bulk_answers(db, other, 20_000)
    small_rows, small_chunks, small_peak = await _peak_while_exporting(db, demo, 500)
    big_rows, big_chunks, big_peak = await _peak_while_exporting(db, other, 500)
    assert (small_rows, big_rows) == (2_000, 20_000)
    assert small_chunks == 1 + 4 and big_chunks == 1 + 40  # the header, then one chunk per batch
    # Ten times the rows, about the same memory: nothing grows with the size of the export.
    assert big_peak < 2 * small_peak, (small_peak, big_peak)


async def test_results_and_ranking(partner, db, demo):
    await add_people(db, demo, 12)
    key = await new_key(db, demo)
    results = await partner.get(f"/v1/consultations/{demo}/results", headers=auth(key))
    assert results.status_code == 200, results.text
    body = results.json()
    assert [i["key"] for i in body["items"]] == ["age", "ideas", "priorities"]
    assert body["items"][0]["options"][0]["count"] == 12 and len(body["items"][0]["options"][0]["interval"]) == 2
    by_age = (
        await partner.get(f"/v1/consultations/{demo}/results", params={"segment": "age_band"}, headers=auth(key))
    ).json()
    assert by_age["segment"] == "age_band" and by_age["segments"]
    bad = await partner.get(f"/v1/consultations/{demo}/results", params={"segment": "telegram_id"}, headers=auth(key))
    assert bad.status_code == 400
    ranking = (await partner.get(f"/v1/consultations/{demo}/ranking", headers=auth(key))).json()
    assert [i["key"] for i in ranking["items"]] == ["ideas", "priorities"]
    assert all("interval" in r and "score" in r for i in ranking["items"] for r in i["ranking"])
    one = await partner.get(f"/v1/consultations/{demo}/ranking", params={"item": "age"}, headers=auth(key))
    assert one.status_code == 400


def test_cursor_round_trip():
    cursor = export_stream.Cursor(answer=12, vote=7, pair_us=export_stream._us(utcnow()), pair_token="abc_DEF-1")
    assert export_stream.Cursor.decode(cursor.encode()) == cursor
    assert export_stream.Cursor.decode(None) == export_stream.Cursor()
    assert formats.aoi_score(14, 6) == formats.aoi_score(14, 6, 4) and str(formats.aoi_score(14, 6)) == "68.1818"
