"""Numbers, shares, money and moments as the page's locale writes them (CLDR data via Babel).

The bot has its own (bot/i18n/formats.py): the floors keep the API from importing the bot.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent

# A large page writes ten thousand figures, and Babel takes tens of microseconds for each: the same figure in the
# same locale is written once. Shares are keyed by what is shown (a tenth of a percent, rounded as Babel rounds:
# half to even), so that there are at most 1 001 of them per locale.
MEMO = 65_536


@lru_cache(maxsize=MEMO)
def number(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale)


def share(value: float, locale: str) -> str:
    """0.125 → '12,5 %' (uk, de) or '12.5%' (en): the locale's pattern, with one decimal at most."""
    shown = Decimal(repr(float(value))).quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    return _share(shown, locale)


@lru_cache(maxsize=MEMO)
def _share(value: Decimal, locale: str) -> str:
    return format_percent(value, format=_percent_pattern(locale), locale=locale)


@lru_cache(maxsize=64)
def _percent_pattern(locale: str) -> str:
    pattern = Locale.parse(locale).percent_formats[None].pattern.split(";")[0]
    return re.sub(r"0(?=[^0#]*$)", "0.#", pattern, count=1)


def percent_points(value: float, locale: str) -> str:
    """A score already in % (pairs: 0..100) → '62 %' / '62%'."""
    return share(value / 100, locale)


def money(amount: float, currency: str | None, locale: str) -> str:
    """'2 000 000 ₴' (uk), 'UAH 2,000,000' (en): without cents when the amount is whole."""
    if not currency:
        return number(amount, locale)
    if not float(amount).is_integer():
        return format_currency(amount, currency, locale=locale)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    pattern = re.sub(r"\.0+(?=[^0#]*$)", "", pattern)  # the locale's own pattern, its fraction dropped
    return format_currency(int(amount), currency, format=pattern, locale=locale, currency_digits=False)


def moment(value: datetime | str, time_zone: str | None, locale: str) -> str:
    """A moment in the consultation's time zone, medium length: '2 груд. 2026 р., 09:15:40'."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return format_datetime(value, format="medium", tzinfo=zone, locale=locale)


def day(value: date, locale: str, *, short: bool = False) -> str:
    """A day as the locale writes it: '2 груд. 2026 р.' (medium), or short for a chart's axis: '2 груд.'."""
    if short:
        return format_skeleton("MMMd", value, locale=locale)
    return format_date(value, format="medium", locale=locale)
