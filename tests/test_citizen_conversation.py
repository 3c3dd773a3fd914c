"""The conversation never points at nothing, and says things the local way — through the real dispatcher, the
fake Bot API over real HTTP and the real database: what follows the last item, an old consent button, a link to
nothing, "up to three", the first hello, one question number per proposal item, quotation marks, forged and
closed-consultation buttons."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from bot.i18n import translator
from storage.models import Answer, Enrolment, Item, Participant, Proposal, ProposalVote
from tests.production.test_hostile_input import forge_press
from tests.test_e2e_citizen import walk_demo
from tests.test_e2e_every_kind import load_example

CHAT, OTHER = 8301, 8302
THANKS_TITLE = "Young people and the city"
HINT = "Please answer with the buttons under the message. 👇"


@pytest.fixture
def no_errors(caplog):
    caplog.set_level(logging.WARNING)
    yield caplog
    # caplog.records would be the teardown's own records only: the test's are those of its call
    records = caplog.get_records("setup") + caplog.get_records("call")
    failures = [r for r in records if r.levelno >= logging.ERROR and r.name.startswith(("bot", "aiogram.event"))]
    assert failures == [], [r.getMessage() for r in failures]


def live_keyboards(t, chat: int) -> list[str]:
    return [m["text"] for m in t.messages(chat) if m["buttons"]]


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


# ---- B: never pointing at nothing ---------------------------------------------------------------------


async def test_typing_after_the_last_item_gets_no_buttons_hint(telegram, demo, no_errors):
    await walk_demo(telegram, CHAT, "en", "English")
    assert "Thank you!" in telegram.texts(CHAT)[-1]
    before = len(telegram.messages(CHAT))
    await telegram.send(CHAT, "is that all?")
    replies = telegram.texts(CHAT)[before:]
    assert replies == [
        f"You have answered every question in “{THANKS_TITLE}”. Thank you! /consultations shows what else is open."
    ]
    assert HINT not in "\n".join(telegram.texts(CHAT))


async def test_an_old_consent_button_sends_no_second_copy_of_the_question(telegram, demo, db, no_errors):
    await telegram.send(CHAT, "/start", language_code="en")
    await telegram.press(CHAT, "English")
    first_consent = telegram.last_with_buttons(CHAT)
    await telegram.send(CHAT, "/start")  # a second consent message, as people do
    await telegram.press(CHAT, "✅")  # agree under the second one
    assert "How old are you?" in telegram.texts(CHAT)[-1]
    before = len(telegram.messages(CHAT))
    await telegram.press(CHAT, "✅", message=first_consent)  # then under the first one
    assert len(telegram.messages(CHAT)) == before  # no second copy of question 1
    assert telegram.fake.callback_answers(CHAT)[-1]["text"] == "You have already agreed. ✓"
    keyboards = live_keyboards(telegram, CHAT)
    assert len(keyboards) == 1 and "How old are you?" in keyboards[0], keyboards
    await telegram.press(CHAT, index=0)  # and the conversation goes on
    assert "What do you think of this proposal?" in telegram.texts(CHAT)[-1]
    assert await count(db, Enrolment) == 1


async def test_a_link_to_nothing_lists_what_is_open(telegram, demo, no_errors):
    await walk_demo(telegram, CHAT, "en", "English")
    before = len(telegram.messages(CHAT))
    await telegram.send(CHAT, "/start no-such-consultation")
    [reply] = telegram.messages(CHAT)[before:]
    assert reply["text"] == ("This consultation link is not valid any more.\n\nOpen consultations — choose one:")
    assert [b["text"] for row in reply["buttons"] for b in row] == [f"▶ {THANKS_TITLE}"]
    # first contact through a dead link: the notice, the greeting and the languages
    await telegram.send(OTHER, "/start no-such-consultation", language_code="de")
    picker = telegram.last(OTHER)
    de = translator("de")
    assert picker["text"].startswith(de._("This consultation link is not valid any more.") + "\n\n👋 ")
    assert picker["text"].endswith(de._("Choose your language:")) and picker["buttons"][0][0]["text"] == "✓ Deutsch"


async def test_up_to_three_refuses_the_fourth_tick_at_once(telegram, db, no_errors):
    slug = await load_example(db)
    t = telegram
    await t.send(CHAT, f"/start {slug}", language_code="en")
    await t.press(CHAT, "English")
    await t.press(CHAT, "✅")
    await t.press(CHAT, "18-24")
    await t.press(CHAT, "rather not say")
    await t.press(CHAT, "A few times a year")
    assert "Tap to select up to 3 options, then press Done." in t.texts(CHAT)[-1]
    for label in ("Hard to get to", "Dirty", "Nothing to do there"):
        await t.press(CHAT, label)
    await t.press(CHAT, "No benches")
    answer = t.fake.callback_answers(CHAT)[-1]
    assert answer["text"] == "You can choose up to 3 options. Untick one first." and answer["show_alert"]
    ticked = [b["text"] for b in t.buttons(CHAT) if b["text"].startswith("☑️")]
    assert ticked == ["☑️ Hard to get to", "☑️ Nothing to do there", "☑️ Dirty"]  # the fourth is not ticked
    await t.press(CHAT, "Dirty")  # untick one, then the fourth fits
    await t.press(CHAT, "No benches")
    await t.press(CHAT, "Done")
    assert "What would you do on a renewed riverside?" in t.texts(CHAT)[-1]
    async with db.session() as s:
        barriers = (
            await s.execute(select(Answer.value).join(Item, Item.id == Answer.item_id).where(Item.key == "barriers"))
        ).scalar_one()
        assert len(barriers) == 3


# ---- C: the first hello, one question number per item, quotes ------------------------------------------


async def test_first_contact_is_greeted_in_the_apps_language(telegram, demo, no_errors):
    await telegram.send(CHAT, "/start", language_code="uk")
    uk = translator("uk")
    text = telegram.last(CHAT)["text"]
    greeting = uk._(
        "Hello! I am viche, the bot of public consultations: you answer a few questions and say what "
        "you think of proposals, anonymously."
    )
    assert text == f"👋 {greeting}\n\n{uk._('Choose your language:')}" and "Hello" not in greeting
    await telegram.press(CHAT, "Українська")
    await telegram.send(CHAT, "/language")  # later, no greeting: they know the bot
    assert telegram.last(CHAT)["text"] == uk._("Choose your language:")


async def test_the_proposals_of_one_item_are_one_question(telegram, demo, no_errors):
    await telegram.send(CHAT, "/start", language_code="en")
    await telegram.press(CHAT, "English")
    await telegram.press(CHAT, "✅")
    assert telegram.texts(CHAT)[-1].startswith("Question 1 of 3\n\nHow old are you?")
    await telegram.press(CHAT, index=0)
    screens = [telegram.texts(CHAT)[-1]]
    for _ in range(2):
        await telegram.press(CHAT, "👍")
        await telegram.press(CHAT, "Skip")
        screens.append(telegram.texts(CHAT)[-1])
    assert screens[0].startswith("Question 2 of 3\n\nWhat do you think of this proposal?\n\n“")
    for later in screens[1:]:
        assert later.startswith("What do you think of this proposal?\n\n“") and "Question" not in later
    await telegram.press(CHAT, "👍")
    await telegram.press(CHAT, "Skip")
    assert telegram.texts(CHAT)[-1].startswith("Question 3 of 3\n\n")  # the pairs: the next question


def test_english_texts_use_english_quotation_marks():
    """«» are Ukrainian and French marks; English writes “”, German „“ … Each catalog carries its own."""
    root = Path(__file__).resolve().parent.parent / "bot" / "i18n" / "locales"
    marks = {"en": "“”", "uk": "«»", "fr": "«»", "de": "„“", "cs": "„“", "pl": "„”", "sv": "””"}
    for locale, (opening, closing) in marks.items():
        with open(root / locale / "LC_MESSAGES" / "viche.po", "rb") as po:
            catalog = read_po(po)
        quoted = translator(locale)._("«{text}»", text="x")
        assert quoted.replace("\u00a0", " ").replace(" ", "") == f"{opening}x{closing}", (locale, quoted)
        if locale not in ("uk", "fr"):  # no «» where the language writes other marks
            for message in catalog:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                assert not any("«" in s or "»" in s for s in strings if s), message.id


# ---- D: forged presses, closed consultations, visible characters --------------------------------------


async def test_forged_buttons_before_consent_get_a_clear_answer(telegram, demo, db, no_errors):
    await telegram.send(CHAT, "/start", language_code="en")
    await telegram.press(CHAT, "English")  # the consent question, not answered
    consent = telegram.last_with_buttons(CHAT)
    sent = len(telegram.fake.sent_messages(CHAT))
    for data in (
        "cx:1",
        "np:1",
        "pf:age_band:0",
        "pn:region",
        "a:1:1",
        "x:1",
        "s:1:3",
        "m:1:1",
        "md:1:1",
        "bd:1:1",
        "v:1:agree",
        "q:1:agree:like_it",
        "qs:1:agree",
        "p:abc:left",
        "pu:abc",
        "pr:abc:both",
    ):
        toast = await forge_press(telegram, CHAT, data, consent)
        assert toast in (
            "This button is no longer active.",
            "You have already answered this one.",
            "Please read and accept the consultation's terms first: /start shows them.",
        ), (data, toast)
    assert len(telegram.fake.sent_messages(CHAT)) == sent
    assert await count(db, Answer) == 0
    async with db.session() as s:
        assert (await s.execute(select(Enrolment.consented_at))).scalar_one() is None


async def test_a_closed_consultation_takes_no_one_in(telegram, demo, db, http, no_errors):
    # someone opened it while it was open, and has not agreed yet
    await telegram.send(CHAT, "/start", language_code="en")
    await telegram.press(CHAT, "English")
    consent = telegram.last_with_buttons(CHAT)
    closed = await http.post(f"/organiser/consultations/{demo}/status", json={"action": "close"})
    assert closed.status_code == 200, closed.text
    enrolled = await count(db, Enrolment)
    # their consent button, a forged "take part" and the deep link of a newcomer: all refused
    await telegram.press(CHAT, "✅", message=consent)
    answer = telegram.fake.callback_answers(CHAT)[-1]
    assert answer["text"] == "This consultation is not open right now." and answer["show_alert"]
    assert await forge_press(telegram, CHAT, f"sw:{demo}", consent) == "This consultation is not open right now."
    await telegram.send(OTHER, f"/start {demo}--poster", language_code="en")
    await telegram.press(OTHER, "English")
    assert "No consultation is open right now" in telegram.texts(OTHER)[-1]
    await telegram.send(OTHER, f"/start {demo}")
    assert telegram.texts(OTHER)[-1].startswith("This consultation is not open right now.\n\nNo consultation")
    assert await count(db, Enrolment) == enrolled
    assert await count(db, Enrolment, Enrolment.consented_at.is_not(None)) == 0
    # the API itself, for any front end
    pid = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "77"})).json()["id"]
    for path, body in (
        ("enrol", {"slug": demo}),
        ("consent", {"slug": demo}),
        ("profile", {"slug": demo, "field": "age_band", "value": None}),
        ("awaiting", {"slug": demo, "awaiting": None}),
    ):
        response = await http.post(f"/participant/{pid}/{path}", json=body)
        assert response.status_code == 409 and response.json()["error"]["code"] == "not_open", (path, response.text)
    assert await count(db, Enrolment) == enrolled


@pytest.mark.parametrize("route", ["enrol", "consent"])
async def test_fifty_concurrent_requests_for_one_person_make_one_row(http, demo, db, route):
    import asyncio

    # a running API: the consultation and its items are in its cache (cold, every request would take a
    # second connection to load them, and 50 at once wait on a pool of 15: a limit of the pool, not a race)
    warm = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "49"})).json()["id"]
    assert (await http.post(f"/participant/{warm}/consent", params={"next": demo}, json={"slug": demo})).is_success
    pid = (await http.post("/participant/identify", json={"channel": "telegram", "external_id": "50"})).json()["id"]
    responses = await asyncio.gather(
        *(
            http.post(
                f"/participant/{pid}/{route}",
                params={"next": demo, "lang": "en"} if route == "consent" else None,
                json={"slug": demo, "source": "poster"},
            )
            for _ in range(50)
        )
    )
    assert [r.status_code for r in responses if r.status_code >= 300] == [], responses[0].text
    assert await count(db, Enrolment, Enrolment.participant_id == pid) == 1
    async with db.session() as s:
        enrolment = (await s.execute(select(Enrolment).where(Enrolment.participant_id == pid))).scalar_one()
        participant = await s.get(Participant, pid)
    assert enrolment.source == "poster" and participant.current_consultation_id == enrolment.consultation_id
    if route == "consent":
        assert sum(r.json()["consented_now"] for r in responses) == 1
        assert all(r.json()["consented"] and r.json()["next"]["status"] == "item" for r in responses)
        assert enrolment.consented_at is not None


async def test_a_proposal_of_invisible_characters_is_too_short(telegram, db, http, no_errors):
    slug = await load_example(db)
    await telegram.send(CHAT, f"/start {slug}", language_code="en")
    await telegram.press(CHAT, "English")
    await telegram.press(CHAT, "✅")
    for label in (
        "18-24",
        "rather not say",
        "A few times a year",
        "Hard to get to",
        "Done",
        "Go for walks",
        "Done",
        "2",
        "Skip",
        "👍",
        "Skip",
        "Add my own proposal",
    ):
        await telegram.press(CHAT, label)
    for text in ("\u200b" * 15, "\u200b\u200c\u200d\u2060\ufeff" * 10, "a\u200bb\u200bc \u200b d e f g h i"):
        await telegram.send(CHAT, text)
        assert re.fullmatch(
            r"A proposal needs 12 to 280 characters; yours has \d\. Please try again\.", telegram.texts(CHAT)[-1]
        ), telegram.texts(CHAT)[-1]
    assert await count(db, Proposal, Proposal.status == "pending") == 0
    await telegram.send(CHAT, "Plant \u200bwillows along the banks")  # visible enough, kept as written
    async with db.session() as s:
        [pending] = (await s.execute(select(Proposal.text).where(Proposal.status == "pending"))).scalars().all()
    assert pending == {"en": "Plant \u200bwillows along the banks"}


async def test_a_why_tapped_twice_at_once_shows_the_next_proposal_once(telegram, demo, db, no_errors):
    await telegram.send(CHAT, "/start", language_code="en")
    await telegram.press(CHAT, "English")
    await telegram.press(CHAT, "✅")
    await telegram.press(CHAT, index=0)
    await telegram.press(CHAT, "👍")
    why = telegram.last_with_buttons(CHAT)
    data = next(b["callback_data"] for b in telegram.buttons(CHAT, why) if b["text"] == "I like it")
    before = len(telegram.messages(CHAT))
    await telegram.fake.press_button(CHAT, why["message_id"], data)
    await telegram.fake.press_button(CHAT, why["message_id"], data)
    await telegram.settle()
    await telegram.settle()
    assert len(telegram.messages(CHAT)) == before + 1  # the next proposal, once
    assert len(live_keyboards(telegram, CHAT)) == 1
    assert [a["text"] for a in telegram.fake.callback_answers(CHAT)[-2:]].count("Already recorded. ✓") == 1
    async with db.session() as s:
        assert (await s.execute(select(ProposalVote.qualification))).scalars().all() == ["like_it"]
