"""Volunteering through the participant routes and the jury's end through the organiser's: answers as the
definition allows them, drafts never drawn, a withdrawal out of the pool, the jury's end written from the
definition and by /jury end, and retention keeping a volunteer's chat only until the jury ends plus the
retention period."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from api import privacy
from core.definition.check import check_text
from storage.consultations import by_slug
from storage.models import Contact
from storage.models_broadcast import Delivery
from storage.models_jury import Jury, JuryVolunteer
from tests.jury.conftest import SLUG

ENDS = datetime.fromisoformat("2027-06-30T18:00:00+02:00")


async def participant(http, chat: int, consent: bool = True) -> str:
    pid = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": str(chat)})).json()[
        "id"
    ]
    assert (await http.post(f"/participant/{pid}/enrol", json={"slug": SLUG})).status_code == 200
    if consent:
        assert (await http.post(f"/participant/{pid}/consent", json={"slug": SLUG})).status_code == 200
    return pid


async def test_answers_follow_the_definition_and_only_confirmed_volunteers_are_in_the_pool(http, db, jury_consultation):
    stranger = await participant(http, 6100, consent=False)
    refused = await http.post(f"/participant/{stranger}/jury/{SLUG}/begin")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_consent"

    pid = await participant(http, 6101)
    base = f"/participant/{pid}/jury/{SLUG}"
    screen = (await http.post(f"{base}/begin", params={"lang": "en"})).json()
    assert screen["status"] == "question" and screen["dates"] == "three Saturdays in May 2027"
    assert (
        screen["question"]["text"] == "Gender" and screen["question"]["explanation"] == "Half of the panel are women."
    )
    assert screen["question"]["optional"] is False
    skipped = await http.post(f"{base}/answer", json={"category": 0, "option": None})
    assert skipped.status_code == 422 and skipped.json()["error"]["code"] == "answer_required"
    assert (await http.post(f"{base}/answer", json={"category": 0, "option": 9})).status_code == 422
    assert (await http.post(f"{base}/confirm")).status_code == 409  # not every question answered yet
    await http.post(f"{base}/answer", json={"category": 0, "option": 0})
    screen = (await http.post(f"{base}/answer", json={"category": 1, "option": None}, params={"lang": "en"})).json()
    assert screen["status"] == "confirm"
    assert screen["answers"] == [{"question": "Gender", "answer": "Woman"}, {"question": "District", "answer": None}]
    status = (await http.get(f"/organiser/consultations/{SLUG}/jury")).json()
    assert status["pool"] == 0  # a draft is no volunteer: they have not said they may be contacted
    assert datetime.fromisoformat(status["ends_at"]) == ENDS  # the jury's end, from the definition

    assert (await http.post(f"{base}/confirm")).json()["status"] == "volunteered"
    async with db.session() as session:
        row = (await session.execute(select(JuryVolunteer))).scalar_one()
        assert row.categories == {"gender": "woman", "district": "undisclosed"} and row.contact_consent
    assert (await http.get(f"/organiser/consultations/{SLUG}/jury")).json()["pool"] == 1
    fixed = await http.post(f"{base}/answer", json={"category": 0, "option": 1})
    assert fixed.status_code == 409  # a confirmed volunteer's answers may have been drawn upon

    assert (await http.post(f"{base}/withdraw")).json()["status"] == "withdrawn"
    status = (await http.get(f"/organiser/consultations/{SLUG}/jury")).json()
    assert (status["pool"], status["withdrawn"]) == (0, 1)
    async with db.session() as session:
        row = (await session.execute(select(JuryVolunteer))).scalar_one()
        assert row.withdrawn_at is not None and not row.contact_consent
    again = (await http.post(f"{base}/begin")).json()
    assert again["status"] == "question" and again["answered"] == 0  # volunteering again starts afresh

    ended = (await http.post(f"/organiser/consultations/{SLUG}/jury/end")).json()
    assert ended["ended"] is True
    late = await http.post(f"/participant/{await participant(http, 6102)}/jury/{SLUG}/begin")
    assert late.status_code == 409 and late.json()["error"]["code"] == "jury_ended"


async def test_retention_keeps_a_volunteers_chat_until_the_jury_ends_plus_the_period(http, db, jury_consultation):
    volunteer, other = await participant(http, 6201), await participant(http, 6202)
    base = f"/participant/{volunteer}/jury/{SLUG}"
    await http.post(f"{base}/begin")
    await http.post(f"{base}/answer", json={"category": 0, "option": 1})
    await http.post(f"{base}/answer", json={"category": 1, "option": 0})
    await http.post(f"{base}/confirm")
    async with db.session() as session:
        consultation = await by_slug(session, SLUG)
        consultation.status = "closed"
        await session.commit()
        await privacy.record_closures(session)
        month_later = datetime.now(ENDS.tzinfo) + timedelta(days=40)
        swept = await privacy.sweep_retention(session, 30, now=month_later)
        kept = set((await session.execute(select(Contact.participant_id))).scalars())
        assert kept == {volunteer} and swept["contacts_deleted"] == 1  # the other one's chat is gone
        assert other not in kept
        swept = await privacy.sweep_retention(session, 30, now=ENDS + timedelta(days=29))
        # ended, but within the period
        assert swept == {"contacts_deleted": 0, "jury_contacts_erased": 0, "phone_hashes_erased": 0}
        swept = await privacy.sweep_retention(session, 30, now=ENDS + timedelta(days=31))
        assert swept == {"contacts_deleted": 1, "jury_contacts_erased": 1, "phone_hashes_erased": 0}
        row = (await session.execute(select(JuryVolunteer))).scalar_one()
        assert row.participant_id is None and not row.contact_consent and row.categories
        assert (await session.execute(select(Jury.ends_at))).scalar_one() is not None


def test_the_definition_checker_places_the_jurys_problems_on_their_lines():
    text = (Path(__file__).with_name("chat_jury.yaml")).read_text()
    text = text.replace("compensation: {pl: 300 zł za dzień, en: 300 PLN a day}", "compensation: {pl: 300 zł za dzień}")
    text = text.replace(
        "woman: {min: 1, max: 1}, man: {min: 1, max: 1}", "woman: {min: 1, max: 1}, child: {min: 1, max: 1}"
    )
    report = check_text(text, "jury.yaml")
    problems = [(p.line, p.message) for p in report.problems]
    assert any("unknown options: child" in message for _, message in problems), problems
    text = text.replace("child:", "man:")
    problems = [(p.path, p.line, p.message) for p in check_text(text, "jury.yaml").problems]
    assert problems == [("jury.compensation", 16, "no text in en")]


async def volunteered(http, chat: int, gender: int) -> str:
    pid = await participant(http, chat)
    base = f"/participant/{pid}/jury/{SLUG}"
    await http.post(f"{base}/begin")
    await http.post(f"{base}/answer", json={"category": 0, "option": gender})
    await http.post(f"{base}/answer", json={"category": 1, "option": None})
    assert (await http.post(f"{base}/confirm")).json()["status"] == "volunteered"
    return pid


async def test_forgetting_a_seat_frees_it_and_the_schedule_draws_someone_in_its_place(
    http, db, store, jury_consultation
):
    women = [await volunteered(http, chat, 0) for chat in (6301, 6302)]
    men = [await volunteered(http, chat, 1) for chat in (6303, 6304)]
    drawn = await http.post(f"/organiser/consultations/{SLUG}/jury/panel", json={"seed": 3})
    assert drawn.status_code == 200 and drawn.json()["panel"]["invited"] == 2, drawn.text
    again = await http.post(f"/organiser/consultations/{SLUG}/jury/panel", json={"seed": 4})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_drawn"
    async with db.session() as session:
        called = set((await session.execute(select(Delivery.participant_id))).scalars())
    woman = next(pid for pid in women if pid in called)
    mine = (await http.get(f"/participant/{woman}/export")).json()["jury_pools"]
    assert [row["seat"] for row in mine] == ["invited"]  # /mydata shows the seat
    assert (await http.post(f"/participant/{woman}/forget")).status_code == 200
    await store.schedule()
    async with db.session() as session:
        called_now = set((await session.execute(select(Delivery.participant_id))).scalars())
    assert called_now - called == {pid for pid in women if pid != woman}  # the other woman: the quota holds
    assert len(called_now & set(men)) == 1
    status = (await http.get(f"/organiser/consultations/{SLUG}/jury")).json()
    assert status["panel"]["invited"] == 2 and status["replacements"] == 1
