"""What the bot says to input it cannot use, and when something fails on its side.

Stickers, photos, voice and the like get one short, translated line; the conversation stays where it was.
The failure message needs no backend (it may be what failed): it uses the language the person chose if the
bot remembers it, else the one Telegram reports.
"""

from __future__ import annotations

from bot.backend import Backend
from bot.flows.known import CHANNEL, KnownParticipants
from bot.flows.language import reader_translator
from bot.flows.person import Person
from bot.flows.screens import Reply, Screen
from bot.i18n import Translator


class FallbackFlow:
    def __init__(self, backend: Backend, default_language: str = "uk", known: KnownParticipants | None = None) -> None:
        self.backend = backend
        self.default_language = default_language
        self.known = known

    async def unsupported(self, user: Person) -> Reply:
        """A sticker, photo, voice message, document … in a private chat."""
        participant = await self.backend.find(CHANNEL, user.external_id)
        tr = self._tr(participant.get("language") if participant else None, user)
        return Reply(messages=[Screen(tr._("I can only read text and buttons here. /help shows what I can do."))])

    def inactive(self, user: Person) -> Reply:
        """A button pressed where the bot does not take answers (a group, a channel)."""
        return Reply(toast=self._tr(self._remembered(user), user)._("This button is no longer active."))

    def failure(self, user: Person) -> str:
        return self._tr(self._remembered(user), user)._(
            "Something went wrong on our side. Please try again in a moment."
        )

    def _remembered(self, user: Person) -> str | None:
        return self.known.cached_language(user.external_id) if self.known is not None else None

    def _tr(self, saved: str | None, user: Person) -> Translator:
        return reader_translator(saved, user, self.default_language)
