"""A reply's Bot API calls as plain JSON: the toast, the edit and the text of a button press.

A framework's client builds a model of every call (validated fields, a multipart form) and a model of every
answer (a whole ``Message`` for an edit or a sent text) that nothing here reads; in the bot's CPU profile the
three calls of a press cost about as much as the framework's whole dispatch. :class:`LeanCalls` makes the calls
a reply needs most — sendMessage, answerCallbackQuery, editMessageText, editMessageReplyMarkup — as one JSON POST
each through the delivery engine's client (:class:`bot.delivery.transport.BotApi`), and hands photos,
documents and venues to the framework's own calls. Telegram's refusals that need no more than skipping the call
are :class:`~bot.adapter.render.Refused`, as with every framework; other failures raise the transport's errors,
whose outages (network, 5xx, flood wait) :func:`bot.adapter.routing.is_transient` knows.
"""

from __future__ import annotations

from typing import Any

from bot.adapter.render import MAX_TEXT, BotCalls, Refused, fit
from bot.delivery.transport import BadRequest, BotApi
from bot.flows.screens import Button, Screen


def _button(button: Button) -> dict[str, Any]:
    if button.url and button.web_app:
        return {"text": button.text, "web_app": {"url": button.url}}
    if button.url:
        return {"text": button.text, "url": button.url}
    return {"text": button.text, "callback_data": button.data}


def inline_keyboard(screen: Screen) -> dict[str, Any] | None:
    """The inline buttons of a screen (what an edit can carry), as the Bot API's JSON."""
    if not screen.buttons:
        return None
    return {"inline_keyboard": [[_button(button) for button in row] for row in screen.buttons]}


def message_keyboard(screen: Screen) -> dict[str, Any] | None:
    """A sent message's keyboard: the contact button (a custom keyboard), or taking it away, or inline buttons."""
    if screen.contact_button is not None:
        button = {"text": screen.contact_button, "request_contact": True}
        return {"keyboard": [[button]], "resize_keyboard": True, "one_time_keyboard": True}
    if screen.remove_keyboard and not screen.buttons:
        return {"remove_keyboard": True}
    return inline_keyboard(screen)


class LeanCalls:
    """:class:`~bot.adapter.render.BotCalls` through ``api``; a screen with a photo, a document or a venue goes
    through ``media``, the framework's own calls (an upload is rare, and the framework's forms do it well)."""

    def __init__(self, api: BotApi, media: BotCalls) -> None:
        self.api = api
        self.media = media

    async def send(self, chat_id: int, screen: Screen) -> None:
        if screen.venue is not None or screen.photo is not None or screen.document is not None:
            await self.media.send(chat_id, screen)
            return
        payload: dict[str, Any] = {"chat_id": chat_id, "text": fit(screen.text, MAX_TEXT) or ""}
        markup = message_keyboard(screen)
        if markup is not None:
            payload["reply_markup"] = markup
        await self.api.call("sendMessage", payload)

    async def answer_query(self, query_id: str, text: str | None, alert: bool) -> None:
        payload: dict[str, Any] = {"callback_query_id": query_id, "show_alert": alert}
        if text is not None:
            payload["text"] = text
        await self._refusable("answerCallbackQuery", payload)

    async def edit_markup(self, chat_id: int, message_id: int, screen: Screen) -> None:
        payload: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id}
        markup = inline_keyboard(screen)
        if markup is not None:  # none: the keyboard goes
            payload["reply_markup"] = markup
        await self._refusable("editMessageReplyMarkup", payload)

    async def edit_text(self, chat_id: int, message_id: int, screen: Screen) -> None:
        payload: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": fit(screen.text, MAX_TEXT)}
        markup = inline_keyboard(screen)
        if markup is not None:
            payload["reply_markup"] = markup
        await self._refusable("editMessageText", payload)

    async def _refusable(self, method: str, payload: dict[str, Any]) -> None:
        try:
            await self.api.call(method, payload)
        except BadRequest as error:
            raise Refused(str(error)) from error
