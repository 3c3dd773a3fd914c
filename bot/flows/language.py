"""Which language a person reads, on every screen, citizen or organiser: one rule, ``bot.i18n.resolve_locale``.

The language the person chose with /language (stored with their participant record) wins; then the language
their Telegram app reports, if the bot speaks it; then the bot's default. The citizen flow already holds the
participant record and applies the same rule to it; everyone else (organiser commands, /mydata, fallbacks)
asks here, so an organiser who chose English reads /list, /stats and /moderate in English too.
"""

from __future__ import annotations

from bot.flows.known import KnownParticipants
from bot.flows.person import Person
from bot.i18n import Translator, resolve_locale, translator


def reader_translator(saved: str | None, person: Person, default_language: str) -> Translator:
    """The strings by the one rule: the language the person chose (``saved``), else their app's, else the bot's."""
    return translator(resolve_locale(saved, person.language_code, default_language))


async def person_translator(
    known: KnownParticipants, external_id: str, app_language: str | None, default_language: str
) -> Translator:
    """The strings in the person's language (one backend look-up at most a minute, none for the known)."""
    return translator(resolve_locale(await known.language(external_id), app_language, default_language))
