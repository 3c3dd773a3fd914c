"""Numbers, money, percentages and dates in the participant's locale (CLDR data via Babel)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_currency as _format_currency
from babel.numbers import format_decimal, format_percent


def format_number(value: float, locale: str) -> str:
    return format_decimal(value, locale=locale)


def format_share(share: float, locale: str) -> str:
    """0.12 → '12 %' (uk, de, fr…) or '12%' (en)."""
    return format_percent(share, locale=locale)


def format_currency(amount: float, currency: str, locale: str) -> str:
    return _format_currency(amount, currency, locale=locale, format_type="standard", currency_digits=False,
                            decimal_quantization=False)


def format_moment(moment: datetime, time_zone: str, locale: str) -> str:
    """A date and time in the consultation's time zone, written the local way."""
    return _format_datetime(moment, format="medium", tzinfo=ZoneInfo(time_zone), locale=locale)
