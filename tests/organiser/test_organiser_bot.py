"""Admin commands in Telegram: the real dispatcher, the fake Bot API over HTTP, the real API and database."""

from __future__ import annotations

import json

import yaml
from sqlalchemy import select

from bot.flows.organiser.moderation import author_message, reason_for_author
from bot.i18n import translator
from core.definition import check_text
from storage.models import Consultation, Participant, Proposal
from tests.harness import every_framework
from tests.organiser.support import ORGANISER, SLUG, citizen_proposal, example_text, snapshot, upload

CITIZEN = 5004


async def send_file(telegram, chat: int, name: str, text: str, caption: str | None = None) -> None:
    await telegram.fake.send_document(chat, name, text.encode(), "application/x-yaml", caption=caption)
    await telegram.settle()


async def status_of(db, slug: str = SLUG) -> str:
    async with db.session() as s:
        return (await s.execute(select(Consultation.status).where(Consultation.slug == slug))).scalar_one()


@every_framework
async def test_a_non_organiser_gets_what_any_unknown_command_gets_and_changes_nothing(telegram, http, db, riverside):
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    await upload(http, example_text().replace("slug: riverside-2027", "slug: draft-one"))
    await telegram.send(CITIZEN, "/frobnicate now")
    unknown = telegram.texts(CITIZEN)[-1]
    assert unknown == "I don't know this command. /help lists what I can do."
    before = await snapshot(db)
    commands = [
        "/admin",
        "/new",
        "/list",
        "/launch draft-one",
        "/pause riverside-2027",
        "/resume riverside-2027",
        "/close riverside-2027",
        "/stats riverside-2027",
        "/preview riverside-2027",
        "/moderate",
        "/moderate riverside-2027",
        "/link riverside-2027",
        f"/grant {CITIZEN}",
        f"/revoke {ORGANISER}",
    ]
    for command in commands:
        count = len(telegram.messages(CITIZEN))
        await telegram.send(CITIZEN, command)
        messages = telegram.messages(CITIZEN)[count:]
        assert [(m["text"], m["buttons"], m["kind"]) for m in messages] == [(unknown, [], "text")], command
    # A definition file from a citizen gets what any other document gets.
    count = len(telegram.messages(CITIZEN))
    await send_file(telegram, CITIZEN, "holiday.txt", "hello")
    any_document = [m["text"] for m in telegram.messages(CITIZEN)[count:]]
    count = len(telegram.messages(CITIZEN))
    await send_file(telegram, CITIZEN, "x.yaml", example_text().replace("riverside-2027", "sneaky-one"), caption="/new")
    assert [m["text"] for m in telegram.messages(CITIZEN)[count:]] == any_document
    assert await snapshot(db) == before
    # An organiser granted, then revoked, is back to being anyone.
    await telegram.send(ORGANISER, f"/grant {CITIZEN}")
    await telegram.send(CITIZEN, "/list")
    assert "riverside-2027" in telegram.texts(CITIZEN)[-1]
    await telegram.send(ORGANISER, f"/revoke {CITIZEN}")
    await telegram.send(CITIZEN, "/list")
    assert telegram.texts(CITIZEN)[-1] == unknown
    # Granting stays with the owners: a plain organiser's /grant is an unknown command too.
    await telegram.send(ORGANISER, "/grant 5005")
    await telegram.send(5005, "/grant 5006")
    assert telegram.texts(5005)[-1] == unknown


@every_framework
async def test_new_with_problems_shows_them_verbatim_with_their_lines(telegram, db):
    text = (
        example_text()
        .replace("total: 2000000", "total: 1000")
        .replace("show_if: {item: safety, any_of: [1, 2]}", "show_if: {item: safetey, any_of: [1, 2]}")
    )
    await telegram.send(ORGANISER, "/new")
    assert "definition file" in telegram.texts(ORGANISER)[-1] and "`" not in telegram.texts(ORGANISER)[-1]
    assert telegram.last(ORGANISER)["parse_mode"] is None
    await send_file(telegram, ORGANISER, "riverside.yaml", text)
    reply = telegram.texts(ORGANISER)[-1]
    [problem] = check_text(text, "riverside.yaml").problems  # whole-file rules wait for field errors
    assert problem.text("riverside.yaml") in reply and f"riverside.yaml:{problem.line}: items[7].total:" in reply
    assert reply.startswith("❌ riverside.yaml has 1 problem")
    # Fixed budget: now the branch problem, with its line.
    text = text.replace("total: 1000", "total: 2000000")
    await send_file(telegram, ORGANISER, "riverside.yaml", text, caption="/new")
    [problem] = check_text(text, "riverside.yaml").problems
    assert problem.text("riverside.yaml") in telegram.texts(ORGANISER)[-1]
    assert "show_if names an unknown item 'safetey'" in telegram.texts(ORGANISER)[-1]
    async with db.session() as s:
        assert (await s.execute(select(Consultation))).first() is None


@every_framework
async def test_new_creates_then_replaces_a_draft_json_too(telegram, db):
    await telegram.send(ORGANISER, "/new")
    await send_file(telegram, ORGANISER, "riverside.yaml", example_text())
    # The title in the organiser's language (their app says en), which the consultation has.
    assert telegram.texts(ORGANISER)[-1].startswith(
        "✅ Draft “A new Southern Bug riverside” saved: 10 items in uk, en, de."
    )
    assert "/preview riverside-2027" in telegram.texts(ORGANISER)[-1]
    as_json = json.dumps(yaml.safe_load(example_text()), ensure_ascii=False, indent=2)
    await send_file(telegram, ORGANISER, "riverside.json", as_json)  # the name is enough
    assert "It replaced the previous draft of riverside-2027." in telegram.texts(ORGANISER)[-1]
    assert await status_of(db) == "draft"
    await send_file(telegram, ORGANISER, "notes.txt", "hello")
    assert "send /new first" in telegram.texts(ORGANISER)[-1]


@every_framework
async def test_the_lifecycle_from_telegram(telegram, db, http):
    await upload(http, example_text())
    await telegram.send(ORGANISER, "/launch")
    assert "riverside-2027" in telegram.buttons(ORGANISER)[0]["text"]
    await telegram.press(ORGANISER, "riverside-2027")
    assert telegram.texts(ORGANISER)[-1].startswith("🚀 “A new Southern Bug riverside” is open.")
    assert await status_of(db) == "open"
    await telegram.send(ORGANISER, "/launch riverside-2027")
    assert telegram.texts(ORGANISER)[-1] == "riverside-2027 is open: this command does not apply to it."
    # A bare command offers exactly the consultations whose row, by the API, allows that action.
    for command in ("/launch", "/resume"):
        await telegram.send(ORGANISER, command)
        assert telegram.texts(ORGANISER)[-1] == f"Usage: {command} <slug>. No consultation can be changed that way now."
    await telegram.send(ORGANISER, "/pause")
    assert [b["callback_data"] for b in telegram.buttons(ORGANISER)] == [telegram.data("xs:p:riverside-2027")]
    await telegram.send(ORGANISER, "/pause riverside-2027")
    assert await status_of(db) == "paused"
    await telegram.send(ORGANISER, "/resume riverside-2027")
    assert await status_of(db) == "open"
    await telegram.send(ORGANISER, "/close riverside-2027")
    assert await status_of(db) == "open"  # not before it is confirmed
    await telegram.press(ORGANISER, "Cancel")
    assert telegram.texts(ORGANISER)[-1] == "Cancelled." and await status_of(db) == "open"
    await telegram.send(ORGANISER, "/close riverside-2027")
    await telegram.press(ORGANISER, "Close it")
    assert telegram.texts(ORGANISER)[-1].startswith("🏁 “A new Southern Bug riverside” is closed.")
    assert await status_of(db) == "closed"
    await telegram.send(ORGANISER, "/list")
    assert telegram.texts(ORGANISER)[-1] == (
        "Consultations:\n• riverside-2027 — “A new Southern Bug riverside” — closed, 0 participants"
    )
    await telegram.send(ORGANISER, "/pause nope")
    assert telegram.texts(ORGANISER)[-1] == "There is no consultation nope. /list shows them all."


@every_framework
async def test_stats_are_live(telegram, http, db, riverside):
    await telegram.send(ORGANISER, "/stats riverside-2027")
    stats = telegram.texts(ORGANISER)[-1]
    # Each item by its prompt in the organiser's language, not by its key and kind.
    assert "Participants: 0" in stats and "1. How often do you go to the riverside? — 0 answers" in stats
    assert "visits" not in stats and "single_choice" not in stats and "(place)" not in stats
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    await telegram.press(ORGANISER, "Refresh")
    stats = telegram.texts(ORGANISER)[-1]
    assert "Participants: 1" in stats and "Proposals waiting for moderation: 1 — /moderate riverside-2027" in stats


@every_framework
async def test_preview_walks_every_screen_and_records_nothing(telegram, db, riverside):
    before = await snapshot(db)
    await telegram.send(ORGANISER, "/preview riverside-2027 en")
    seen = [telegram.texts(ORGANISER)[-1]]
    labels = [b["text"] for b in telegram.buttons(ORGANISER)]
    assert seen[0].startswith("👁 Preview of riverside-2027 (en), screen 1 of 14 — nothing is recorded")
    assert "A new Southern Bug riverside" in seen[0]
    while any(b["text"] == "▶" for b in telegram.buttons(ORGANISER)):
        await telegram.press(ORGANISER, "▶")
        seen.append(telegram.texts(ORGANISER)[-1])
        labels += [b["text"] for b in telegram.buttons(ORGANISER)]
    assert len(seen) == 14 and len(telegram.messages(ORGANISER)) == 1  # one message, edited in place
    joined = "\n".join(seen)
    assert "How often do you go to the riverside?" in joined
    assert "↳ Shown only when visits is rarely / never." in joined
    assert "5 proposals in the pool" in joined and "“Light the whole riverside" in joined
    assert any("Floating swimming pontoon" in label for label in labels) and "👍 Agree" in labels
    await telegram.press(ORGANISER, "◀")
    assert "screen 13 of 14" in telegram.texts(ORGANISER)[-1]
    await telegram.press(ORGANISER, index=0)  # an answer button just moves on
    assert "screen 14 of 14" in telegram.texts(ORGANISER)[-1]
    await telegram.press(ORGANISER, "End preview")
    assert telegram.messages(ORGANISER)[-1]["buttons"] == []
    assert await snapshot(db) == before
    async with db.session() as s:
        assert (await s.execute(select(Participant))).first() is None


@every_framework
async def test_link_sends_the_deep_link_and_a_qr_code_photo(telegram, riverside):
    await telegram.send(ORGANISER, "/link riverside-2027 poster_3")
    message = telegram.last(ORGANISER)
    assert message["kind"] == "photo" and message["photo"]
    assert message["text"].startswith("https://t.me/viche_bot?start=riverside-2027--poster_3\n")
    assert [c for c in telegram.fake.calls("sendPhoto") if c["status"] == 200]
    await telegram.send(ORGANISER, "/link riverside-2027 bad-source!")
    assert telegram.texts(ORGANISER)[-1] == (
        "“bad-source!” cannot be a source: it has 1 to 40 letters, digits or _, for example poster_3."
    )


@every_framework
async def test_moderation_accepts_and_rejects_and_tells_each_author_in_their_language(telegram, http, db, riverside):
    uk_author, en_author = 7001, 7002
    for chat, code in ((uk_author, "uk"), (en_author, "en")):
        telegram.fake.register_user(chat, language_code=code)  # they talked to the bot before
    first = await citizen_proposal(http, db, str(uk_author), "uk", "Поставити більше смітників уздовж річки")
    second = await citizen_proposal(
        http, db, str(en_author), "en", "Free water taps every two hundred metres", key="priorities"
    )
    await telegram.send(ORGANISER, "/moderate")
    card = telegram.texts(ORGANISER)[-1]
    assert (
        card.startswith(f"🗳 Proposal #{first} — 2 waiting") and "“Поставити більше смітників уздовж річки” [uk]" in card
    )
    await telegram.press(ORGANISER, "Skip")
    assert telegram.texts(ORGANISER)[-1].startswith(f"🗳 Proposal #{second}")
    await telegram.press(ORGANISER, "Reject")
    await telegram.press(ORGANISER, "Back")
    await telegram.press(ORGANISER, "Reject")
    await telegram.press(ORGANISER, "Several ideas")
    decided = [m for m in telegram.messages(ORGANISER) if f"Proposal #{second}" in (m["text"] or "")][-1]
    assert decided["text"].endswith("❌ Rejected: Several ideas. The author is told.") and not decided["buttons"]
    assert telegram.texts(ORGANISER)[-1].startswith(f"🗳 Proposal #{first} — 1 waiting")
    await telegram.press(ORGANISER, "Accept")
    assert telegram.texts(ORGANISER)[-1] == "No proposal is waiting for moderation. ✓"

    en, uk = translator("en"), translator("uk")
    [rejected] = telegram.texts(en_author)
    assert rejected == en._(
        "Your proposal «{text}» in «{title}» was not published: {reason}.",
        text="Free water taps every two hundred metres",
        title="A new Southern Bug riverside",
        reason=reason_for_author(en, "several_ideas"),
    ) + "\n\n" + en._("You are welcome to send another one.")
    assert "several ideas" in rejected
    [accepted] = telegram.texts(uk_author)
    assert accepted == uk._(
        "🎉 Your proposal «{text}» in «{title}» was accepted. Other participants can now vote on it.",
        text="Поставити більше смітників уздовж річки",
        title="Нова набережна Південного Бугу",
    )
    async with db.session() as s:
        statuses = dict(
            (await s.execute(select(Proposal.id, Proposal.status).where(Proposal.id.in_([first, second])))).all()
        )
    assert statuses == {first: "accepted", second: "rejected"}


@every_framework
async def test_an_author_who_blocked_the_bot_does_not_stop_moderation(telegram, http, db, riverside):
    telegram.fake.register_user(7001, language_code="uk")
    telegram.fake.block_chat(7001)
    await citizen_proposal(http, db, "7001", "uk", "Поставити більше смітників уздовж річки")
    await telegram.send(ORGANISER, "/moderate riverside-2027")
    await telegram.press(ORGANISER, "Reject")
    await telegram.press(ORGANISER, "Advertising")
    assert telegram.texts(ORGANISER)[-1] == "No proposal is waiting for moderation. ✓"
    async with db.session() as s:
        assert (
            await s.execute(select(Proposal.status).where(Proposal.author_id.is_not(None)))
        ).scalar_one() == "rejected"


def test_the_author_message_follows_the_author_language_not_the_organiser():
    decision = {
        "status": "rejected",
        "reason": "duplicate",
        "notify": {"language": "uk", "text": "t", "consultation_title": "T"},
    }
    uk = translator("uk")
    assert author_message(decision).text.startswith(
        uk._(
            "Your proposal «{text}» in «{title}» was not published: {reason}.",
            text="t",
            title="T",
            reason=reason_for_author(uk, "duplicate"),
        )
    )


@every_framework
async def test_admin_help_lists_owner_commands_for_owners(telegram):
    await telegram.send(ORGANISER, "/admin")
    assert "/moderate" in telegram.texts(ORGANISER)[-1] and "/grant" in telegram.texts(ORGANISER)[-1]


def test_long_replies_are_split_under_telegram_limits():
    from bot.flows.organiser.replies import MESSAGE_LIMIT
    from bot.flows.organiser.replies import chunks as _chunks

    lines = [f"f.yaml:{n}: items[{n}].prompt: no text in de" for n in range(400)]
    screens = _chunks("\n".join(lines))
    assert len(screens) > 1 and all(len(s.text) <= MESSAGE_LIMIT < 4096 for s in screens)
    assert "\n".join(s.text for s in screens).split("\n") == lines
    assert [len(s.text) for s in _chunks("x" * 9000)] == [MESSAGE_LIMIT, MESSAGE_LIMIT, 9000 - 2 * MESSAGE_LIMIT]
