"""Districts (issue 24, point 3): a consultation with a city-wide budget and one per district, each participant
offered only the budgets their profile region admits, through the real dispatcher; each budget's results (and
the results page) say which district it is for; a ballot for another district is refused by the API; and a
project with a place can be shown from the ballot as a venue (point 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Participant
from tests.harness import every_framework
from tests.partner.conftest import auth, new_key
from tests.results.support import create, item_of

REGIONS = [{"key": "north", "label": {"en": "North"}}, {"key": "south", "label": {"en": "South"}}]


def budget(key: str, prompt: str, projects: list[tuple[str, str, int]], **extra) -> dict:
    return {
        "type": "budget",
        "key": key,
        "prompt": {"en": prompt},
        "total": 100,
        "projects": [{"key": k, "label": {"en": label}, "cost": cost} for k, label, cost in projects],
        **extra,
    }


CITY = budget("city", "City-wide: fund what?", [("park", "Park", 60), ("bus", "Bus stop", 40)])
CITY["projects"][0].update(latitude=50.4501, longitude=30.5234)
DEFINITION = {
    "slug": "districts",
    "min_segment_size": 1,
    "profile": {"regions": REGIONS},
    "items": [
        CITY,
        budget("north_pb", "North: fund what?", [("library", "North library", 50)], regions=["north"]),
        budget("south_pb", "South: fund what?", [("pool", "South pool", 50)], regions=["south"]),
    ],
}


async def vote_through(t, chat: int, region: str | None) -> list[str]:
    """/start, English, consent, the region (or none), then every ballot offered: its prompt, first project."""
    await t.send(chat, "/start districts", language_code="en")
    await t.press(chat, "English")
    await t.press(chat, "✅")
    await t.press(chat, region or "rather not say")
    prompts = []
    while "fund what?" in t.texts(chat)[-1]:
        prompts.append(t.texts(chat)[-1].split("\n\n")[1])
        await t.press(chat, index=0)  # the first project
        await t.press(chat, "Done")
    assert "Thank you!" in t.texts(chat)[-1], t.texts(chat)
    return prompts


@every_framework  # aiogram and python-telegram-bot alike
async def test_a_district_budget_is_offered_only_to_its_district(telegram, db, http):
    consultation = await create(db, DEFINITION)
    assert await vote_through(telegram, 8101, "North") == ["City-wide: fund what?", "North: fund what?"]
    assert await vote_through(telegram, 8102, "South") == ["City-wide: fund what?", "South: fund what?"]
    assert await vote_through(telegram, 8103, None) == ["City-wide: fund what?"]

    results = (await http.get("/organiser/consultations/districts/results", params={"fresh": "true"})).json()
    items = {item["key"]: item for item in results["items"]}
    assert items["city"]["districts"] == [] and items["city"]["ballots"] == 3
    assert items["north_pb"]["districts"] == ["North"] and items["north_pb"]["ballots"] == 1
    assert items["south_pb"]["districts"] == ["South"] and items["south_pb"]["funded"] == ["pool"]

    # The API refuses a ballot for another district, whatever a front end sends.
    async with db.session() as session:
        north = (await session.execute(select(Participant.id).where(Participant.region == "north"))).scalar_one()
    screen = (await http.get(f"/participant/{north}/next", params={"slug": "districts"})).json()
    assert screen["status"] == "done"
    south_item = await item_of(db, consultation.id, "south_pb")
    refused = await http.post(f"/participant/{north}/answers", json={"item_id": south_item.id, "value": []})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_district"
    # Nor can it be built pick by pick, nor sent (the chat's ballot routes).
    for path, body in [("picks", {"action": "add", "option_id": None}), ("send", None)]:
        refused = await http.post(f"/participant/{north}/ballots/{south_item.id}/{path}", json=body)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_in_district", path


async def test_the_results_page_names_each_budgets_district(db, http):
    await create(db, DEFINITION)
    assert (await http.put("/organiser/consultations/districts/published", json={"published": True})).status_code in (
        200,
        204,
    )
    page = (await http.get("/r/districts", params={"lang": "en"})).text
    assert "North: fund what? (district: North)" in page
    assert "South: fund what? (district: South)" in page
    assert "City-wide: fund what?" in page and "City-wide: fund what? (district" not in page


@every_framework  # aiogram and python-telegram-bot alike
async def test_a_projects_place_is_sent_as_a_venue_from_the_ballot(telegram, db):
    await create(db, DEFINITION)
    t, chat = telegram, 8110
    await t.send(chat, "/start districts", language_code="en")
    await t.press(chat, "English")
    await t.press(chat, "✅")
    await t.press(chat, "North")
    await t.press(chat, "Where are the projects?")
    assert [b["text"] for b in t.buttons(chat)] == ["📍 Park"]  # the bus stop has no place
    await t.press(chat, "Park")
    (venue,) = t.fake.calls("sendVenue")
    sent = t.messages(chat)[-1]["venue"]
    assert sent["title"] == "Park" and sent["location"] == {"latitude": 50.4501, "longitude": 30.5234}
    assert "60" in sent["address"]
    assert venue


def test_a_definition_names_only_districts_its_profile_asks_for():
    from pydantic import ValidationError

    from core.definition import ConsultationDef

    base = {"title": {"en": "T"}, "languages": ["en"], "default_language": "en", "slug": "districts-check"}
    wrong = {**DEFINITION, **base, "items": [{**DEFINITION["items"][1], "regions": ["east"]}]}
    with pytest.raises(ValidationError, match=r"regions east are not keys of profile\.regions"):
        ConsultationDef.model_validate(wrong)
    without = {**base, "items": [DEFINITION["items"][1]]}
    with pytest.raises(ValidationError, match="regions need the profile's regions question"):
        ConsultationDef.model_validate(without)
    codes = {"requires": "invitation", "country_codes": ["380"]}
    with pytest.raises(ValidationError, match=r"country_codes belongs to requires: phone"):
        ConsultationDef.model_validate({**base, "items": [{**CITY, "eligibility": codes}]})
    assert ConsultationDef.model_validate({**DEFINITION, **base}).items[1].regions == ["north"]


@every_framework  # aiogram and python-telegram-bot alike
async def test_a_district_budget_of_fewer_voters_than_k_is_withheld(telegram, db, http):
    """min_segment_size 2: two citizens vote in the city-wide budget, one of them in North's. North's budget
    would tell how that one person voted: results, the page and the .pb export withhold it."""
    await create(db, {**DEFINITION, "min_segment_size": 2})
    assert await vote_through(telegram, 8121, "North") == ["City-wide: fund what?", "North: fund what?"]
    assert await vote_through(telegram, 8122, None) == ["City-wide: fund what?"]
    results = (await http.get("/organiser/consultations/districts/results", params={"fresh": "true"})).json()
    items = {item["key"]: item for item in results["items"]}
    assert items["city"]["ballots"] == 2
    assert items["north_pb"] == {
        "key": "north_pb",
        "kind": "budget",
        "number": 2,
        "prompt": "North: fund what?",
        "withheld": True,
    }
    assert (await http.put("/organiser/consultations/districts/published", json={"published": True})).is_success
    page = (await http.get("/r/districts", params={"lang": "en"})).text
    assert "City-wide: fund what?" in page and "North library" not in page
    key = await new_key(db, "districts")
    refused = await http.get(
        "/v1/consultations/districts/export/pabulib.pb", params={"item": "north_pb"}, headers=auth(key)
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "below_threshold"
    city = await http.get("/v1/consultations/districts/export/pabulib.pb", params={"item": "city"}, headers=auth(key))
    assert city.status_code == 200
