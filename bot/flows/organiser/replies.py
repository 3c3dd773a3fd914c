"""What the organiser screens hand back to the handlers, and the texts several of them share.

A proposal's author is told about the decision in *their* language, through ``OrganiserReply.notices``, which
the handler sends to the author's chat after answering the organiser; /grant and /revoke change the person's
command menu through ``OrganiserReply.menus``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.backend import BackendError
from bot.flows.screens import Reply, Screen
from bot.i18n import Translator

MESSAGE_LIMIT = 3900  # Telegram takes 4096 characters per message: room for what a screen adds around a text


@dataclass
class Notice:
    """A message for someone else than the organiser: the author of a moderated proposal."""

    chat_id: int
    screen: Screen


@dataclass(frozen=True)
class MenuChange:
    """Someone became an organiser (``organiser``) or stopped being one: their chat's command menu follows."""

    telegram_id: int
    organiser: bool
    owner: bool = False


@dataclass
class OrganiserReply(Reply):
    notices: list[Notice] = field(default_factory=list)
    menus: list[MenuChange] = field(default_factory=list)


def say(text: str) -> OrganiserReply:
    """A reply of one plain message."""
    return OrganiserReply(messages=[Screen(text)])


def status_label(tr: Translator, status: str) -> str:
    return {
        "draft": tr._("a draft"),
        "open": tr._("open"),
        "paused": tr._("paused"),
        "closed": tr._("closed"),
        "accepted": tr._("accepted"),
        "rejected": tr._("rejected"),
        "pending": tr._("pending"),
    }.get(status, status)


def failure(tr: Translator, error: BackendError, slug: str | None = None) -> Screen:
    """What the organiser reads when the API refused: a missing consultation, or the API's reason."""
    if error.status == 404 and slug is not None:
        return Screen(tr._("There is no consultation {slug}. /list shows them all.", slug=slug))
    if error.status == 404:
        return Screen(
            tr._("Not found: {what}. /list shows the consultations.", what=error.message.removesuffix(" not found"))
        )
    if error.status in (400, 409, 422):
        return Screen(tr._("Not done: {reason}", reason=error.message))
    raise error


def chunks(text: str) -> list[Screen]:
    """Telegram takes 4096 characters per message: split long texts on line ends."""
    screens: list[Screen] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > MESSAGE_LIMIT:
            if current:
                screens.append(Screen(current))
                current = ""
            screens.append(Screen(line[:MESSAGE_LIMIT]))
            line = line[MESSAGE_LIMIT:]
        if len(current) + len(line) + 1 > MESSAGE_LIMIT:
            screens.append(Screen(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not screens:
        screens.append(Screen(current))
    return screens
