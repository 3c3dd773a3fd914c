"""What an organiser types after a command: checked before anything is asked of the backend.

A slug must follow the definition's own rule (``core.vocabulary``), so ``/close city-youth:junk`` is refused
instead of closing city-youth, and nothing typed can push a button's data past Telegram's 64 bytes. A Telegram
id is ASCII digits only (``str.isdigit`` also accepts '²' and '٣'), positive and below 2^63. A bad argument gets a
translated explanation, never an action on something else.
"""

from __future__ import annotations

import re

from bot.flows.organiser.replies import OrganiserReply, say
from bot.i18n import Translator
from core.vocabulary import SLUG_MAX, SLUG_MIN, SLUG_PATTERN

MAX_TELEGRAM_ID = 2**63 - 1

_SLUG = re.compile(SLUG_PATTERN)
_DIGITS = re.compile(r"[0-9]{1,19}")
_SOURCE = re.compile(r"[A-Za-z0-9_]{1,40}")  # the API's rule for a deep link's source (api/organiser/links.py)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2}")


def is_slug(text: str) -> bool:
    return SLUG_MIN <= len(text) <= SLUG_MAX and _SLUG.fullmatch(text) is not None


def telegram_id(text: str) -> int | None:
    """The id written in ``text``, or None unless it is ASCII digits for a number in 1 … 2^63 - 1."""
    if _DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if 0 < value <= MAX_TELEGRAM_ID else None


def is_source(text: str) -> bool:
    return _SOURCE.fullmatch(text) is not None


def is_language(text: str) -> bool:
    return len(text) <= 16 and _LANGUAGE.fullmatch(text) is not None


def quoted(text: str, limit: int = 40) -> str:
    """Someone's argument as a message repeats it: cut, so a 4000-character argument stays a short reply."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def words(args: str | None) -> list[str]:
    return (args or "").split()


def refuse_slug(tr: Translator, given: list[str], usage: str, most: int = 1) -> OrganiserReply | None:
    """A reply refusing the arguments, or None when the first is a slug and there are at most ``most``."""
    if not is_slug(given[0]):
        return say(
            tr._(
                "«{text}» is not a consultation's slug: 3 to 42 lowercase letters, digits and single "
                "hyphens, as /list shows them. Nothing was done. Usage: {usage}",
                text=quoted(given[0]),
                usage=usage,
            )
        )
    if len(given) > most:
        return too_many(tr, given[most:], usage)
    return None


def too_many(tr: Translator, extra: list[str], usage: str) -> OrganiserReply:
    return say(
        tr._(
            "I did not understand «{text}»; nothing was done. Usage: {usage}", text=quoted(" ".join(extra)), usage=usage
        )
    )
