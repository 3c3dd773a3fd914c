"""Red team: what an organiser types after a command, and what an organiser button carries, is checked before use.

A slug must follow the definition's rule, a Telegram id is ASCII digits for 1 … 2^63 - 1; anything else gets a
clear, translated reply, nothing is changed, nothing else is acted on, and no exception reaches the logs.
Through the real dispatcher, the fake Bot API over HTTP and the real database.
"""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from bot.i18n import translator
from storage.models import Consultation
from storage.models_organiser import Organiser
from tests.organiser.support import ORGANISER, SLUG, citizen_proposal, snapshot

INACTIVE = "This button is no longer active."
FAILURE = "Something went wrong on our side. Please try again in a moment."


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


async def status_of(db, slug: str = SLUG) -> str:
    async with db.session() as s:
        return (await s.execute(select(Consultation.status).where(Consultation.slug == slug))).scalar_one()


def slug_refusal(text: str, usage: str) -> str:
    return translator("en")._(
        "«{text}» is not a consultation's slug: 3 to 42 lowercase letters, digits and single hyphens, "
        "as /list shows them. Nothing was done. Usage: {usage}",
        text=text,
        usage=usage,
    )


async def test_a_slug_with_junk_is_refused_and_nothing_else_is_closed(telegram, db, riverside, caplog):
    """`/close riverside-2027:junk` used to ask about that text, then close riverside-2027 (the button's data
    was cut at the colon); a 62+ character argument raised CallbackTooLong."""
    caplog.set_level(logging.WARNING)
    await telegram.send(ORGANISER, f"/close {SLUG}:junk")
    reply = telegram.last(ORGANISER)
    assert reply["text"] == slug_refusal(f"{SLUG}:junk", "/close <slug>") and reply["buttons"] == []
    long_argument = "a" * 63
    await telegram.send(ORGANISER, f"/close {long_argument}")
    assert telegram.last(ORGANISER)["text"] == slug_refusal("a" * 39 + "…", "/close <slug>")
    await telegram.send(ORGANISER, f"/close {SLUG}-" + "x" * 60)
    assert "is not a consultation's slug" in telegram.texts(ORGANISER)[-1]
    await telegram.send(ORGANISER, f"/close {SLUG} junk")
    assert telegram.texts(ORGANISER)[-1] == ("I did not understand “junk”; nothing was done. Usage: /close <slug>")
    assert await status_of(db) == "open" and not [m for m in telegram.messages(ORGANISER) if m["buttons"]]
    # A well-formed slug still asks first, and the button names exactly it.
    await telegram.send(ORGANISER, f"/close {SLUG}")
    assert [b["callback_data"] for b in telegram.buttons(ORGANISER)] == [f"xc:{SLUG}", "xn:0"]
    assert FAILURE not in telegram.texts(ORGANISER) and errors(caplog) == []


async def test_every_command_refuses_a_bad_slug_with_a_clear_message(telegram, db, http, riverside, caplog):
    caplog.set_level(logging.WARNING)
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    before = await snapshot(db)
    cases = [
        (f"/launch {SLUG}:x", f"{SLUG}:x", "/launch <slug>"),
        ("/pause Riverside-2027", "Riverside-2027", "/pause <slug>"),
        ("/resume riverside--2027", "riverside--2027", "/resume <slug>"),
        ("/close ri", "ri", "/close <slug>"),
        ("/stats ../riverside-2027", "../riverside-2027", "/stats <slug>"),
        (f"/preview {SLUG}:1:en", f"{SLUG}:1:en", "/preview <slug> [language]"),
        (f"/moderate {SLUG}:junk", f"{SLUG}:junk", "/moderate [slug]"),
        (f"/link {SLUG}? poster", f"{SLUG}?", "/link <slug> [source]"),
        (f"/digest {SLUG}:junk", f"{SLUG}:junk", "/digest <slug> [round]"),
        ("/stats riverside‑2027", "riverside‑2027", "/stats <slug>"),  # a non-breaking hyphen
    ]
    for command, shown, usage in cases:
        await telegram.send(ORGANISER, command)
        assert telegram.last(ORGANISER)["text"] == slug_refusal(shown, usage), command
        assert telegram.last(ORGANISER)["buttons"] == [], command
    await telegram.send(ORGANISER, f"/stats {SLUG} now please")
    assert telegram.texts(ORGANISER)[-1] == "I did not understand “now please”; nothing was done. Usage: /stats <slug>"
    await telegram.send(ORGANISER, f"/preview {SLUG} e!")
    assert telegram.texts(ORGANISER)[-1] == (
        "“e!” is not a language code such as en or uk. Usage: /preview <slug> [language]"
    )
    await telegram.send(ORGANISER, f"/link {SLUG} poster 3")
    assert telegram.texts(ORGANISER)[-1] == "I did not understand “3”; nothing was done. Usage: /link <slug> [source]"
    assert await snapshot(db) == before
    # A language the consultation lacks: said, and shown in its default language.
    await telegram.send(ORGANISER, f"/preview {SLUG} fr")
    assert telegram.texts(ORGANISER)[-1].startswith(
        f"👁 Preview of {SLUG} (uk), screen 1 of 14 — nothing is recorded\n"
        f"{SLUG} has no “fr”: its languages are uk, en, de."
    )
    # And in the organiser's language: a German organiser reads the refusal in German.
    await telegram.send(ORGANISER, f"/close {SLUG}:junk", language_code="de")
    assert telegram.texts(ORGANISER)[-1] == translator("de")._(
        "«{text}» is not a consultation's slug: 3 to 42 lowercase letters, digits and single hyphens, "
        "as /list shows them. Nothing was done. Usage: {usage}",
        text=f"{SLUG}:junk",
        usage="/close <slug>",
    )
    assert FAILURE not in telegram.texts(ORGANISER) and errors(caplog) == []


async def test_a_telegram_id_is_ascii_digits_positive_and_below_two_to_the_63(telegram, db, caplog):
    """`/grant ²` raised ValueError: '²'.isdigit() is True, int('²') fails."""
    caplog.set_level(logging.WARNING)
    en = translator("en")
    for command in ("grant", "revoke"):
        for bad in ("²", "٣", "１２３", "0", "-5", "+5", "12.5", "0x10", "9223372036854775808", "1" * 25):
            await telegram.send(ORGANISER, f"/{command} {bad}")
            assert telegram.texts(ORGANISER)[-1] == en._(
                "«{text}» is not a Telegram id: a whole number above zero, written with the digits 0–9 "
                "(for example 123456789). Usage: {usage}",
                text=bad,
                usage=f"/{command} <Telegram id>",
            ), (command, bad)
    await telegram.send(ORGANISER, "/grant 12 34")
    assert telegram.texts(ORGANISER)[-1] == "I did not understand “34”; nothing was done. Usage: /grant <Telegram id>"
    async with db.session() as s:
        assert (await s.execute(select(Organiser))).first() is None
    # The largest id Telegram can have still works, both ways.
    await telegram.send(ORGANISER, "/grant 9223372036854775807")
    assert telegram.texts(ORGANISER)[-1] == "✅ 9223372036854775807 is an organiser now."
    await telegram.send(ORGANISER, "/revoke 9223372036854775807")
    assert telegram.texts(ORGANISER)[-1] == "9223372036854775807 is no longer an organiser."
    assert FAILURE not in telegram.texts(ORGANISER) and errors(caplog) == []


async def test_forged_organiser_buttons_are_refused_whole(telegram, db, http, riverside, caplog):
    """A button's data is the client's to send: a modified client can send anything up to 64 bytes. Data that
    does not fit an organiser button's exact shape acts on nothing."""
    caplog.set_level(logging.WARNING)
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    await telegram.send(ORGANISER, "/list")  # the chat exists
    before = await snapshot(db)
    forged = [
        f"xc:{SLUG}:junk",
        "xc:" + "a" * 61,
        "xc:Riverside-2027",
        f"xs:q:{SLUG}",
        f"xs:c:{SLUG}:x",
        "xa:²:-",
        "xa:0:-",
        "xa:1",
        "xj:1:z:-",
        f"xj:1:o:{SLUG}:junk",
        f"xp:{SLUG}:99999:en",
        f"xp:{SLUG}:1:e!",
        f"xp:{SLUG}:-1:en",
        "xt:",
        "xn:2",
        "xk:1:Bad Scope",
        "xa:9223372036854775808:-",
        "xb",
    ]
    markup = {"inline_keyboard": [[{"text": str(n), "callback_data": data}] for n, data in enumerate(forged)]}
    sent = await telegram.fake.call(
        "sendMessage", {"chat_id": str(ORGANISER), "text": "forged", "reply_markup": json.dumps(markup)}
    )
    for data in forged:
        await telegram.fake.press_button(ORGANISER, sent["message_id"], data)
        await telegram.settle()
        assert telegram.fake.callback_answers(ORGANISER)[-1]["text"] == INACTIVE, data
    assert len(telegram.fake.callback_answers(ORGANISER)) == len(forged)
    assert await snapshot(db) == before and await status_of(db) == "open"
    assert telegram.texts(ORGANISER)[-2:] == [telegram.texts(ORGANISER)[-2], "forged"]  # nothing sent, nothing edited
    assert FAILURE not in telegram.texts(ORGANISER) and errors(caplog) == []
