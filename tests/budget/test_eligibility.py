"""Eligibility (issue 24, point 4) through the real dispatcher: a budget asking for the participant's own phone
number (Telegram's contact button, calling code +380 only) and one asking for an invitation code. The consent
screen says what is asked and why; someone else's contact, a number of another country, a number or a code used
already are refused kindly in the participant's language; the number is kept only as a keyed hash, deleted by
/forget and by retention; codes are stored hashed and work once (``viche budget codes``)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from api import privacy
from bot.i18n import translator
from core import settings
from storage.models import Consultation, utcnow
from storage.models_budget import BudgetCode, BudgetPass
from tests.harness import every_framework
from tests.results.support import create
from viche.cli import main

PROJECTS = [{"key": "bench", "label": {"en": "Benches", "uk": "Лавки"}, "cost": 40}]
PHONE = {
    "slug": "phone-pb",
    "languages": ["en", "uk"],
    "title": {"en": "Residents' budget", "uk": "Бюджет мешканців"},
    "items": [
        {
            "type": "budget",
            "key": "residents",
            "prompt": {"en": "Residents: fund what?", "uk": "Мешканці: що фінансувати?"},
            "total": 100,
            "projects": PROJECTS,
            "eligibility": {"requires": "phone", "country_codes": ["380"]},
        }
    ],
}
INVITED = {
    "slug": "invited-pb",
    "items": [
        {
            "type": "budget",
            "key": "youth",
            "prompt": {"en": "Youth: fund what?"},
            "total": 100,
            "projects": [{"key": "bench", "label": {"en": "Benches"}, "cost": 40}],
            "eligibility": {"requires": "invitation"},
        }
    ],
}


async def consent(t, chat: int, slug: str, language: str = "English") -> str:
    await t.send(chat, f"/start {slug}", language_code="en")
    await t.press(chat, language)
    consent_text = t.texts(chat)[-1]
    await t.press(chat, "✅")
    return consent_text


def contact_button(t, chat: int) -> dict:
    (row,) = t.fake.reply_keyboard(chat)
    (button,) = row
    return button


async def passes(db) -> list[BudgetPass]:
    async with db.session() as session:
        return list((await session.execute(select(BudgetPass))).scalars())


@every_framework  # aiogram and python-telegram-bot alike
async def test_a_phone_budget_admits_ones_own_number_of_an_admitted_country_once(telegram, db):
    await create(db, PHONE)
    t, chat = telegram, 8201
    said = await consent(t, chat, "phone-pb")
    assert "phone number" in said and "fingerprint" in said and "/forget" in said
    assert "Residents: fund what?" in t.texts(chat)[-2] and "share your own phone number" in t.texts(chat)[-2]
    assert contact_button(t, chat) == {"text": "📱 Share my phone number", "request_contact": True}
    assert [b["text"] for b in t.buttons(chat)] == ["Pass over this budget"]

    await t.share_contact(chat, "+380 50 123 4567", user_id=555)  # someone else's, from the address book
    assert "someone else's number" in t.texts(chat)[-2]
    await t.share_contact(chat, "+48 601 234 567", user_id=chat)  # their own, but Polish
    assert "only for phone numbers with the calling code +380" in t.texts(chat)[-2]
    assert await passes(db) == []

    await t.share_contact(chat, "380501234567", user_id=chat)  # Telegram may send it without the +
    assert "your number is checked" in t.texts(chat)[-2]
    assert t.fake.reply_keyboard(chat) is None  # the contact button is gone
    assert "Budget left" in t.texts(chat)[-1]
    await t.press(chat, "Benches")
    await t.press(chat, "Done")
    assert "Thank you!" in t.texts(chat)[-1]
    (stored,) = await passes(db)
    assert stored.method == "phone" and len(stored.phone_hash) == 64 and "501234567" not in stored.phone_hash

    # The same number from another Telegram account, whose app speaks Ukrainian: refused in Ukrainian.
    other = 8202
    said = await consent(t, other, "phone-pb", language="Українська")
    uk = translator("uk")
    assert uk._("Share my phone number") in contact_button(t, other)["text"]
    await t.share_contact(other, "+380501234567", user_id=other)
    used = uk._("This phone number has already been used to vote in this budget. Each number votes once.")
    assert used != "This phone number has already been used to vote in this budget. Each number votes once."
    assert used in t.texts(other)[-2]
    assert len(await passes(db)) == 1
    await t.press(other, uk._("Pass over this budget"))  # the ineligible may pass it over and finish
    assert uk._("We will send you the results when the consultation closes.") in t.texts(other)[-1]

    # /forget deletes the hash with the participant's passes.
    await t.send(chat, "/forget")
    await t.press(chat, "Yes, delete my data")
    assert await passes(db) == []


@every_framework  # aiogram and python-telegram-bot alike
async def test_retention_erases_the_phone_hashes_of_closed_budgets(telegram, db):
    consultation = await create(db, PHONE)
    t, chat = telegram, 8210
    await consent(t, chat, "phone-pb")
    await t.share_contact(chat, "+380501234567", user_id=chat)
    (stored,) = await passes(db)
    assert stored.phone_hash is not None
    async with db.session() as session:
        row = await session.get(Consultation, consultation.id)
        row.status = "closed"
        await session.commit()
        assert (await privacy.sweep_retention(session, 30))["phone_hashes_erased"] == 0  # closed just now
        later = await privacy.sweep_retention(session, 30, now=utcnow() + timedelta(days=31))
        assert later["phone_hashes_erased"] == 1
    (kept,) = await passes(db)
    assert kept.phone_hash is None and kept.method == "phone"


@every_framework  # aiogram and python-telegram-bot alike
async def test_an_invitation_code_works_once(telegram, db, database_url, monkeypatch, tmp_path, capsys):
    await create(db, INVITED)
    codes = tmp_path / "codes.txt"
    codes.write_text("# youth council, 2027\nABC-123\nXYZ-789\n\nABC-123\n", encoding="utf-8")
    monkeypatch.setenv("VICHE_DATABASE_URL", database_url)
    settings.get_settings.cache_clear()
    try:  # the command runs its own event loop: in a thread of its own, as from a shell
        command = ["budget", "codes", "invited-pb", "youth", str(codes)]
        assert await asyncio.to_thread(main, command) == 0
        assert "2 invitation codes added" in capsys.readouterr().out
        assert await asyncio.to_thread(main, command) == 0
        assert "0 invitation codes added" in capsys.readouterr().out
    finally:
        settings.get_settings.cache_clear()
    async with db.session() as session:
        stored = [row.code_hash for row in (await session.execute(select(BudgetCode))).scalars()]
    # Only HMAC-SHA256 digests: 64 hex digits each, never the code (nor a plain hash of it).
    plain = {hashlib.sha256(code.encode()).hexdigest() for code in ("ABC-123", "XYZ-789")}
    assert len(stored) == 2 and all(re.fullmatch("[0-9a-f]{64}", h) and h not in plain for h in stored)

    t, first, second = telegram, 8301, 8302
    said = await consent(t, first, "invited-pb")
    assert "invitation code" in said
    assert "please type your invitation code" in t.texts(first)[-1]
    await t.send(first, "NOPE-000")
    assert "not one of the invitation codes" in t.texts(first)[-1]
    await t.send(first, " abc-123 ")  # as copied from paper: case and spaces do not matter
    assert "invitation code is accepted" in t.texts(first)[-2] and "Budget left" in t.texts(first)[-1]

    await consent(t, second, "invited-pb")
    await t.send(second, "ABC-123")
    assert "already been used" in t.texts(second)[-1]
    await t.press(second, "Pass over this budget")
    assert "Thank you!" in t.texts(second)[-1]
    (passed,) = await passes(db)
    assert passed.method == "invitation" and passed.phone_hash is None
