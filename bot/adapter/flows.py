"""The flows one bot runs, built once per bot whatever its framework: they share one memory of who is who
(``KnownParticipants``: /forget must be seen by the participant flow at once)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.adapter.menus import MenuCalls, publish_organiser_menu, withdraw_organiser_menu
from bot.adapter.render import BotCalls
from bot.backend import Backend
from bot.flows.digests import DigestFlow
from bot.flows.fallback import FallbackFlow
from bot.flows.known import KnownParticipants
from bot.flows.organiser.flow import OrganiserFlow
from bot.flows.organiser.replies import OrganiserReply
from bot.flows.participant import ParticipantFlow
from bot.flows.privacy import PrivacyFlow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flows:
    known: KnownParticipants
    participant: ParticipantFlow
    organiser: OrganiserFlow
    privacy: PrivacyFlow
    digest: DigestFlow
    fallback: FallbackFlow

    @classmethod
    def build(cls, backend: Backend, default_language: str = "uk") -> Flows:
        known = KnownParticipants(backend)
        return cls(
            known=known,
            participant=ParticipantFlow(backend, known, default_language=default_language),
            organiser=OrganiserFlow(backend, known, default_language=default_language),
            privacy=PrivacyFlow(backend, known, default_language=default_language),
            digest=DigestFlow(backend, default_language=default_language),
            fallback=FallbackFlow(backend, default_language=default_language, known=known),
        )


async def tell_others(
    calls: BotCalls, menus: MenuCalls, reply: OrganiserReply, api_errors: tuple[type[BaseException], ...]
) -> None:
    """What an organiser's reply tells others, after the organiser is answered: the authors of moderated
    proposals, and the command menus of people granted or revoked. A notice that fails with one of the
    framework's ``api_errors`` (the author blocked the bot, deleted the account …) is logged: the decision stands."""
    for notice in reply.notices:
        try:
            await calls.send(notice.chat_id, notice.screen)
        except api_errors as error:
            log.warning("could not notify a chat: %s", error)  # no Telegram id in logs
    for change in reply.menus:  # /grant, /revoke: the person's own command menu follows
        if change.organiser:
            await publish_organiser_menu(menus, change.telegram_id, change.owner)
        else:
            await withdraw_organiser_menu(menus, change.telegram_id)
