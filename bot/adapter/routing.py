"""Which flow answers what, the same for every framework: the commands of each flow, which flow owns a button's
data, the kinds of message the conversation has no use for, and which failures are outages.

aiogram registers its routers from these tables (bot/handlers/); python-telegram-bot's handler reads them
(viche/ptb/handler.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Literal

from bot.backend import BackendError
from bot.delivery.transport import NetworkFailure, RetryAfter, ServerError
from bot.flows.digests import DigestFlow
from bot.flows.organiser.flow import OrganiserFlow
from bot.flows.participant import ParticipantFlow
from bot.flows.privacy import PrivacyFlow

# A participant's commands the flow answers from the person alone (/start takes its payload, see welcome.py).
PARTICIPANT_COMMANDS = {
    "help": ParticipantFlow.help,
    "language": ParticipantFlow.choose_language_menu,
    "consultations": ParticipantFlow.consultations,
}
PRIVACY_COMMANDS = {"mydata": PrivacyFlow.my_data, "forget": PrivacyFlow.forget_menu}
DIGEST_COMMANDS = {"digests": DigestFlow.digests_menu, "stop": DigestFlow.stop}

# Organisers' commands the flow answers from the organiser alone, and those that take the command's arguments.
ORGANISER_COMMANDS = {"admin": OrganiserFlow.help, "new": OrganiserFlow.new, "list": OrganiserFlow.list}
ORGANISER_COMMANDS_WITH_ARGS = {
    "stats": OrganiserFlow.stats,
    "preview": OrganiserFlow.preview,
    "moderate": OrganiserFlow.moderate,
    "publish": OrganiserFlow.publish,
    "dashboard": OrganiserFlow.dashboard,
    "jury": OrganiserFlow.jury,
    "results": OrganiserFlow.results,
}
OWNER_COMMANDS = {"grant": OrganiserFlow.grant, "revoke": OrganiserFlow.revoke}
STATUS_COMMANDS = ("launch", "pause", "resume", "close")
# Organisers' commands with a handler of their own (the flow needs more than the person and the arguments).
OTHER_ORGANISER_COMMANDS = ("help", "link", "digest", "broadcasts", *STATUS_COMMANDS)


# Every organiser command but /help, which is everyone's (an organiser's lists their commands too).
ORGANISER_COMMAND_NAMES = frozenset(
    [*ORGANISER_COMMANDS, *ORGANISER_COMMANDS_WITH_ARGS, *OWNER_COMMANDS, *OTHER_ORGANISER_COMMANDS]
) - {"help"}


# What a participant may send that the conversation has no use for (the Bot API's fields of a Message).
UNSUPPORTED = frozenset(
    {
        "sticker",
        "photo",
        "voice",
        "video",
        "video_note",
        "audio",
        "document",
        "animation",
        "contact",
        "poll",
        "dice",
        "game",
        "story",
        "paid_media",
        "venue",
        "checklist",
    }
)

Owner = Literal["organiser", "digest", "privacy", "participant"]


def press_owner(data: str | None) -> Owner:
    """The flow a button's data belongs to. Forged or stale data goes to the participant's flow, which answers
    "no longer active"; an organiser button pressed by someone else is the participant flow's too."""
    if OrganiserFlow.handles(data):
        return "organiser"
    if DigestFlow.handles(data):
        return "digest"
    if PrivacyFlow.handles(data):
        return "privacy"
    return "participant"


def pressed_label(rows: Iterable[Iterable[tuple[str, str | None]]], data: str | None) -> str | None:
    """The label of the pressed button, from the keyboard the press came with ((text, data) per button)."""
    for row in rows:
        for text, button_data in row:
            if button_data == data:
                return text
    return None


def is_transient(error: BaseException, framework_outages: tuple[type[BaseException], ...] = ()) -> bool:
    """An outage rather than a bug: the same update is likely to succeed later. ``framework_outages``: the
    framework's own network, server and flood-wait errors; the lean calls' (bot/adapter/lean.py) are known here."""
    if isinstance(error, BackendError):
        return error.status >= 500 or error.status == 429
    return isinstance(
        error, (*framework_outages, *LEAN_OUTAGES, ConnectionError, TimeoutError, asyncio.TimeoutError, OSError)
    )


# The lean Bot API calls' outages (bot/adapter/lean.py), whichever framework made them.
LEAN_OUTAGES = (NetworkFailure, ServerError, RetryAfter)
