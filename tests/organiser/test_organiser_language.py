"""Every organiser screen in the organiser's language: the one chosen with /language, else the Telegram app's,
else the bot's default — the rule of the citizen's screens. Through the real dispatcher and the fake Bot API."""

from __future__ import annotations

import re

from bot.flows.menu import organiser_help
from bot.i18n import translator
from tests.harness import every_framework
from tests.organiser.support import ORGANISER, SLUG, citizen_proposal

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
UK_TITLE, EN_TITLE, DE_TITLE = (
    "Нова набережна Південного Бугу",
    "A new Southern Bug riverside",
    "Ein neues Ufer am Südlichen Bug",
)


@every_framework
async def test_an_organiser_who_chose_english_reads_every_screen_in_english_though_the_app_says_uk(
    telegram, http, db, riverside
):
    pid = await citizen_proposal(http, db, "7002", "en", "Free water taps every two hundred metres")
    uk = translator("uk")

    # Nothing chosen yet: the app's language (uk), titles in Ukrainian.
    await telegram.send(ORGANISER, "/list", language_code="uk")
    assert (
        telegram.texts(ORGANISER)[-1].startswith(uk._("Consultations:"))
        and f"«{UK_TITLE}»" in telegram.texts(ORGANISER)[-1]
    )
    await telegram.send(ORGANISER, "/language", language_code="uk")
    picker = telegram.last(ORGANISER)
    assert picker["buttons"][0][0]["text"] == "✓ Українська"

    await telegram.press(ORGANISER, "English")
    await telegram.send(ORGANISER, "/language", language_code="uk")
    ticked = [b["text"] for row in telegram.last(ORGANISER)["buttons"] for b in row if b["text"].startswith("✓")]
    assert ticked == ["✓ English"]  # the chosen language, not the app's
    switched = len(telegram.messages(ORGANISER))

    await telegram.send(ORGANISER, "/list", language_code="uk")
    # The organiser's own /language enrolled them too (the one open consultation): 2 participants.
    assert telegram.texts(ORGANISER)[-1] == f"Consultations:\n• {SLUG} — “{EN_TITLE}” — open, 2 participants"
    await telegram.send(ORGANISER, f"/stats {SLUG}", language_code="uk")
    stats = telegram.texts(ORGANISER)[-1]
    assert stats.startswith(f"📊 “{EN_TITLE}” ({SLUG}) — open") and "Participants: 2" in stats
    assert "1. How often do you go to the riverside? — 0 answers" in stats
    await telegram.send(ORGANISER, "/moderate", language_code="uk")
    card = telegram.texts(ORGANISER)[-1]
    assert card.startswith(f"🗳 Proposal #{pid} — 1 waiting")
    assert f"“{EN_TITLE}” ({SLUG}) → ideas\nWhat do you think of this proposal?" in card
    await telegram.press(ORGANISER, "Reject")
    assert "❓ Why is it rejected? The author is told." in telegram.texts(ORGANISER)[-1]
    await telegram.send(ORGANISER, "/new", language_code="uk")
    assert telegram.texts(ORGANISER)[-1].startswith("Send me the consultation's definition file (YAML or JSON)")
    await telegram.send(ORGANISER, "/help", language_code="uk")
    assert organiser_help(translator("en"), owner=True) in telegram.texts(ORGANISER)[-1]
    await telegram.send(ORGANISER, "/broadcasts", language_code="uk")
    assert telegram.texts(ORGANISER)[-1] == "No broadcast yet. /digest sends the results to participants."
    await telegram.send(ORGANISER, f"/preview {SLUG}", language_code="uk")
    assert telegram.texts(ORGANISER)[-1].startswith(
        f"👁 Preview of {SLUG} (uk), screen 1 of 14"
    )  # as participants see it

    after = [m["text"] for m in telegram.messages(ORGANISER)[switched:-1]]  # the preview shows the consultation in uk
    assert len(after) == 6 and not [text for text in after if CYRILLIC.search(text)], after


@every_framework
async def test_an_organiser_without_a_choice_reads_the_app_language_and_titles_fall_back_to_the_default(
    telegram, riverside
):
    await telegram.send(ORGANISER, "/grant 900002")
    await telegram.send(900002, "/list", language_code="de-AT")
    de = translator("de")
    assert telegram.texts(900002)[-1].startswith(de._("Consultations:")) and DE_TITLE in telegram.texts(900002)[-1]
    # Polish: the bot speaks it, the consultation does not (uk, en, de): its default language for the title.
    await telegram.send(900002, f"/stats {SLUG}", language_code="pl")
    pl = translator("pl")
    stats = telegram.texts(900002)[-1]
    assert stats.startswith(f"📊 „{UK_TITLE}”") and pl._("Answers per item:") in stats
    assert "Як часто ви буваєте на набережній?" in stats
