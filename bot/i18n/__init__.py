"""Translations of the bot's own strings (gettext catalogs compiled with Babel) and locale resolution.

Strings are marked with ``tr._("…")`` and ``tr.n_("…", "…", n)`` so that ``pybabel extract`` finds
them (keywords ``_`` and ``n_:1,2``). Placeholders use ``{name}`` and are filled after translation.
"""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "viche"
SUPPORTED = ("uk", "en")
FALLBACK = "en"


class Translator:
    """The bot's strings in one locale."""

    def __init__(self, locale: str, translations: NullTranslations) -> None:
        self.locale = locale
        self._t = translations

    def _(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text.format(n=n, **values)


def _load(locale: str) -> NullTranslations:
    po = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if po.exists():
        # A stale or missing .mo (running from a fresh checkout): compile in memory, never serve old text.
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()


@lru_cache(maxsize=None)
def translator(locale: str) -> Translator:
    locale = locale if locale in SUPPORTED else FALLBACK
    return Translator(locale, _load(locale))


def normalize_language(code: str | None) -> str | None:
    """A supported locale for a Telegram ``language_code`` ('uk-UA', 'pt-br', garbage), or None."""
    if not code or not isinstance(code, str):
        return None
    try:
        parsed = Locale.parse(code.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return parsed.language if parsed.language in SUPPORTED else None


def resolve_locale(saved: str | None, telegram_code: str | None, consultation_default: str | None) -> str:
    """Saved choice, then Telegram's language, then the consultation's default, then English."""
    for candidate in (saved, normalize_language(telegram_code), consultation_default):
        if candidate in SUPPORTED:
            return candidate
    return FALLBACK


def language_name(code: str) -> str:
    """The language's name in that language: 'Українська', 'Deutsch'."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]
