"""The last routers: input no other router takes, and errors no handler caught.

* Media in a private chat (stickers, photos, voice, video, documents from non-organisers, contacts,
  polls …) gets one translated line: "I can only read text and buttons here."
* A button pressed in a group or channel gets the "no longer active" toast; the bot holds no
  conversation there. Group and channel *messages* reach no handler at all (every router filters on
  private chats), and neither do edited messages: an answer, once sent, is final, so an edit is ignored
  by design. Service messages (pins, joins …) are ignored too.
* An exception in any handler is logged and the user is told "Something went wrong …" — unless it is an
  outage (the backend answered 5xx, or could not be reached) while Telegram can deliver the update again
  (webhook mode): then it propagates, the webhook answers non-2xx, and Telegram retries the update
  instead of it being lost.
"""

from __future__ import annotations

import logging

import aiohttp
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import CallbackQuery, ErrorEvent

from bot.adapter import routing
from bot.adapter.routing import UNSUPPORTED
from bot.flows.fallback import FallbackFlow
from bot.flows.person import Person
from bot.handlers.filters import Is
from bot.handlers.render import answer, replying

log = logging.getLogger(__name__)

# aiogram's own outages, beside those every framework shares (bot/adapter/routing.is_transient).
OUTAGES = (aiohttp.ClientConnectionError, TelegramNetworkError, TelegramServerError, TelegramRetryAfter)


def is_transient(error: BaseException) -> bool:
    """An outage rather than a bug: the same update is likely to succeed later."""
    return routing.is_transient(error, OUTAGES)


async def on_foreign_button(query: CallbackQuery, person: Person, fallback_flow: FallbackFlow) -> None:
    await answer(query, fallback_flow.inactive(person))


async def on_error(
    event: ErrorEvent,
    bot: Bot,
    fallback_flow: FallbackFlow,
    person: Person | None = None,
    redeliver_on_outage: bool = False,
) -> None:
    error, update = event.exception, event.update
    transient = is_transient(error)
    if transient and redeliver_on_outage:
        log.warning(
            "update %s not handled, Telegram will deliver it again: %s: %s",
            update.update_id,
            type(error).__name__,
            error,
        )
        raise error
    if transient:
        log.warning("update %s failed during an outage: %s: %s", update.update_id, type(error).__name__, error)
    else:
        log.error("update %s failed", update.update_id, exc_info=error)
    query, message = update.callback_query, update.message
    if person is None or (query or message) is None:  # failed before the context middleware, or no one to tell
        return
    text = fallback_flow.failure(person)
    try:
        if query is not None:
            try:
                await query.answer(text, show_alert=True)
                return
            except TelegramAPIError:  # already answered before the failure: say it in the chat instead
                if query.message is None or query.message.chat.type != "private":
                    return
                await bot.send_message(query.message.chat.id, text)
        elif message is not None and message.chat.type == "private":
            await bot.send_message(message.chat.id, text)
    except TelegramAPIError as reply_error:
        log.warning("could not tell update %s's sender about the failure: %s", update.update_id, reply_error)


def build_router() -> Router:
    """Include it after every other router."""
    router = Router(name="fallback")
    router.message.register(
        replying("fallback_flow", FallbackFlow.unsupported),
        Is(F.chat.type == "private"),
        Is(F.content_type.in_(UNSUPPORTED)),
    )
    router.callback_query.register(on_foreign_button, Is(F.message.chat.type != "private"))
    router.errors.register(on_error)
    return router
