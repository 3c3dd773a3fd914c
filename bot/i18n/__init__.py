"""Translations of the bot's own strings (gettext catalogs compiled with Babel) and locale resolution.

Strings are marked with ``tr._("…")`` and ``tr.n_("…", "…", n)`` so that ``pybabel extract`` finds
them (keywords ``_`` and ``n_:1,2``). Placeholders use ``{name}`` and are filled after translation.
"""

from __future__ import annotations

import io
import logging
import re
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "viche"
# Every shipped locale (a catalog each under locales/; `viche i18n check` keeps them complete).
SUPPORTED = ("uk", "en", "de", "pl", "cs", "fr", "sv")
FALLBACK = "en"

log = logging.getLogger(__name__)
_PRIMARY_SUBTAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:$|[-_.@\s])")


class Translator:
    """The bot's strings in one locale."""

    def __init__(self, locale: str, translations: NullTranslations) -> None:
        self.locale = locale
        self._t = translations

    def _(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return _fill(text, message, values) if values else text

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The CLDR plural form for ``n``; ``{n}`` is written the local way ('1 234' in uk, '1,234' in en)."""
        text = self._t.ngettext(singular, plural, n)
        source = singular if n == 1 else plural
        return _fill(text, source, {"n": format_decimal(n, locale=self.locale), **values})


def _fill(text: str, source: str, values: dict[str, object]) -> str:
    """Fill the placeholders; a broken translation falls back to the English text instead of failing the update.

    ``viche i18n check`` keeps broken placeholders out of the shipped catalogs; this is the last guard.
    """
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError) as error:
        log.error("broken placeholder in translation of %r: %s", source, error)
        return source.format(**values)


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


@cache
def translator(locale: str) -> Translator:
    locale = locale if locale in SUPPORTED else FALLBACK
    return Translator(locale, _load(locale))


def normalize_language(code: object) -> str | None:
    """A supported locale for a Telegram ``language_code``, or None; never raises.

    Telegram sends IETF tags, written many ways: 'uk', 'uk-UA', 'UK_ua', 'pt-br', 'zh-hans', '' or garbage.
    Only the primary language subtag counts (regional variants share one catalog).
    """
    if not isinstance(code, str) or len(code) > 64:
        return None
    match = _PRIMARY_SUBTAG.match(code)
    if match is None:
        return None
    language = match.group(1).lower()
    return language if language in SUPPORTED else None


def resolve_locale(saved: str | None, telegram_code: str | None, consultation_default: str | None) -> str:
    """Saved choice, then Telegram's language, then the default given (the bot's), then English.

    The one rule of every screen, citizen's or organiser's; ``bot.flows.language`` finds the saved choice for
    flows that do not hold the participant record themselves."""
    for candidate in (saved, telegram_code, consultation_default):
        language = normalize_language(candidate)
        if language is not None:
            return language
    return FALLBACK


@cache
def language_name(code: str) -> str:
    """The language's name in that language: 'Українська', 'Deutsch', 'Čeština' (CLDR, capitalised for a button)."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, TypeError):
        name = code
    return name[:1].upper() + name[1:]
