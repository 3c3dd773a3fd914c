"""Picking a consultation's text in the participant's language."""
from __future__ import annotations


def localized(texts: dict[str, str] | None, language: str | None, default_language: str) -> str:
    """The text in ``language``, else in the consultation's default language, else any non-empty one.

    A participant must never see an empty string, so the last resort is whichever translation exists.
    """
    texts = texts or {}
    for candidate in (language, default_language):
        if candidate and texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")
