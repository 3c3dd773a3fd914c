"""Consultation content in the participant's language: a missing translation falls back to the consultation's
default language (never an empty string), and the validator tells the organiser which text lacks which language."""

from __future__ import annotations

import yaml

from api.content import localized
from bot.i18n import language_name, translator
from core.definition import ConsultationDef, check_text
from storage.consultations import save_definition

DEFINITION = """
slug: bike-lanes
title: {uk: Велодоріжки, en: Cycle lanes}
languages: [uk, en]
default_language: uk
allow_incomplete_translations: true
items:
  - key: often
    type: single_choice
    prompt: {uk: "Як часто ви їздите велосипедом?", en: "How often do you cycle?"}
    options:
      - key: daily
        label: {uk: Щодня, en: Every day}
      - key: never
        label: {uk: Ніколи}
"""


def test_localized_falls_back_to_the_default_then_to_any_text():
    texts = {"uk": "Щодня", "en": "", "de": "Täglich"}
    assert localized(texts, "de", "uk") == "Täglich"
    assert localized(texts, "en", "uk") == "Щодня"  # empty counts as missing
    assert localized(texts, "fr", "uk") == "Щодня"
    assert localized({"de": "Täglich"}, "en", "uk") == "Täglich"
    assert localized({}, "en", "uk") == ""


def test_the_validator_warns_which_text_lacks_which_language():
    report = check_text(DEFINITION, "bike.yaml")
    assert report.ok
    assert [(w.path, w.message) for w in report.warnings] == [("items[0].options[1].label", "no text in en")]
    assert report.warnings[0].line == DEFINITION.splitlines().index("        label: {uk: Ніколи}") + 1
    strict = check_text(DEFINITION.replace("allow_incomplete_translations: true\n", ""), "bike.yaml")
    assert not strict.ok and [p.message for p in strict.problems] == ["no text in en"]


async def test_participants_never_see_an_empty_text(telegram, db):
    async with db.session() as session:
        await save_definition(session, ConsultationDef.model_validate(yaml.safe_load(DEFINITION)), status="open")
    # English is offered: the missing label comes in Ukrainian, the consultation's default.
    await telegram.send(9201, "/start", language_code="en")
    await telegram.press(9201, "English")
    await telegram.press(9201, "✅")
    question = telegram.last(9201)
    assert "How often do you cycle?" in question["text"]
    assert [b["text"] for row in question["buttons"] for b in row] == ["Every day", "Ніколи"]
    # German is a language of the bot but not of this consultation: the bot speaks German, the content is
    # in the default language, and nothing is ever empty.
    await telegram.send(9202, "/start", language_code="de")
    await telegram.press(9202, language_name("de"))
    consent = telegram.last(9202)
    assert consent["text"].startswith(translator("de")._("«{text}»", text="Велодоріжки"))
    assert consent["buttons"][0][0]["text"] == "✅ " + translator("de")._("I agree, let's start")
    await telegram.press(9202, "✅")
    question = telegram.last(9202)
    assert translator("de")._("Question {number} of {total}", number=1, total=1) in question["text"]
    assert "Як часто ви їздите велосипедом?" in question["text"]
    labels = [b["text"] for row in question["buttons"] for b in row]
    assert labels == ["Щодня", "Ніколи"] and all(label.strip() for label in labels)
