"""Picking a consultation's text (and a country's name) in the participant's language, and the language a
reader asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError

from api.errors import ApiError

if TYPE_CHECKING:
    from storage.models import Consultation


def country_name(code: str, language: str | None) -> str:
    """A country's name in the reader's language (Babel's CLDR names), or its code when Babel has none."""
    try:
        return str(Locale.parse(language or "en").territories.get(code.upper(), code))
    except (ValueError, UnknownLocaleError):
        return code


def localized(texts: dict[str, str] | None, language: str | None, default_language: str) -> str:
    """The text in ``language``, else in the consultation's default language, else any non-empty one.

    A participant must never see an empty string, so the last resort is whichever translation exists.
    """
    texts = texts or {}
    for candidate in (language, default_language):
        if candidate and texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


def consultation_language(consultation: Consultation, language: str | None) -> str | None:
    """The consultation's own name for the language asked for, None for its default; any other is a 422.

    Results are cached per language: taking any string would let a caller force a fresh computation per
    request, and fill memory, by varying it. Only the consultation's few languages ever reach the cache.
    """
    if language is None or not language.strip():
        return None
    languages = list(consultation.languages or [consultation.default_language])
    by_name = {name.lower(): name for name in languages}
    wanted = language.strip().lower().replace("_", "-")
    found = by_name.get(wanted) or by_name.get(wanted.split("-", 1)[0])
    if found is None:
        raise ApiError(
            422,
            "unknown_language",
            "language must be one of the consultation's: " + ", ".join(languages),
            languages=languages,
        )
    return found
