"""A fake Telegram Bot API server, in memory, spoken to over real HTTP.

Two users: tests of the bot, which point a real aiogram Bot at it and play the Telegram user from
Python; and ``viche run`` without a bot token, where a person plays the user from a browser
(see ``sandbox.web``). The bot cannot tell it from Telegram for the methods listed in
``bot_messages.HANDLERS`` and ``bot_settings.HANDLERS``: same envelopes, same validation, same
error wording, so aiogram raises the same exceptions it would raise in production. Any other
method answers 404 "Not Found", as Telegram does for an unknown method.

Pointing aiogram at it::

    fake = FakeBotAPI()
    async with serve(fake.app) as base:          # or mount it: see sandbox.web.mount_sandbox
        session = AiohttpSession(api=TelegramAPIServer.from_base(base))
        bot = Bot("123456:any-token", session=session)

Everything lives on one asyncio event loop and needs no locks. Updates are queued until the bot
confirms them (getUpdates offset) or the webhook delivered them; ``wait_until_idle`` tells a test
when the bot has finished reacting.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI

from sandbox import bot_messages, bot_settings
from sandbox.chats import Chat, Chats, StoredMessage
from sandbox.errors import BotAPIError, SandboxError
from sandbox.faults import Faults
from sandbox.files import FileStore
from sandbox.formatting import detected_entities
from sandbox.keyboards import button_rows, reply_keyboard_rows
from sandbox.params import Params
from sandbox.request_body import UploadedFile
from sandbox.updates import UpdateQueue
from sandbox.views import message_view
from sandbox.webhook import WebhookDelivery

_HANDLERS = {name.lower(): handler for name, handler in {**bot_messages.HANDLERS, **bot_settings.HANDLERS}.items()}
_SENDING = {name.lower() for name in bot_messages.SENDING_METHODS}
T = TypeVar("T")
CALL_LOG_SIZE = 10_000  # a sandbox left running for days must not grow without bound


class FakeBotAPI:
    def __init__(
        self,
        bot_username: str = "viche_bot",
        bot_id: int = 1000001,
        *,
        bot_first_name: str = "Viche",
        token: str | None = None,
        files_url_prefix: str = "/sandbox/api/files",
    ) -> None:
        """``token``: if given, calls with any other token get 401 Unauthorized; otherwise any token works.
        ``files_url_prefix``: where the web page fetches photos and documents (see ``messages()``)."""
        self.bot_user = {"id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username}
        self.token = token
        self.files_url_prefix = files_url_prefix
        self.chats = Chats()
        self.files = FileStore()
        self.updates = UpdateQueue()
        self.faults = Faults()
        self.webhook = WebhookDelivery(self.updates, self.call, self._mark_handed_over)
        self.users: dict[int, dict[str, Any]] = {}
        self.open_callback_queries: dict[str, dict[str, Any]] = {}
        self.bot_commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_descriptions: dict[str, str] = {}
        self.bot_short_descriptions: dict[str, str] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.call_log: deque[dict[str, Any]] = deque(maxlen=CALL_LOG_SIZE)
        self.count_429 = 0
        # For wait_until_idle: calls being served, and when the bot last did or received anything.
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._last_handed_over = 0.0
        self._last_bot_call = 0.0
        self._app: FastAPI | None = None

    # ---- the bot's side --------------------------------------------------------------------

    @property
    def app(self) -> FastAPI:
        """The Bot API as an ASGI app (created once): ``/bot{token}/{method}``, ``/file/bot{token}/{path}``."""
        if self._app is None:
            self._app = self.create_app()
        return self._app

    def create_app(self) -> FastAPI:
        from sandbox.bot_api_app import create_bot_api_app

        return create_bot_api_app(self)

    async def call(self, method: str, fields: dict[str, Any], files: dict[str, UploadedFile] | None = None) -> Any:
        """Execute one Bot API method; return its result or raise BotAPIError. The HTTP app calls this."""
        name = method.lower()
        polling = name == "getupdates"
        entry = {"method": method, "params": dict(fields), "at": time.time(), "status": None}
        self.call_log.append(entry)
        self._mark_activity()
        if not polling:
            self._in_flight += 1
            self._last_bot_call = time.monotonic()
        try:
            result = await self._execute(name, Params(fields, files))
            if polling and result:
                self._mark_handed_over()
        except BotAPIError as error:
            entry["status"] = error.status
            if error.status == 429:
                self.count_429 += 1
            raise
        finally:
            if not polling:
                self._in_flight -= 1
                self._mark_activity()
        entry["status"] = 200
        return result

    async def _execute(self, name: str, params: Params) -> Any:
        handler = _HANDLERS.get(name)
        if handler is None:
            raise BotAPIError(404, "Not Found")
        injected = self.faults.scripted(name)
        if injected is not None:
            raise injected
        if params.has("chat_id") and name not in ("setchatmenubutton", "getchatmenubutton"):
            self.faults.check_blocked(params.chat_id())
        if name in _SENDING:
            self.faults.check_rate(params.chat_id())
        return await handler(self, params)

    def record_sent(self, chat: Chat, stored: StoredMessage, method: str) -> None:
        message = stored.message
        chat.sent.append(
            {
                "method": method,
                "message_id": stored.message_id,
                "at": time.time(),
                "text": message.get("text", message.get("caption")),
            }
        )
        self.faults.record_send(chat.id)

    def apply_reply_keyboard(self, chat: Chat, markup: dict[str, Any] | None) -> None:
        if not markup:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    def _mark_activity(self) -> None:
        self._last_activity = time.monotonic()

    def note_file_download(self) -> None:
        """File downloads bypass ``call``; they still show the bot is busy."""
        self._mark_activity()

    def _mark_handed_over(self) -> None:
        """Updates just reached the bot (a getUpdates answer or a webhook delivery)."""
        self._last_handed_over = self._last_activity = time.monotonic()

    async def close(self) -> None:
        """Prepare for shutdown: answer waiting long-polls (getUpdates and the web page's) now, keep
        later ones under a second, and stop webhook delivery."""
        self.updates.close()
        self.chats.changed.notify()
        await self.webhook.aclose()

    # ---- fault injection -------------------------------------------------------------------

    def fail_next(
        self, method: str, status: int = 429, retry_after: int = 3, count: int = 1, description: str | None = None
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail with ``status`` (429 carries ``retry_after``)."""
        self.faults.fail_next(method, status, retry_after, count, description)

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot: every call addressing this chat answers 403."""
        self.faults.blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        self.faults.blocked.discard(chat_id)

    def set_rate_limit(self, global_per_second: int | None = 30, per_chat_per_second: int | None = 1) -> None:
        """Answer 429 to sends beyond these counts in any one-second window; None lifts a limit."""
        self.faults.global_per_second = global_per_second
        self.faults.per_chat_per_second = per_chat_per_second

    # ---- the user's side -------------------------------------------------------------------

    def register_user(
        self,
        chat_id: int,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Make a user and their private chat with the bot known, as if they had opened the bot.

        A new user is "Test", language "en"; later calls change only what they are given.
        """
        user = self._user(chat_id, first_name, language_code, username)
        self.chats.private(user)
        return user

    def _user(
        self, user_id: int, first_name: str | None = None, language_code: str | None = None, username: str | None = None
    ) -> dict[str, Any]:
        user = self.users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"}
        )
        user.update(
            {
                key: value
                for key, value in (("first_name", first_name), ("language_code", language_code), ("username", username))
                if value
            }
        )
        return user

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """The user types ``text`` in their private chat; returns the user's Message.

        ``first_name``/``language_code``/``username`` update the user (default for a new one: "Test", "en").
        """
        user = self.register_user(chat_id, first_name=first_name, language_code=language_code, username=username)
        return self._user_message(self.chats.private(user), user, _text_content(text))

    async def send_group_message(
        self, group_chat_id: int, user_id: int, text: str, *, title: str = "Test group"
    ) -> dict[str, Any]:
        """``user_id`` writes ``text`` in a group the bot is a member of (every message is delivered)."""
        chat = self.chats.group(group_chat_id, title)
        return self._user_message(chat, self._user(user_id), _text_content(text))

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> dict[str, Any]:
        return self._private_message(chat_id, {"location": {"latitude": latitude, "longitude": longitude}})

    async def send_contact(
        self, chat_id: int, phone_number: str, *, user_id: int | None = None, first_name: str = "Contact"
    ) -> dict[str, Any]:
        """The user shares a contact: their own with a request_contact button (``user_id`` = ``chat_id``), or
        someone's from their address book (another ``user_id``, or None for a person not on Telegram)."""
        contact = {"phone_number": phone_number, "first_name": first_name}
        if user_id is not None:
            contact["user_id"] = user_id
        return self._private_message(chat_id, {"contact": contact})

    async def send_document(
        self,
        chat_id: int,
        filename: str,
        content: bytes,
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self.files.add("document", content, file_name=filename, mime_type=mime_type)
        return self._private_message(chat_id, _with_caption({"document": stored.document()}, caption))

    async def send_photo(self, chat_id: int, content: bytes, *, caption: str | None = None) -> dict[str, Any]:
        stored = self.files.add("photo", content)
        return self._private_message(chat_id, _with_caption({"photo": stored.photo_sizes()}, caption))

    async def send_sticker(self, chat_id: int, emoji: str = "👍") -> dict[str, Any]:
        stored = self.files.add("sticker", None)
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._private_message(chat_id, {"sticker": sticker})

    async def edit_user_message(self, chat_id: int, message_id: int, new_text: str) -> dict[str, Any]:
        """The user edits one of their text messages; the bot gets an ``edited_message`` update."""
        chat = self._chat(chat_id)
        stored = chat.messages.get(message_id)
        if stored is None or stored.from_bot or "text" not in stored.message:
            raise SandboxError(f"chat {chat_id} has no text message {message_id} written by the user")
        stored.message.pop("entities", None)
        stored.message.update(_text_content(new_text), edit_date=int(time.time()))
        stored.edited = True
        self.chats.touch(chat)
        self._push({"edited_message": stored.message})
        return stored.message

    async def press_button(
        self, chat_id: int, message_id: int, callback_data: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """The user presses an inline button; returns the CallbackQuery sent to the bot.

        ``user_id`` is who presses it in a group; in a private chat it is the chat's user."""
        chat = self._chat(chat_id)
        stored = chat.messages.get(message_id)
        if stored is None or not stored.from_bot:
            raise SandboxError(f"chat {chat_id} has no bot message {message_id}")
        buttons = [button for row in button_rows(stored.message.get("reply_markup")) for button in row]
        if not any(button.get("callback_data") == callback_data for button in buttons):
            available = [button.get("callback_data") for button in buttons if "callback_data" in button]
            raise SandboxError(
                f"message {message_id} in chat {chat_id} has no button with callback_data "
                f"{callback_data!r}; it has {available}"
            )
        query_id = str(secrets.randbits(63))
        self.open_callback_queries[query_id] = {"chat_id": chat_id, "message_id": message_id}
        query = {
            "id": query_id,
            "from": self._user(user_id if user_id is not None else chat_id),
            "message": stored.message,
            "chat_instance": str(chat_id * 7919 % 10**12),
            "data": callback_data,
        }
        return self._push({"callback_query": query})["callback_query"]

    def _chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise SandboxError(f"chat {chat_id} does not exist yet: send something from it first")
        return chat

    def _private_message(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        user = self.register_user(chat_id)
        return self._user_message(self.chats.private(user), user, content)

    def _user_message(self, chat: Chat, user: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
        stored = self.chats.add(chat, user, content, from_bot=False)
        self._push({"message": stored.message})
        return stored.message

    def _push(self, body: dict[str, Any]) -> dict[str, Any]:
        # A snapshot: later edits must not change an update the bot has not fetched yet.
        update = self.updates.push(copy.deepcopy(body))
        self._mark_activity()
        self.webhook.pump()
        return update

    # ---- reading what happened -------------------------------------------------------------

    def file_url(self, file_id: str) -> str | None:
        stored = self.files.get(file_id)
        if stored is None:
            return None
        return stored.url or f"{self.files_url_prefix}/{file_id}"

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in this chat, oldest first, as they look now (edits applied, deletions gone).

        Each is a dict: message_id, from ("bot"), kind, text (text or caption as displayed), raw_text
        (as sent, markup included), parse_mode, entities, buttons (rows of {text, callback_data | url}),
        photo (URL or None), document, location, edited, date.
        """
        return [view for view in self.transcript(chat_id) if view["from"] == "bot"]

    def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        """Both sides of the conversation, in the shape of ``messages()`` ("from" is "bot" or "user")."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [message_view(stored, self.file_url) for stored in chat.messages.values()]

    def reply_keyboard(self, chat_id: int) -> list[list[dict[str, Any]]] | None:
        """The custom keyboard (ReplyKeyboardMarkup) currently shown to the user, if any."""
        chat = self.chats.get(chat_id)
        if chat is None or chat.reply_keyboard is None:
            return None
        return reply_keyboard_rows(chat.reply_keyboard)

    def callback_answers(self, chat_id: int) -> list[dict[str, Any]]:
        """answerCallbackQuery calls for queries from this chat: text, show_alert, url, message_id, at."""
        chat = self.chats.get(chat_id)
        return list(chat.callback_answers) if chat else []

    def sent_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Every successful send to this chat (method, message_id, text, at = Unix time), even if since
        edited or deleted."""
        chat = self.chats.get(chat_id)
        return list(chat.sent) if chat else []

    def sent_count(self, chat_id: int | None = None) -> int:
        """Successful sends to one chat, or to all chats."""
        chats = [self.chats.get(chat_id)] if chat_id is not None else self.chats.all()
        return sum(len(chat.sent) for chat in chats if chat)

    def chat_actions(self, chat_id: int) -> list[str]:
        chat = self.chats.get(chat_id)
        return list(chat.actions) if chat else []

    def commands(self, language_code: str = "", scope: dict[str, Any] | None = None) -> list[dict[str, str]]:
        """What setMyCommands stored for exactly this scope and language (no fallback, like getMyCommands)."""
        return list(self.bot_commands.get((bot_settings.scope_key(scope), language_code), []))

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Every Bot API call received (method, params, at, status), optionally of one method."""
        if method is None:
            return list(self.call_log)
        return [entry for entry in self.call_log if entry["method"].lower() == method.lower()]

    # ---- waiting ---------------------------------------------------------------------------

    async def wait_for(self, condition: Callable[[], T], timeout: float = 5, what: str = "condition") -> T:
        """Return ``condition()``'s first truthy value, re-checked as chats change.

        Prefer this (or ``wait_for_messages``) to ``wait_until_idle`` when the test knows what it expects:
        it does not depend on timing."""
        deadline = time.monotonic() + timeout
        while not (result := condition()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what} still not met after {timeout}s")
            # Not every change touches a chat (commands, webhook settings), so look again regularly.
            await self.chats.changed.wait(min(remaining, 0.05))
        return result

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        """Return ``messages(chat_id)`` once the chat holds at least ``count`` bot messages."""
        try:
            return await self.wait_for(lambda: len(self.messages(chat_id)) >= count and self.messages(chat_id), timeout)
        except TimeoutError:
            texts = [view["text"] for view in self.messages(chat_id)]
            raise TimeoutError(
                f"chat {chat_id} has {len(texts)} bot messages after {timeout}s, wanted {count}: {texts}"
            ) from None

    async def wait_until_idle(self, timeout: float = 5, quiet: float = 0.2, grace: float = 1.0) -> None:
        """Return once the bot has taken every queued update and finished reacting to them.

        Taken: confirmed by a later getUpdates offset, or delivered to the webhook. Finished: no call
        in progress and none for ``quiet`` seconds. Since aiogram handles updates as tasks, the bot
        may confirm an update before its handler has called anything; so after a hand-over, idle
        also waits for a first call, or for ``grace`` seconds if the update needs no answer.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            busy = bool(self.updates.pending) or self.webhook.busy or self._in_flight > 0
            answered = self._last_bot_call >= self._last_handed_over or now - self._last_handed_over >= grace
            if not busy and answered and now - self._last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"bot not idle after {timeout}s: {len(self.updates.pending)} updates not taken, "
                    f"{self._in_flight} calls in progress, webhook {'busy' if self.webhook.busy else 'idle'}"
                )
            await asyncio.sleep(0.01)


def _text_content(text: str) -> dict[str, Any]:
    """A user's text as Telegram delivers it: commands get ``bot_command`` entities, so that
    ``/start payload`` satisfies aiogram's CommandStart(deep_link=True)."""
    content: dict[str, Any] = {"text": text}
    entities = detected_entities(text)
    if entities:
        content["entities"] = entities
    return content


def _with_caption(content: dict[str, Any], caption: str | None) -> dict[str, Any]:
    if caption:
        content["caption"] = caption
    return content
