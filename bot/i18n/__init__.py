"""The bot's catalogs (``locales/``, shared with the results pages) and locale resolution.

The translator itself is :mod:`core.translations` (the API's pages use it too): strings are marked with
``tr._("…")`` and ``tr.n_("…", "…", n)``; placeholders use ``{name}`` and are filled after translation.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel import Locale

from core.translations import DOMAIN, Translator, load

LOCALES_DIR = Path(__file__).parent / "locales"
# Every shipped locale (a catalog each under locales/; `viche i18n check` keeps them complete).
SUPPORTED = ("uk", "en", "de", "pl", "cs", "fr", "sv")
FALLBACK = "en"

__all__ = [
    "DOMAIN",
    "FALLBACK",
    "LOCALES_DIR",
    "SUPPORTED",
    "Translator",
    "language_name",
    "normalize_language",
    "resolve_locale",
    "translator",
]

_PRIMARY_SUBTAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:$|[-_.@\s])")


@cache
def translator(locale: str) -> Translator:
    locale = locale if locale in SUPPORTED else FALLBACK
    return Translator(locale, load(LOCALES_DIR, locale))


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
