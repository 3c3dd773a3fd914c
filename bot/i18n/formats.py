"""Numbers, money, percentages and dates in the participant's locale (CLDR data via Babel)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.numbers import format_currency as _format_currency
from babel.numbers import format_decimal, format_percent, get_currency_symbol


def format_number(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale)


def format_share(share: float, locale: str) -> str:
    """0.12 → '12 %' (uk, de, fr…) or '12%' (en)."""
    return format_percent(share, locale=locale)


def format_currency(amount: float, currency: str, locale: str) -> str:
    """Money as the locale writes it, without cents when the amount is whole: '₴2,000,000' (en),
    '2 000 000 ₴' (uk), '2.000.000 ₴' (de); '€12.50' keeps its cents."""
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    if float(amount).is_integer():
        # The locale's own pattern with its fraction dropped ("¤#,##0.00" → "¤#,##0").
        pattern = re.sub(r"\.0+(?=[^0#]*$)", "", pattern.split(";")[0])
        amount = int(amount)
    text = _format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)
    code_symbol = get_currency_symbol(currency, locale)
    symbol = _narrow_symbol(currency)
    if code_symbol == currency and symbol:  # English writes "UAH2,000,000"; people write "₴2,000,000"
        text = text.replace(currency, symbol)
    return text


@lru_cache(maxsize=64)
def _narrow_symbol(currency: str) -> str | None:
    """The sign the currency's own country uses (₴ for UAH, zł for PLN, Kč for CZK), when it is not its
    ISO code: Babel has no CLDR narrow symbols, so it is taken from a locale where the currency is at home."""
    for territory, spans in get_global("territory_currencies").items():
        if not any(span[0] == currency and span[2] is None for span in spans):  # the current currency there
            continue
        try:
            home = Locale.parse(f"und_{territory}")
        except (ValueError, UnknownLocaleError):
            continue
        symbol = get_currency_symbol(currency, home)
        if symbol != currency:
            return symbol
    return None


def format_moment(moment: datetime, time_zone: str, locale: str) -> str:
    """A date and time in the consultation's time zone, written the local way."""
    return _format_datetime(moment, format="medium", tzinfo=ZoneInfo(time_zone), locale=locale)


def _zone(time_zone: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_deadline(moment: datetime | str, time_zone: str | None, locale: str) -> str:
    """A closing time as people write it: the long date and the hour, in the consultation's time zone.

    '1 грудня 2026 р., 18:00' (uk), 'December 1, 2026, 6:00 PM' (en), '1. prosince 2026 18:00' (cs).
    ``moment`` may be the API's ISO string; a naive one is UTC (as the database stores it).
    """
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(_zone(time_zone))
    pattern = str(Locale.parse(locale).datetime_formats["long"])
    return (
        pattern.replace("{1}", _format_date(local, "long", locale=locale))
        .replace("{0}", _format_time(local, "short", locale=locale))
        .replace("'", "")
    )
