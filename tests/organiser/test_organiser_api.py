"""Organiser routes: drafts from files, status changes, figures, preview, links, moderation, organisers."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete, select

from api.errors import ApiError
from api.organiser.links import payload as start_payload
from storage.models import Consultation, Contact, Proposal
from storage.models_organiser import Organiser
from tests.organiser.support import ORGANISER, SLUG, citizen_proposal, example_text, snapshot, upload


async def test_a_file_becomes_a_draft_which_can_be_replaced_until_launched(http, db):
    first = await upload(http, example_text())
    assert first.status_code == 201, first.text
    body = first.json()
    assert body == {
        "slug": SLUG,
        "title": "Нова набережна Південного Бугу",
        "status": "draft",
        "items": 10,
        "languages": ["uk", "en", "de"],
        "created": True,
        "warnings": [],
    }
    replaced = await upload(http, example_text().replace("max_pairs: 6", "max_pairs: 4"))
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    async with db.session() as s:
        consultation = (await s.execute(select(Consultation))).scalar_one()
        assert consultation.status == "draft"
        assert next(i for i in consultation.definition["items"] if i["key"] == "priorities")["max_pairs"] == 4
    assert (await http.post(f"/organiser/consultations/{SLUG}/status", json={"action": "launch"})).status_code == 200
    refused = await upload(http, example_text())
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_a_draft"


async def test_problems_come_back_as_422_with_their_lines(http, db):
    text = example_text().replace("total: 2000000", "total: 1000").replace("max_pairs: 6", "max_pairs: six")
    response = await upload(http, text, "mine.yaml")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_definition" and error["message"] == "the definition file has 2 problems"
    lines = [
        number for number, line in enumerate(text.splitlines(), 1) if "max_pairs: six" in line or "total: 1000" in line
    ]
    assert [(p["path"], p["line"]) for p in error["problems"]] == [
        ("items[6].max_pairs", lines[0]),
        ("items[7].total", lines[1]),
    ]
    assert (
        error["problems"][1]["text"]
        == f"mine.yaml:{lines[1]}: items[7].total: no project fits in the total budget of 1000"
    )
    async with db.session() as s:
        assert (await s.execute(select(Consultation))).first() is None


async def test_incomplete_translations_are_saved_with_warnings(http):
    text = example_text().replace("min_segment_size: 10", "min_segment_size: 10\nallow_incomplete_translations: true")
    text = text.replace("      de: Was genau gibt Ihnen das Gefühl, unsicher zu sein?\n", "")
    response = await upload(http, text)
    assert response.status_code == 201
    assert [w["path"] for w in response.json()["warnings"]] == ["items[4].prompt"]


async def test_status_changes_follow_the_lifecycle(http):
    await upload(http, example_text())
    url = f"/organiser/consultations/{SLUG}/status"
    assert [row["actions"] for row in (await http.get("/organiser/consultations")).json()] == [["launch"]]
    # Each row says which actions its status allows now: the bot offers exactly these (core.vocabulary.TRANSITIONS).
    for action, status, actions in (
        ("launch", "open", ["pause", "close"]),
        ("pause", "paused", ["resume", "close"]),
        ("resume", "open", ["pause", "close"]),
        ("close", "closed", []),
    ):
        response = await http.post(url, json={"action": action})
        assert response.status_code == 200 and response.json()["status"] == status
        assert response.json()["actions"] == actions
    again = await http.post(url, json={"action": "resume"})
    assert again.status_code == 409 and again.json()["error"]["consultation_status"] == "closed"
    assert (await http.post("/organiser/consultations/nope/status", json={"action": "launch"})).status_code == 404
    listed = (await http.get("/organiser/consultations")).json()
    assert listed == [
        {"slug": SLUG, "title": "Нова набережна Південного Бугу", "status": "closed", "participants": 0, "actions": []}
    ]


async def test_stats_count_answers_per_item_and_waiting_proposals(http, db, riverside):
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    stats = (await http.get(f"/organiser/consultations/{SLUG}/stats")).json()
    assert stats["participants"] == 1 and stats["consented"] == 1 and stats["completed"] == 0
    assert stats["pending_proposals"] == 1 and len(stats["items"]) == 10
    assert stats["items"][0] == {
        "key": "visits",
        "kind": "single_choice",
        "prompt": "Як часто ви буваєте на набережній?",
        "answers": 0,
    }


async def test_preview_shows_every_screen_in_order_and_records_nothing(http, db, riverside):
    before = await snapshot(db)
    url = f"/organiser/consultations/{SLUG}/preview"
    first = (await http.get(url, params={"lang": "de"})).json()
    assert first["status"] == "consent" and first["steps"] == 14 and first["position"] == 0
    assert first["consultation"]["title"] == "Ein neues Ufer am Südlichen Bug" and first["intro"].startswith(
        "Die Stadt"
    )
    steps, position = [first], first["next_position"]
    while position is not None:
        step = (await http.get(url, params={"position": position, "lang": "de"})).json()
        steps.append(step)
        position = step["next_position"]
    assert [s["status"] for s in steps] == ["consent", "profile", "profile"] + ["item"] * 10 + ["done"]
    assert [s["profile"]["field"] for s in steps[1:3]] == ["age_band", "region"]
    items = [s for s in steps if s["status"] == "item"]
    assert [s["item"]["kind"] for s in items] == [
        "single_choice",
        "multi_choice",
        "multi_choice",
        "scale",
        "free_text",
        "proposal",
        "pairs",
        "budget",
        "place",
        "free_text",
    ]
    assert items[1]["show_if"] == {"item": "visits", "any_of": ["rarely", "never"]}
    assert items[0]["item"]["prompt"] == "Wie oft sind Sie am Flussufer?"
    assert items[0]["options"][0]["label"] == "Jede Woche oder öfter"
    assert items[5]["proposal"]["text"].startswith("Das ganze Ufer") and items[5]["pool"] == 5
    assert items[6]["pair"]["token"] == "preview" and items[6]["pool"] == 5
    assert [o["cost"] for o in items[7]["options"]] == [650000, 480000, 900000, 300000, 420000]
    # Unknown languages fall back to the default one; positions past the end show the end.
    assert (await http.get(url, params={"lang": "xx"})).json()["consultation"]["title"].startswith("Нова")
    assert (await http.get(url, params={"position": 99})).json()["status"] == "done"
    assert await snapshot(db) == before
    # A draft can be previewed too.
    await http.post(f"/organiser/consultations/{SLUG}/status", json={"action": "pause"})
    assert (await http.get(url)).status_code == 200


async def test_link_and_qr_code(http, riverside):
    link = (await http.get(f"/organiser/consultations/{SLUG}/link", params={"bot": "viche_bot"})).json()
    assert link["url"] == f"https://t.me/viche_bot?start={SLUG}" and link["status"] == "open"
    sourced = (
        await http.get(f"/organiser/consultations/{SLUG}/link", params={"bot": "viche_bot", "source": "poster_3"})
    ).json()
    assert sourced["url"] == f"https://t.me/viche_bot?start={SLUG}--poster_3"
    png = await http.get(sourced["qr_png"])
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png.content))
    assert image.width == image.height >= 200
    for params, code in (
        ({"bot": "no"}, "invalid_bot_username"),
        ({"bot": "viche_bot", "source": "a b"}, "invalid_source"),
        ({"bot": "viche_bot", "source": "x" * 41}, "invalid_source"),
    ):
        response = await http.get(f"/organiser/consultations/{SLUG}/link", params=params)
        assert response.status_code == 400 and response.json()["error"]["code"] == code
    assert (await http.get("/organiser/consultations/nope/qr.png", params={"bot": "viche_bot"})).status_code == 404
    try:  # the longest slug with the longest source exceeds Telegram's 64-character /start payload
        start_payload("a" * 42, "b" * 40)
    except ApiError as error:
        assert error.code == "payload_too_long"
    else:
        raise AssertionError("a 84-character payload was accepted")


async def test_moderation_queue_accept_and_reject_say_whom_to_tell_in_which_language(http, db, riverside):
    empty = (await http.get("/organiser/moderation/next")).json()
    assert empty == {"pending": 0, "proposal": None}
    first = await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    second = await citizen_proposal(
        http, db, "7002", "en", "Free water taps every two hundred metres", key="priorities"
    )
    queue = (await http.get("/organiser/moderation/next", params={"slug": SLUG})).json()
    assert queue["pending"] == 2 and queue["proposal"]["id"] == first
    assert (
        queue["proposal"]["text"] == "Поставити більше смітників уздовж річки" and queue["proposal"]["language"] == "uk"
    )
    assert queue["proposal"]["item_key"] == "ideas" and queue["proposal"]["slug"] == SLUG
    skipped = (await http.get("/organiser/moderation/next", params={"after": first})).json()
    assert skipped["proposal"]["id"] == second
    assert (await http.get("/organiser/moderation/next", params={"after": second})).json()["proposal"]["id"] == first

    accepted = (await http.post(f"/organiser/proposals/{first}/accept")).json()
    assert accepted["status"] == "accepted" and accepted["reason"] is None
    assert accepted["notify"] == {
        "channel": "telegram",
        "external_id": "7001",
        "language": "uk",
        "consultation_title": "Нова набережна Південного Бугу",
        "text": "Поставити більше смітників уздовж річки",
    }
    rejected = (await http.post(f"/organiser/proposals/{second}/reject", json={"reason": "several_ideas"})).json()
    assert rejected["status"] == "rejected" and rejected["reason"] == "several_ideas"
    assert (
        rejected["notify"]["language"] == "en"
        and rejected["notify"]["consultation_title"] == "A new Southern Bug riverside"
    )
    async with db.session() as s:
        rows = {p.id: p for p in (await s.execute(select(Proposal).where(Proposal.author_id.is_not(None)))).scalars()}
        assert rows[first].status == "accepted" and rows[first].accepted_at is not None
        assert rows[second].status == "rejected" and rows[second].reject_reason == "several_ideas"
    again = await http.post(f"/organiser/proposals/{first}/reject", json={"reason": "other"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_moderated"
    bad = await http.post(f"/organiser/proposals/{second}/reject", json={"reason": "boring"})
    assert bad.status_code == 422
    assert (await http.post("/organiser/proposals/999999/accept")).status_code == 404
    assert (await http.get("/organiser/moderation/next")).json() == {"pending": 0, "proposal": None}


async def test_two_organisers_deciding_at_once_decide_once(http, db, riverside):
    pid = await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    responses = await asyncio.gather(
        http.post(f"/organiser/proposals/{pid}/accept"),
        http.post(f"/organiser/proposals/{pid}/reject", json={"reason": "other"}),
        http.post(f"/organiser/proposals/{pid}/accept"),
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409]


async def test_an_author_who_left_is_not_notified(http, db, riverside):
    pid = await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    async with db.session() as s:
        await s.execute(delete(Contact))
        await s.commit()
    decision = (await http.post(f"/organiser/proposals/{pid}/reject", json={"reason": "off_topic"})).json()
    assert decision["status"] == "rejected" and decision["notify"] is None


async def test_a_proposal_already_in_the_pool_cannot_be_accepted_twice(http, db, riverside):
    pid = await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    async with db.session() as s:  # the same idea reached the pool meanwhile (say, two submissions racing)
        twin = await s.get(Proposal, pid)
        s.add(Proposal(item_id=twin.item_id, text={"en": "x"}, normalized=twin.normalized, status="accepted"))
        await s.commit()
    refused = await http.post(f"/organiser/proposals/{pid}/accept")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "duplicate"
    assert (await http.post(f"/organiser/proposals/{pid}/reject", json={"reason": "duplicate"})).status_code == 200


async def test_owners_grant_and_revoke_organisers(http, db):
    # ``http`` acts as the owner ORGANISER (tests/conftest.py); who may do what is tested in test_organiser_identity.py
    assert (await http.get(f"/organiser/access/{ORGANISER}")).json() == {
        "telegram_id": ORGANISER,
        "organiser": True,
        "owner": True,
    }
    assert (await http.get("/organiser/access/5")).json()["organiser"] is False
    big = 7_000_000_000  # Telegram ids do not fit in 32 bits
    granted = await http.post("/organiser/organisers", json={"telegram_id": big})
    assert granted.status_code == 201 and granted.json()["source"] == "granted"
    assert granted.json()["granted_by"] == ORGANISER
    assert (await http.post("/organiser/organisers", json={"telegram_id": big})).status_code == 200
    assert (await http.get(f"/organiser/access/{big}")).json()["organiser"] is True
    listed = (await http.get("/organiser/organisers")).json()
    assert [(o["telegram_id"], o["source"]) for o in listed] == [(ORGANISER, "configured"), (big, "granted")]
    assert (await http.delete(f"/organiser/organisers/{ORGANISER}")).status_code == 409
    revoked = (await http.delete(f"/organiser/organisers/{big}")).json()
    assert revoked == {"telegram_id": big, "revoked": True}
    assert (await http.get(f"/organiser/access/{big}")).json()["organiser"] is False
    async with db.session() as s:
        assert (await s.execute(select(Organiser))).first() is None


async def test_organiser_routes_need_the_service_token(http):
    for method, path in (
        ("GET", "/organiser/consultations"),
        ("POST", "/organiser/consultations"),
        ("GET", "/organiser/moderation/next"),
        ("GET", "/organiser/access/1"),
    ):
        response = await http.request(method, path, headers={"Authorization": "Bearer wrong"})
        assert response.status_code == 401


async def test_titles_and_prompts_come_in_the_readers_language_where_the_consultation_has_it(http, db, riverside):
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    titles = {}
    for lang in (None, "en", "de", "pl"):
        params = {"lang": lang} if lang else {}
        [row] = (await http.get("/organiser/consultations", params=params)).json()
        stats = (await http.get(f"/organiser/consultations/{SLUG}/stats", params=params)).json()
        queue = (await http.get("/organiser/moderation/next", params=params)).json()
        link = (await http.get(f"/organiser/consultations/{SLUG}/link", params={"bot": "viche_bot", **params})).json()
        assert row["title"] == stats["title"] == queue["proposal"]["consultation_title"] == link["title"]
        titles[lang] = (row["title"], stats["items"][0]["prompt"], queue["proposal"]["item_prompt"])
    assert titles["en"] == (
        "A new Southern Bug riverside",
        "How often do you go to the riverside?",
        "What do you think of this proposal?",
    )
    assert titles["de"][0] == "Ein neues Ufer am Südlichen Bug"
    assert (
        titles[None]
        == titles["pl"]
        == ("Нова набережна Південного Бугу", "Як часто ви буваєте на набережній?", "Що ви думаєте про цю пропозицію?")
    )  # the default language
    paused = await http.post(f"/organiser/consultations/{SLUG}/status", params={"lang": "en"}, json={"action": "pause"})
    assert paused.json()["title"] == "A new Southern Bug riverside"
    assert (await http.get("/organiser/consultations", params={"lang": "x" * 17})).status_code == 422
