"""Numbers, percentages, money and dates written the local way (CLDR data via Babel), and the closing date
on the consent screen in the participant's language and the consultation's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import SUPPORTED, language_name, translator
from bot.i18n.formats import format_currency, format_deadline, format_number, format_share
from storage.consultations import save_definition
from viche.loading import DEMO_FILE, read_definition

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "1,234"),
        ("uk", f"1{NBSP}234"),
        ("de", "1.234"),
        ("pl", f"1{NBSP}234"),
        ("cs", f"1{NBSP}234"),
        ("fr", f"1{NNBSP}234"),
        ("sv", f"1{NBSP}234"),
    ],
)
def test_numbers(locale, expected):
    assert format_number(1234, locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "12%"),
        ("uk", "12%"),
        ("de", f"12{NBSP}%"),
        ("cs", f"12{NBSP}%"),
        ("fr", f"12{NBSP}%"),
        ("sv", f"12{NBSP}%"),
        ("pl", "12%"),
    ],
)
def test_percentages(locale, expected):
    assert format_share(0.12, locale) == expected


def test_money():
    # whole amounts without cents, in the locale's pattern, with the sign people write, not the ISO code
    assert format_currency(1500, "EUR", "de") == f"1.500{NBSP}€"
    assert format_currency(2_000_000, "UAH", "uk") == f"2{NBSP}000{NBSP}000{NBSP}₴"
    assert format_currency(2_000_000, "UAH", "en") == "₴2,000,000"
    assert format_currency(1500, "EUR", "en") == "€1,500"
    assert format_currency(450_000, "UAH", "fr") == f"450{NNBSP}000{NBSP}₴"
    assert format_currency(99, "PLN", "pl") == f"99{NBSP}zł"
    # cents stay when there are some
    assert format_currency(12.5, "EUR", "en") == "€12.50"
    assert format_currency(12.5, "EUR", "de") == f"12,50{NBSP}€"


# 22:30 UTC on 1 December is already 2 December in Kyiv (UTC+2): the date is the consultation's, not UTC's.
CLOSES = datetime(2099, 12, 1, 22, 30, tzinfo=UTC)
DEADLINES = {
    "uk": f"2 грудня 2099{NNBSP}р., 00:30",
    "de": "2. Dezember 2099, 00:30",
    "pl": "2 grudnia 2099 00:30",
    "cs": "2. prosince 2099 0:30",
    "fr": "2 décembre 2099, 00:30",
    "sv": "2 december 2099 00:30",
}


@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_closing_date_in_the_consultations_time_zone(locale):
    text = format_deadline(CLOSES, "Europe/Kyiv", locale)
    if locale in DEADLINES:
        assert text == DEADLINES[locale]
    else:
        assert text.startswith("December 2, 2099") and "12:30" in text and "AM" in text


def test_the_closing_date_from_the_api():
    assert format_deadline("2099-12-01T22:30:00Z", "Europe/Kyiv", "de") == DEADLINES["de"]
    assert format_deadline("2099-12-01T22:30:00+00:00", "Europe/Kyiv", "uk") == DEADLINES["uk"]
    # A naive moment is UTC (as the database stores it); an unknown zone falls back to UTC, never fails.
    assert format_deadline(datetime(2099, 12, 1, 22, 30), "Europe/Kyiv", "pl") == DEADLINES["pl"]
    assert format_deadline(CLOSES, "Mars/Olympus", "de") == "1. Dezember 2099, 22:30"


async def test_the_consent_screen_shows_the_closing_date_in_each_language(telegram, db):
    definition = read_definition(DEMO_FILE).model_copy(update={"closes_at": CLOSES})
    async with db.session() as session:
        await save_definition(session, definition, status="open")
    for offset, locale in enumerate(SUPPORTED):
        chat = 9100 + offset
        await telegram.send(chat, "/start", language_code=locale)
        await telegram.press(chat, language_name(locale))
        tr = translator(locale)
        consent = telegram.last(chat)["text"]
        until = tr._("You can answer until {date}.", date=format_deadline(CLOSES, "Europe/Kyiv", locale))
        assert until in consent, consent
        if locale in DEADLINES:
            assert DEADLINES[locale] in consent
        assert consent.startswith(tr._("«{text}»", text=definition.title[locale]))
