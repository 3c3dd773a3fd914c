"""The mark on viche's buttons in a bot it shares with others: every callback data viche sends begins with it,
and a press whose data does not is the host's, never looked at."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.flows.callbacks import MAX_BYTES, CallbackTooLong

DEFAULT = "vc|"
# A character viche's own data never holds (its prefixes and fields are letters, digits, "-", "_" and ":"), so
# that the mark cannot be read as the start of a button of ours.
_MARK = re.compile(r"[^A-Za-z0-9:_-]")


@dataclass(frozen=True)
class Namespace:
    prefix: str = DEFAULT

    def __post_init__(self) -> None:
        if not 1 <= len(self.prefix.encode()) <= 8 or not _MARK.search(self.prefix):
            raise ValueError(
                f"namespace {self.prefix!r}: 1 to 8 bytes, with a character other than letters, digits, '-', '_', ':'"
            )

    def wrap(self, data: str) -> str:
        wrapped = self.prefix + data
        if len(wrapped.encode()) > MAX_BYTES:  # a 42-character slug beside an id beyond 10^13: refused, not cut
            raise CallbackTooLong(wrapped)
        return wrapped

    def unwrap(self, data: str | None) -> str | None:
        """viche's data without the mark, or None when the data is not viche's."""
        if data is None or not data.startswith(self.prefix):
            return None
        return data[len(self.prefix) :]
