"""Which language a participant gets: their saved choice, then Telegram's language_code, then the default.

Telegram's language_code is whatever the client sends: regional tags, odd casing, scripts, nothing, garbage.
None of it may raise, and none of it may drop an update."""

from __future__ import annotations

import pytest

from bot.i18n import FALLBACK, SUPPORTED, Translator, language_name, normalize_language, resolve_locale, translator

CODES = [
    ("uk", "uk"),
    ("uk-UA", "uk"),
    ("UK_ua", "uk"),
    ("en-GB", "en"),
    ("en_US_POSIX", "en"),
    ("de-AT", "de"),
    ("de-CH-1901", "de"),
    ("pl-PL", "pl"),
    ("cs-CZ", "cs"),
    ("fr-CA", "fr"),
    ("FR", "fr"),
    ("sv-FI", "sv"),
    ("sv_SE.UTF-8", "sv"),
    (" de ", "de"),
    ("pt-br", None),
    ("zh-hans", None),
    ("zh-Hant-TW", None),
    ("ru", None),
    ("be", None),
    ("und", None),
    ("", None),
    ("   ", None),
    (None, None),
    ("x", None),
    ("123", None),
    ("@@@", None),
    ("-uk", None),
    ("ukr", None),
    ("i-klingon", None),
    ("a" * 500, None),
    (42, None),
    (b"uk", None),
    (["uk"], None),
]


@pytest.mark.parametrize(("code", "expected"), CODES)
def test_telegram_language_codes(code, expected):
    assert normalize_language(code) == expected


def test_the_order_saved_then_telegram_then_the_consultation_default():
    assert resolve_locale("pl", "de-DE", "uk") == "pl"  # the participant's choice wins
    assert resolve_locale(None, "de-DE", "uk") == "de"  # then what their app says
    assert resolve_locale(None, "pt-br", "cs") == "cs"  # then the consultation's default
    assert resolve_locale(None, "", "sv") == "sv"
    assert resolve_locale(None, None, None) == FALLBACK
    assert resolve_locale("xx", "zz", "yy") == FALLBACK  # stale or garbage values everywhere
    assert resolve_locale("sv-SE", None, None) == "sv"


@pytest.mark.parametrize("code", ["", "garbage", "pt-br", "zh-hans", None])
def test_garbage_never_raises_and_falls_back(code):
    tr = translator(resolve_locale(None, code, "uk"))
    assert tr.locale == "uk" and tr._("Skip") == "Пропустити"


def test_each_language_is_named_in_itself():
    assert [language_name(code) for code in SUPPORTED] == [
        "Українська",
        "English",
        "Deutsch",
        "Polski",
        "Čeština",
        "Français",
        "Svenska",
    ]


def test_an_unknown_locale_gets_the_fallback_catalog():
    assert translator("xx").locale == FALLBACK
    assert translator("xx")._("Skip") == "Skip"


def test_a_broken_translation_never_fails_the_update():
    """The check keeps broken placeholders out of the shipped catalogs; at run time the English text is used."""
    from babel.support import NullTranslations

    class Broken(NullTranslations):
        def gettext(self, message):
            return "Мова: {мова}"

        def ngettext(self, singular, plural, n):
            return "{n} {unknown"

    tr = Translator("uk", Broken())
    assert tr._("Language: {language}", language="Deutsch") == "Language: Deutsch"
    assert tr.n_("{n} answer", "{n} answers", 5) == "5 answers"


def test_a_stale_compiled_catalog_is_never_served(tmp_path):
    """A .mo older than its .po (a fresh checkout, an edited catalog) is ignored: the .po is compiled in memory."""
    import os
    import shutil

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    import bot.i18n as i18n
    from core.translations import load

    shutil.copytree(i18n.LOCALES_DIR / "de", tmp_path / "de", ignore=shutil.ignore_patterns("*.mo"))
    po = tmp_path / "de" / "LC_MESSAGES" / "viche.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    catalog["Skip"].string = "Alt"
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalog)
    stamp = po.stat().st_mtime
    os.utime(po.with_suffix(".mo"), (stamp - 60, stamp - 60))
    assert load(tmp_path, "de").gettext("Skip") == "Überspringen"
    os.utime(po.with_suffix(".mo"), (stamp + 60, stamp + 60))  # fresh: the compiled one is used
    assert load(tmp_path, "de").gettext("Skip") == "Alt"


async def test_odd_language_codes_in_telegram_never_drop_an_update(telegram, demo):
    """Real updates through the dispatcher: each user gets the picker, in the language their code allows."""
    cases = {8101: "pt-br", 8102: "zh-hans", 8103: "de-AT", 8104: "x-garbage-123", 8105: None, 8106: "uk-UA"}
    for chat, code in cases.items():
        telegram.fake.register_user(chat)
        if code is None:
            telegram.fake.users[chat].pop("language_code", None)
        else:
            telegram.fake.users[chat]["language_code"] = code
        await telegram.fake.send_text(chat, "/start")
        await telegram.settle()
    # Unsupported or absent: the bot's default (uk here); supported: that language.
    expected = {8101: "uk", 8102: "uk", 8103: "de", 8104: "uk", 8105: "uk", 8106: "uk"}
    for chat, locale in expected.items():
        [text] = telegram.texts(chat)  # a greeting first: they are meeting the bot
        assert text.startswith("👋 ") and text.endswith("\n\n" + translator(locale)._("Choose your language:")), (
            chat,
            text,
        )
