"""Who the update being handled comes from, as every flow sees it (no Telegram framework in sight).

One type for every role: a participant, an organiser and the reader of a digest are the same person to the bot,
told apart by what the backend knows of them, not by the shape of the object. The bot's context middleware
(bot/handlers/context.py) makes one for each update from its sender.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    """The sender's Telegram user id, the language their app reports, and whether Telegram delivers this update
    again because handling it failed before (webhook mode)."""

    telegram_id: int
    language_code: str | None = None
    redelivered: bool = False

    @property
    def external_id(self) -> str:
        """The id the backend knows the person's Telegram contact by."""
        return str(self.telegram_id)
