"""The page's language and strings: the consultation's languages, chosen by ``?lang=`` then ``Accept-Language``.

The strings live in the same gettext catalogs as the bot's (``bot/i18n/locales``, extracted by ``make i18n``:
babel.cfg lists ``api/pages``); they are read here as data files through :mod:`core.translations`, the
translator the bot uses too, so the API imports nothing of the bot.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.core import negotiate_locale

from core.translations import Translator, load

LOCALES_DIR = Path(__file__).resolve().parents[2] / "bot" / "i18n" / "locales"
LOCALES = sorted(path.parent.parent.name for path in LOCALES_DIR.glob("*/LC_MESSAGES/viche.po"))
"""The languages viche's catalogs speak (the bot's seven)."""


@cache
def page_text(locale: str) -> Translator:
    """The page's strings in ``locale`` (the translator of :mod:`core.translations`, over the bot's catalogs)."""
    return Translator(locale, load(LOCALES_DIR, locale))


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
