"""Hostile and odd input, each kind fed through the real dispatcher (polling and webhook): stickers, photos,
voice, documents from non-organisers, edited messages, group and channel messages, forged and stale button
data, buttons of a closed consultation, 10 000-character texts, control characters and bidi marks.

Each gets a short translated reply or is ignored by design; nothing raises (the error handler never runs),
no reply breaks Telegram's limits, no data is lost, and the conversation goes on afterwards."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.models import Answer, Contact, Proposal, ProposalVote
from tests.conftest import SERVICE_TOKEN
from tests.harness import every_framework, running_bot
from tests.production.conftest import webhook_bot
from tests.test_e2e_every_kind import load_example

CHAT, GROUP, CHANNEL = 6301, -100777, -100888
UNSUPPORTED = "I can only read text and buttons here. /help shows what I can do."
INACTIVE = "This button is no longer active."
LONG = ("Довгий текст \u202eз керуючими\u200f символами. " * 400)[:10_000]
pytestmark = every_framework


@pytest.fixture(params=["polling", "webhook"])
async def t(request, api_app, framework):
    if request.param == "polling":
        async with running_bot(api_app, SERVICE_TOKEN, default_language="uk", framework=framework) as harness:
            yield harness
    else:
        async with webhook_bot(api_app, framework=framework) as harness:
            yield harness


def inject(fake, body: dict[str, Any]) -> dict[str, Any]:
    """Deliver an update the fake's user helpers cannot make (a voice note, a channel post, forged data)."""
    return fake._push(body)


def user(chat: int) -> dict[str, Any]:
    return {"id": chat, "is_bot": False, "first_name": "Mallory", "language_code": "en"}


async def forge_press(t, chat: int, data: str, message: dict[str, Any] | None = None) -> str | None:
    """A modified client sends callback data that no button carries, under the bot's namespace (a bot shared with
    a host answers only its own); returns the bot's answer (toast)."""
    message = message or t.last_with_buttons(chat)
    stored = t.fake.chats.get(chat).messages[message["message_id"]].message
    query_id = str(secrets.randbits(63))
    t.fake.open_callback_queries[query_id] = {"chat_id": chat, "message_id": message["message_id"]}
    inject(
        t.fake,
        {
            "callback_query": {
                "id": query_id,
                "from": user(chat),
                "message": stored,
                "chat_instance": "1",
                "data": t.data(data),
            }
        },
    )
    await t.settle()
    answers = [a for a in t.fake.callback_answers(chat) if a["callback_query_id"] == query_id]
    assert len(answers) == 1, f"{data!r} was answered {len(answers)} times"
    return answers[0]["text"]


async def quiet(t) -> None:
    """Wait for the bot after updates it may never receive (polling asks only for the kinds it handles, so
    Telegram does not even send edits), then let the harness count from here."""
    await t.fake.wait_until_idle(timeout=15, quiet=0.1)
    if hasattr(t, "counter"):
        t.expected = t.counter.done


async def send_media(t, chat: int, body: dict[str, Any]) -> None:
    t.fake.register_user(chat)
    chat_obj = t.fake.chats.private(t.fake.users[chat])
    stored = t.fake.chats.add(chat_obj, t.fake.users[chat], body, from_bot=False)
    inject(t.fake, {"message": stored.message})
    await t.settle()


def file_ref(kind: str) -> dict[str, Any]:
    ident = secrets.token_hex(8)
    base = {"file_id": f"{kind}-{ident}", "file_unique_id": ident}
    return {
        "voice": {**base, "duration": 3, "mime_type": "audio/ogg"},
        "video": {**base, "width": 640, "height": 480, "duration": 5},
        "video_note": {**base, "length": 240, "duration": 5},
        "audio": {**base, "duration": 200},
        "animation": {**base, "width": 320, "height": 240, "duration": 2},
    }[kind]


@pytest.fixture
def no_errors(caplog):
    caplog.set_level(logging.WARNING)
    yield caplog
    # caplog.records would be the teardown's own records only: the test's are those of its call
    records = caplog.get_records("setup") + caplog.get_records("call")
    failures = [r for r in records if r.levelno >= logging.ERROR and r.name.startswith(("bot", "aiogram.event"))]
    assert failures == [], [r.getMessage() for r in failures]


async def start_riverside(t, db) -> str:
    slug = await load_example(db)
    await t.send(CHAT, f"/start {slug}", language_code="en")
    await t.press(CHAT, "English")
    await t.press(CHAT, "✅")
    return slug


async def count(db, model, *where) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where))


def assert_within_limits(t, chat: int) -> None:
    for message in t.fake.sent_messages(chat):
        assert len((message["text"] or "").encode("utf-16-le")) // 2 <= 4096


async def test_media_gets_one_short_translated_line(t, db, demo, no_errors):
    await t.send(CHAT, "/start", language_code="en")
    await t.press(CHAT, "English")
    question_count = len(t.messages(CHAT))
    await t.fake.send_sticker(CHAT, "😀")
    await t.settle()
    await t.fake.send_photo(CHAT, b"\xff\xd8\xff\xe0 not really a jpeg", caption="look at this")
    await t.settle()
    await t.fake.send_document(CHAT, "consultation.yaml", b"slug: hacked\n", caption="load this")
    await t.settle()
    for kind in ("voice", "video", "video_note", "audio", "animation"):
        await send_media(t, CHAT, {kind: file_ref(kind)})
    await send_media(t, CHAT, {"contact": {"phone_number": "+380000000000", "first_name": "Mallory"}})
    await send_media(t, CHAT, {"dice": {"emoji": "🎲", "value": 6}})
    await send_media(
        t,
        CHAT,
        {
            "poll": {
                "id": "1",
                "question": "?",
                "options": [
                    {"text": "a", "voter_count": 0, "persistent_id": "a"},
                    {"text": "b", "voter_count": 0, "persistent_id": "b"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        },
    )
    replies = t.texts(CHAT)[question_count:]
    assert replies == [UNSUPPORTED] * 11
    # nothing changed: the consent question is still the one to answer
    await t.press(CHAT, "✅")
    assert "How old are you?" in t.texts(CHAT)[-1]
    # Ukrainian speakers get it in Ukrainian (once the catalog has it), from their saved language
    await t.send(CHAT + 1, "/start", language_code="uk")
    await t.press(CHAT + 1, "Українська")
    await t.fake.send_sticker(CHAT + 1)
    await t.settle()
    assert t.texts(CHAT + 1)[-1] == __import__("bot.i18n", fromlist=["translator"]).translator("uk")._(UNSUPPORTED)


async def test_edits_groups_and_channels_are_ignored(t, db, demo, no_errors):
    await t.send(CHAT, "/start", language_code="en")
    sent = len(t.fake.sent_messages(CHAT))
    mine = [m for m in t.fake.transcript(CHAT) if m["from"] == "user"][-1]
    await t.fake.edit_user_message(CHAT, mine["message_id"], "/help")
    await quiet(t)
    await t.fake.send_group_message(GROUP, CHAT, "/start")
    await t.fake.send_group_message(GROUP, CHAT, "hello bot")
    await quiet(t)
    channel = {"id": CHANNEL, "type": "channel", "title": "News"}
    inject(t.fake, {"channel_post": {"message_id": 1, "date": int(time.time()), "chat": channel, "text": "/start"}})
    inject(
        t.fake,
        {
            "edited_channel_post": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": channel,
                "text": "/help",
                "edit_date": int(time.time()),
            }
        },
    )
    await quiet(t)
    assert len(t.fake.sent_messages(CHAT)) == sent
    assert t.fake.sent_messages(GROUP) == [] and t.fake.sent_messages(CHANNEL) == []
    assert await count(db, Contact) == 1  # nobody was registered from the group or the channel
    # a button under a message in a group: answered "no longer active", nothing sent there
    await t.fake.send_group_message(GROUP, CHAT, "hi")
    await quiet(t)
    group_message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "group", "title": "G"},
        "text": "Vote!",
    }
    query_id = str(secrets.randbits(63))
    t.fake.open_callback_queries[query_id] = {"chat_id": GROUP, "message_id": 1}
    inject(
        t.fake,
        {
            "callback_query": {
                "id": query_id,
                "from": user(CHAT),
                "message": group_message,
                "chat_instance": "2",
                "data": t.data("v:1:a"),
            }
        },
    )
    await t.settle()
    assert t.fake.callback_answers(GROUP)[-1]["text"] == INACTIVE
    assert t.fake.sent_messages(GROUP) == [] and await count(db, ProposalVote) == 0


async def test_a_message_without_a_sender_reaches_no_handler(t, db, demo, no_errors):
    """Telegram leaves ``from`` out of what a chat sends in its own name. The context middleware gives the
    handlers a person only when there is one: such a message reaches no handler (none of them raises on the
    missing sender), nothing is sent or stored, and the conversation goes on. A Telegram id near 2^52 is a
    person like any other."""
    await t.send(CHAT, "/start", language_code="en")
    sent, contacts = len(t.fake.sent_messages(CHAT)), await count(db, Contact)
    private = {"id": CHAT, "type": "private", "first_name": "Mallory"}
    for text in ("/help", "hello", "/mydata", "/digests"):
        inject(t.fake, {"message": {"message_id": 90_000, "date": int(time.time()), "chat": private, "text": text}})
    await quiet(t)
    assert len(t.fake.sent_messages(CHAT)) == sent and await count(db, Contact) == contacts
    await t.send(CHAT, "/help")
    assert len(t.fake.sent_messages(CHAT)) == sent + 1
    large = 2**52 - 1
    await t.send(large, "/start", language_code="en")
    assert t.texts(large)[-1].endswith("Choose your language:")


async def test_a_press_under_no_message_is_ignored(t, db, demo, no_errors):
    """A button of an inline message comes with ``inline_message_id`` and no message at all. The bot has no
    inline mode, so no such button is its own: the press reaches no handler, nothing raises, nothing is sent or
    stored, and the conversation goes on."""
    await t.send(CHAT, "/start", language_code="en")
    sent = len(t.fake.sent_messages(CHAT))
    query_id = str(secrets.randbits(63))
    t.fake.open_callback_queries[query_id] = {"chat_id": CHAT, "message_id": 0}  # the fake files answers by chat
    inject(
        t.fake,
        {
            "callback_query": {
                "id": query_id,
                "from": user(CHAT),
                "inline_message_id": "AAE-inline",
                "chat_instance": "3",
                "data": t.data("v:1:a"),
            }
        },
    )
    await quiet(t)
    assert len(t.fake.sent_messages(CHAT)) == sent and await count(db, ProposalVote) == 0
    await t.send(CHAT, "/help")
    assert len(t.fake.sent_messages(CHAT)) == sent + 1


async def test_forged_and_stale_button_data(t, db, demo, no_errors):
    await t.send(CHAT, "/start", language_code="en")
    await t.press(CHAT, "English")
    await t.press(CHAT, "✅")
    await t.press(CHAT, index=1)
    question = t.last_with_buttons(CHAT)
    agree = next(b["callback_data"] for b in t.buttons(CHAT) if "Agree" in b["text"])
    _, proposal_id, _ = agree.removeprefix(t.namespace).split(":")
    sent = len(t.fake.sent_messages(CHAT))
    forged = [
        "zz:1",
        "garbage",
        "",
        ":",
        "v",
        "v:",
        "v:999999:agree",
        f"v:{proposal_id}:x",
        f"v:{proposal_id}:a",
        f"v:0{proposal_id}:agree",
        f"v:{proposal_id}:agree:",
        "v:abc:agree",
        "a:1:notint",
        "a:-1:-1",
        "lang:xx",
        "lang:",
        "s:1:99999999999999999999",
        "p:nosuchtoken:left",
        "pr::both",
        "pr:tok:u",
        "m:1:zzz",
        "ok:no-such-consultation",
        "sw:../../etc",
        "pf:z:z",
        "pf:age_band:99",
        "fg:0000000000",
        "fg:q",
        "fgn:x",
        "q:1:agree:zz",
        f"q:{proposal_id}:agree:no_way",
        "qs:",
        "x:" + "9" * 60,
        "np:1",
        "cx:1",
        "\u202e\u0000\u0007",
    ]
    for data in forged:
        toast = await forge_press(t, CHAT, data, question)
        assert toast in (INACTIVE, "You have already answered this one.", "This consultation is not open right now."), (
            data,
            toast,
        )
    assert await count(db, ProposalVote) == 0 and await count(db, Contact) == 1
    # nothing was sent but toasts
    assert len(t.fake.sent_messages(CHAT)) == sent
    # the real buttons still work
    await t.press(CHAT, "👍", message=question)
    assert t.fake.callback_answers(CHAT)[-1]["text"] == "Saved ✓"
    # stale: the other choice for an already-voted proposal, from an old message
    toast = await forge_press(t, CHAT, f"v:{proposal_id}:disagree", question)
    assert toast == "You have already answered this one."
    async with db.session() as s:
        assert [v.choice for v in (await s.execute(select(ProposalVote))).scalars()] == ["agree"]


async def test_buttons_of_a_closed_consultation(t, db, demo, http, no_errors):
    await t.send(CHAT, "/start", language_code="en")
    await t.press(CHAT, "English")
    await t.press(CHAT, "✅")
    await t.press(CHAT, index=1)
    closed = await http.post(f"/organiser/consultations/{demo}/status", json={"action": "close"})
    assert closed.status_code == 200, closed.text
    await t.press(CHAT, "👍")
    answer = t.fake.callback_answers(CHAT)[-1]
    assert answer["text"] == "This consultation is not open right now." and answer["show_alert"]
    await t.send(CHAT, "/start")
    assert "is not open right now" in t.texts(CHAT)[-1]
    assert await count(db, ProposalVote) == 0


async def test_long_texts_control_characters_and_bidi_marks(t, db, no_errors):
    # before choosing a language: the picker again, nothing stored
    await t.send(CHAT, LONG, language_code="en")
    assert t.texts(CHAT)[-1].endswith("\n\nChoose your language:")
    await start_riverside(t, db)
    # where a button is expected: a hint and the question again
    await t.send(CHAT, LONG)
    assert t.texts(CHAT)[-2] == "Please answer with the buttons under the message. 👇"
    await t.press(CHAT, "18-24")
    await t.press(CHAT, "rather not say")
    await t.press(CHAT, "A few times a year")
    await t.press(CHAT, "Hard to get to")
    await t.press(CHAT, "Done")
    await t.press(CHAT, "Go for walks")
    await t.press(CHAT, "Done")
    await t.press(CHAT, "2")
    assert "What exactly makes you feel unsafe?" in t.texts(CHAT)[-1]
    # free text: 10 000 characters are refused with the limit, then control characters are dropped and
    # right-to-left marks kept
    await t.send(CHAT, LONG)
    assert re.fullmatch(r"Please write \d+ to \d+ characters\.", t.texts(CHAT)[-1])
    await t.send(CHAT, "\x00\x07\x1b\x00")
    assert re.fullmatch(r"Please write \d+ to \d+ characters\.", t.texts(CHAT)[-1])
    await t.send(CHAT, "Dark\x00 under the \u202ebridge\u202c\u200f \x1b[31mat night\x07")
    assert t.texts(CHAT)[-2] == "✓ Saved"
    async with db.session() as s:
        [answer] = (await s.execute(select(Answer.value).where(Answer.value.is_not(None)))).scalars().all()[-1:]
    assert answer == "Dark under the \u202ebridge\u202c\u200f [31mat night"
    # a proposal of 10 000 characters: its length is named, nothing is stored, the same prompt goes on
    await t.press(CHAT, "👍")
    await t.press(CHAT, "doable")
    await t.press(CHAT, "Add my own proposal")
    await t.send(CHAT, LONG)
    assert t.texts(CHAT)[-1] == ("A proposal needs 12 to 280 characters; yours has 10000. Please try again."), t.texts(
        CHAT
    )[-1]
    await t.send(CHAT, "\u202eLight the \x07stairs by the\u200f bridge")
    assert "once a moderator has checked it" in "\n".join(t.texts(CHAT)[-2:])
    async with db.session() as s:
        texts = [p.text for p in (await s.execute(select(Proposal).where(Proposal.status == "pending"))).scalars()]
    assert texts == [{"en": "\u202eLight the stairs by the\u200f bridge"}]
    assert_within_limits(t, CHAT)
