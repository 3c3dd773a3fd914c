"""The page's language and strings: the consultation's languages, chosen by ``?lang=`` then ``Accept-Language``.

The strings live in the same gettext catalogs as the bot's (``bot/i18n/locales``, extracted by ``make i18n``:
babel.cfg lists ``api/pages``); they are read here as data files, so the API imports nothing of the bot.
"""

from __future__ import annotations

import io
import logging
from functools import cache
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parents[2] / "bot" / "i18n" / "locales"
DOMAIN = "viche"

log = logging.getLogger(__name__)


class PageText:
    """The page's strings in one locale: ``_`` and ``n_`` with ``{placeholders}`` filled after translation."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._t = _catalog(locale)

    def _(self, message: str, **values: object) -> str:
        return _fill(self._t.gettext(message), message, values)

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return _fill(text, singular if n == 1 else plural, {"n": format_decimal(n, locale=self.locale), **values})


def _fill(text: str, source: str, values: dict[str, object]) -> str:
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as error:  # `viche i18n check` keeps these out
        log.error("broken placeholder in translation of %r: %s", source, error)
        return source.format(**values)


@cache
def _catalog(locale: str) -> NullTranslations:
    po = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if not po.exists():
        return NullTranslations()
    # A stale or missing .mo (a fresh checkout): compile in memory rather than show old or English text.
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def page_language(asked: str | None, accept_language: str | None, languages: list[str], default: str) -> str:
    """``?lang=`` when it is one of the consultation's languages, else the best of ``Accept-Language``, else the
    consultation's default."""
    if asked in languages:
        return asked
    preferred = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag and tag != "*" and weight > 0:
            preferred.append((weight, tag.strip()))
    ordered = [tag for _, tag in sorted(preferred, key=lambda pair: -pair[0])]
    # "de-AT" asks for de too: negotiate_locale matches on the primary subtag when the exact one is missing.
    ordered += [tag.split("-")[0] for tag in ordered]
    return negotiate_locale(ordered, languages, sep="-") or default
