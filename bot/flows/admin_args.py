"""What an organiser types after a command, and the data behind organiser buttons: checked before use.

A slug must follow the definition's own rule (``core.vocabulary``), so ``/close city-youth:junk`` is refused
instead of closing city-youth, and nothing typed can push a button's data past Telegram's 64 bytes. A Telegram
id is ASCII digits only (``str.isdigit`` also accepts '²' and '٣'), positive and below 2^63.

Organiser buttons are read here too, each prefix with its exact shape: data that does not fit it (forged,
stale, from another version) is refused as a whole, never half-used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.vocabulary import SLUG_MAX, SLUG_MIN, SLUG_PATTERN

MAX_DATA = 64  # Telegram's limit on a button's callback data, in bytes
MAX_TELEGRAM_ID = 2**63 - 1
MAX_POSITION = 10_000  # the preview route's own bound
ALL = "-"  # moderation scope: every consultation
STATUS_CODES = {"l": "launch", "p": "pause", "r": "resume", "c": "close"}
REASON_CODES = {"o": "off_topic", "i": "incomprehensible", "n": "insulting", "a": "advertising",
                "s": "several_ideas", "d": "duplicate", "x": "other"}

_SLUG = re.compile(SLUG_PATTERN)
_DIGITS = re.compile(r"[0-9]{1,19}")
_SOURCE = re.compile(r"[A-Za-z0-9_]{1,40}")  # the API's rule for a deep link's source (api/routes_organiser.py)
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


# ---- organiser buttons ------------------------------------------------------------------------------------


def button(prefix: str, *parts: object) -> str:
    """A button's data; the parts come from checked arguments or from the backend, so they always fit."""
    data = ":".join([prefix, *(str(part) for part in parts)])
    if len(data.encode()) > MAX_DATA:
        raise ValueError(f"button data longer than {MAX_DATA} bytes: {data!r}")
    return data


def fits(prefix: str, *parts: object) -> bool:
    return len(":".join([prefix, *(str(part) for part in parts)]).encode()) <= MAX_DATA


def _number(text: str, high: int) -> int | None:
    if _DIGITS.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= high else None


def _scope(text: str) -> str | None:
    return text if text == ALL or is_slug(text) else None


def _proposal(text: str) -> int | None:
    value = _number(text, MAX_TELEGRAM_ID)
    return value if value else None


# Each organiser button: its prefix and how each part is read (None: not valid).
SHAPES = {
    "xp": (lambda s: s if is_slug(s) else None, lambda s: _number(s, MAX_POSITION),
           lambda s: s if is_language(s) else None),                     # preview: slug, position, language
    "xn": (lambda s: s if s in ("0", "1") else None,),                    # cancel (0), end of a preview (1)
    "xt": (lambda s: s if is_slug(s) else None,),                         # refresh the figures
    "xs": (STATUS_CODES.get, lambda s: s if is_slug(s) else None),       # status change chosen from a list
    "xc": (lambda s: s if is_slug(s) else None,),                         # close, confirmed
    "xa": (_proposal, _scope),                                            # accept
    "xr": (_proposal, _scope),                                            # reject: show the reasons
    "xk": (_proposal, _scope),                                            # skip
    "xb": (_proposal, _scope),                                            # back from the reasons
    "xj": (_proposal, REASON_CODES.get, _scope),                          # reject with a reason
}


@dataclass(frozen=True)
class OrganiserButton:
    prefix: str
    values: tuple


def is_organiser_button(data: str | None) -> bool:
    """Is this data meant for the organiser flow (valid or not)? Its prefix says so."""
    return bool(data) and data.split(":", 1)[0] in SHAPES


def read_button(data: str | None) -> OrganiserButton | None:
    """The button's prefix and parts, read by its shape; None for anything that does not fit exactly."""
    if not data or len(data.encode()) > MAX_DATA:
        return None
    prefix, *parts = data.split(":")
    shape = SHAPES.get(prefix)
    if shape is None or len(parts) != len(shape):
        return None
    values = tuple(read(part) for read, part in zip(shape, parts))
    if any(value is None for value in values):
        return None
    return OrganiserButton(prefix, values)
