"""Turning a flow's Reply into Bot API calls, the same for every framework.

A front end implements :class:`BotCalls` (send a screen, answer a press, edit a message) with its own types and
raises :class:`Refused` where Telegram refuses a call that may fairly be refused (a press answered already, a
message edited already or too old to edit); the order and the rules live here once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Protocol

from bot.flows.screens import Reply, Screen

log = logging.getLogger(__name__)

# Telegram's limits, in UTF-16 code units: longer texts are refused outright, so cut them instead.
MAX_TEXT, MAX_CAPTION, MAX_TOAST = 4096, 1024, 200


class Refused(Exception):
    """Telegram refused the call with a Bad Request that needs no more than skipping it."""


def fit(text: str | None, limit: int) -> str | None:
    """``text`` cut to Telegram's ``limit`` with an ellipsis (a quoted 10 000-character proposal must not
    make the whole reply fail)."""
    if text is None or len(text) <= limit // 2 or len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    cut = text.encode("utf-16-le")[: (limit - 1) * 2].decode("utf-16-le", errors="ignore")
    return cut + "…"


def caption(screen: Screen) -> str | None:
    """The caption of a photo or document screen, within Telegram's limit (none rather than an empty one)."""
    return fit(screen.text, MAX_CAPTION) or None


def marked(screen: Screen, namespace: str) -> Screen:
    """``screen`` with ``namespace`` before each button's data: the mark of viche's buttons in a bot it shares
    with a host (viche.ptb), for what is sent outside a front end (the delivery engine's digests)."""
    if not namespace:
        return screen
    rows = [
        [button if button.url else replace(button, data=namespace + button.data) for button in row]  # links: no data
        for row in screen.buttons
    ]
    return replace(screen, buttons=rows)


class BotCalls(Protocol):
    """The Bot API calls a reply needs, in a framework's own terms. ``send`` picks sendMessage, sendPhoto or
    sendDocument by the screen (texts through :func:`fit`, captions through :func:`caption`)."""

    async def send(self, chat_id: int, screen: Screen) -> None: ...

    async def answer_query(self, query_id: str, text: str | None, alert: bool) -> None: ...

    async def edit_markup(self, chat_id: int, message_id: int, screen: Screen) -> None: ...

    async def edit_text(self, chat_id: int, message_id: int, screen: Screen) -> None: ...


@dataclass(frozen=True)
class PressOrigin:
    """Where a button was pressed: the query to answer, and the message under which (``chat_id`` and
    ``message_id`` are None when the press carries no message, as an inline message's button does)."""

    query_id: str
    chat_id: int | None
    message_id: int | None


async def send_reply(calls: BotCalls, chat_id: int, reply: Reply) -> None:
    for screen in reply.messages:
        await calls.send(chat_id, screen)


async def answer_press(calls: BotCalls, origin: PressOrigin, reply: Reply) -> None:
    """Answer the query first (the spinner on the button stops), then edit and send."""
    try:
        await calls.answer_query(origin.query_id, fit(reply.toast, MAX_TOAST), reply.alert)
    except Refused as error:
        # Answered already: Telegram delivers again an update whose handling failed after the toast.
        log.debug("callback answer skipped: %s", error)
    if origin.chat_id is None or origin.message_id is None:
        return
    if reply.edit is not None:
        # By chat and message id, which a Message and an InaccessibleMessage both carry: a keyboard under a
        # message older than 48 hours must go as well, or the person is left with buttons that no longer answer.
        try:
            if reply.edit.keep_text:
                await calls.edit_markup(origin.chat_id, origin.message_id, reply.edit)
            else:
                await calls.edit_text(origin.chat_id, origin.message_id, reply.edit)
        except Refused as error:
            # Already edited by an earlier press of the same button, or too old to edit: nothing to change.
            log.debug("edit skipped: %s", error)
    await send_reply(calls, origin.chat_id, reply)
