"""The one python-telegram-bot handler viche adds to an Application, in a handler group of its own.

``check_update`` (synchronous in PTB) picks the shapes viche may answer: a new message in a private chat from a
person, or a press whose data carries viche's mark (viche/ptb/namespace.py). The callback then asks the shared
core (bot/adapter/conversation.py) whether the update is viche's, answers it, and raises
``ApplicationHandlerStop`` when it was, so the host's handlers never answer it a second time; an update that
is not viche's goes on to them untouched. Edited messages, channel posts and presses under no message (inline
mode) are never viche's. viche keeps its state in its backend, never in the Application's persistence,
``bot_data``, ``chat_data`` or ``user_data``.

A failure is the person's to hear about in their language ("Something went wrong …"), logged, and never handed
to the host's error handlers — except an outage (the backend or Telegram away) under a webhook that Telegram
retries (viche/ptb/webhook.py), which is held for the webhook to answer 503.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop, BaseHandler, ContextTypes

from bot.acting import acting_as
from bot.adapter import routing
from bot.adapter.conversation import Conversation, Document
from bot.adapter.conversation import Message as Incoming
from bot.adapter.conversation import Press as Pressed
from bot.adapter.reachable import Reachability
from bot.adapter.render import PressOrigin
from bot.flows.person import Person
from core import logs, metrics
from viche.ptb.calls import PtbCalls, PtbMenus
from viche.ptb.namespace import Namespace

log = logging.getLogger(__name__)

# python-telegram-bot's own outages, beside those every framework shares (bot/adapter/routing.is_transient).
OUTAGES = (NetworkError, TimedOut, RetryAfter)


class VicheHandler(BaseHandler[Update, Any, None]):
    def __init__(self, conversation: Conversation, namespace: Namespace) -> None:
        super().__init__(self._handle)
        self.conversation = conversation
        self.namespace = namespace
        self.reachability = Reachability()
        self.outages: dict[int, BaseException] = {}
        """Outages met while a webhook that Telegram retries waits for the update (viche/ptb/webhook.py)."""
        self.redeliver_on_outage = False
        self.redelivered: set[int] = set()

    def check_update(self, update: object) -> bool:
        if not isinstance(update, Update) or update.effective_user is None:
            return False
        if update.message is not None:
            return update.message.chat.type == "private"
        query = update.callback_query
        return query is not None and query.message is not None and self.namespace.unwrap(query.data) is not None

    async def _handle(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        assert user is not None  # check_update
        person = Person(user.id, user.language_code, redelivered=update.update_id in self.redelivered)
        calls, menus = PtbCalls(context.bot, self.namespace), PtbMenus(context.bot)
        kind = "message" if update.message is not None else "callback_query"
        started, outcome = time.perf_counter(), "error"
        token = logs.update_id.set(update.update_id)
        try:
            with acting_as(user.id):
                if update.effective_chat is not None and update.effective_chat.type == "private":
                    await self.reachability.heard_from(self.conversation.backend, user.id)
                if update.message is not None:
                    incoming = _incoming(update.message, person, context.bot.username)
                    claimed = await self.conversation.message(incoming, calls, menus, context.bot.username or "")
                else:
                    claimed = await self.conversation.press(self._pressed(update, person), calls, menus)
            outcome = "handled" if claimed else "unhandled"
        except Exception as error:  # noqa: BLE001 - every failure is answered here, never by the host's handlers
            await self._failed(update, person, calls, error)
            claimed = True
        finally:
            metrics.UPDATE_SECONDS.observe(time.perf_counter() - started)
            metrics.update_counter(kind, outcome).inc()
            logs.update_id.reset(token)
        if claimed:
            raise ApplicationHandlerStop

    def _pressed(self, update: Update, person: Person) -> Pressed:
        query = update.callback_query
        assert query is not None and query.message is not None  # check_update
        message = query.message  # a Message, or an InaccessibleMessage (date 0: no text, no keyboard)
        data = self.namespace.unwrap(query.data) or ""
        markup = getattr(message, "reply_markup", None)
        rows = (
            [[(b.text, self.namespace.unwrap(b.callback_data)) for b in row] for row in markup.inline_keyboard]
            if markup
            else []
        )
        return Pressed(
            person=person,
            origin=PressOrigin(query.id, message.chat.id, message.message_id),
            data=data,
            private=message.chat.type == "private",
            label=routing.pressed_label(rows, data),
            message_text=getattr(message, "text", None),
        )

    async def _failed(self, update: Update, person: Person, calls: PtbCalls, error: BaseException) -> None:
        transient = routing.is_transient(error, OUTAGES)
        if transient and self.redeliver_on_outage:
            log.warning(
                "update %s not handled, Telegram will deliver it again: %s: %s",
                update.update_id,
                type(error).__name__,
                error,
            )
            self.outages[update.update_id] = error
            return
        if transient:
            log.warning("update %s failed during an outage: %s: %s", update.update_id, type(error).__name__, error)
        else:
            log.error("update %s failed", update.update_id, exc_info=error)
        text = self.conversation.flows.fallback.failure(person)
        query, message = update.callback_query, update.message
        try:
            if query is not None:
                try:
                    await query.answer(text, show_alert=True)
                    return
                except BadRequest:  # already answered before the failure: say it in the chat instead
                    if query.message is None or query.message.chat.type != "private":
                        return
                    await calls.bot.send_message(query.message.chat.id, text)
            elif message is not None:
                await calls.bot.send_message(message.chat.id, text)
        except TelegramError as reply_error:
            log.warning("could not tell update %s's sender about the failure: %s", update.update_id, reply_error)


def _incoming(message: Message, person: Person, bot_username: str | None) -> Incoming:
    text = message.text if message.text is not None else message.caption
    command, args = _command(text, bot_username)
    document = message.document
    return Incoming(
        person=person,
        chat_id=message.chat.id,
        text=message.text,
        command=command,
        args=args,
        location=(message.location.latitude, message.location.longitude) if message.location else None,
        contact=(message.contact.phone_number, message.contact.user_id) if message.contact else None,
        document=None
        if document is None
        else Document(document.file_name, document.file_size, message.caption, _downloader(message)),
        media=any(getattr(message, kind, None) for kind in routing.UNSUPPORTED),
    )


def _downloader(message: Message) -> Any:
    async def download() -> bytes:
        assert message.document is not None
        file = await message.document.get_file()
        return bytes(await file.download_as_bytearray())

    return download


def _command(text: str | None, bot_username: str | None) -> tuple[str | None, str | None]:
    """(name, args) of ``/name[@bot] args``, as aiogram's Command reads it: None for no command, or for a command
    to another bot in the chat."""
    if not text or not text.startswith("/"):
        return None, None
    head, _, rest = text.partition(" ")
    name, _, mention = head[1:].partition("@")
    if not name or (mention and bot_username and mention.lower() != bot_username.lower()):
        return None, None
    return name, rest.strip() or None
