"""Callback data: a short prefix and ids, never user-visible text, within Telegram's 64-byte limit."""
from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64


class CallbackTooLong(ValueError):
    pass


def encode(prefix: str, *parts: object) -> str:
    data = ":".join([prefix, *(str(p) for p in parts)])
    if len(data.encode()) > MAX_BYTES:
        raise CallbackTooLong(data)
    return data


@dataclass(frozen=True)
class Callback:
    prefix: str
    parts: tuple[str, ...]

    def int(self, index: int) -> int:
        return int(self.parts[index])


def decode(data: str | None) -> Callback | None:
    """None for anything we did not produce (forged, stale from an older version, garbage)."""
    if not data or len(data.encode()) > MAX_BYTES or ":" not in data:
        return None
    prefix, *parts = data.split(":")
    return Callback(prefix, tuple(parts))
