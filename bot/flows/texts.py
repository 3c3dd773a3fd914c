"""A stored text in the reader's language, and a text shortened to fit (digests, the standing answer)."""

from __future__ import annotations


def localized(texts: dict[str, str] | None, locale: str, default: str | None) -> str:
    texts = texts or {}
    for candidate in (locale, default):
        if candidate and texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:—-") + "…"
