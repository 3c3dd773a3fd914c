"""Chats and their messages, as Telegram's servers would hold them.

In a private chat the user and the bot share one message_id sequence, so ids here are per chat and
shared by both sides. Every change bumps a version number: the web page long-polls on it and
tests wait on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import bad_request
from sandbox.notify import ChangeSignal


@dataclass
class StoredMessage:
    message: dict[str, Any]
    """The Telegram Message object, in its current state (what the bot gets back, edits applied)."""
    from_bot: bool
    raw_text: str | None = None
    """Text or caption exactly as the bot sent it, before HTML was parsed into entities."""
    parse_mode: str | None = None
    edited: bool = False

    @property
    def message_id(self) -> int:
        return self.message["message_id"]


@dataclass
class Chat:
    info: dict[str, Any]
    """The Telegram Chat object."""
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    """The custom keyboard the bot last attached (ReplyKeyboardMarkup), until it is removed."""
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    """Every message the bot sent here, in order, even if later edited or deleted."""
    actions: list[str] = field(default_factory=list)
    version: int = 0

    @property
    def id(self) -> int:
        return self.info["id"]


class Chats:
    def __init__(self) -> None:
        self._chats: dict[int, Chat] = {}
        self.version = 0
        self.changed = ChangeSignal()

    def get(self, chat_id: int) -> Chat | None:
        return self._chats.get(chat_id)

    def require(self, chat_id: int) -> Chat:
        """The chat a bot call addresses; Telegram refuses chats the bot has never seen."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def private(self, user: dict[str, Any]) -> Chat:
        info = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            info["username"] = user["username"]
        return self._upsert(info)

    def group(self, chat_id: int, title: str) -> Chat:
        return self._upsert({"id": chat_id, "type": "group", "title": title})

    def _upsert(self, info: dict[str, Any]) -> Chat:
        chat = self._chats.get(info["id"])
        if chat is None:
            chat = self._chats[info["id"]] = Chat(info)
        else:
            chat.info = info
        return chat

    def add(
        self,
        chat: Chat,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        from_bot: bool,
        raw_text: str | None = None,
        parse_mode: str | None = None,
    ) -> StoredMessage:
        message = {
            "message_id": chat.next_message_id,
            "from": dict(sender),
            "chat": chat.info,
            "date": int(time.time()),
            **content,
        }
        chat.next_message_id += 1
        stored = StoredMessage(message, from_bot, raw_text, parse_mode)
        chat.messages[stored.message_id] = stored
        self.touch(chat)
        return stored

    def touch(self, chat: Chat) -> None:
        self.version += 1
        chat.version = self.version
        self.changed.notify()

    def all(self) -> list[Chat]:
        return list(self._chats.values())

    def restore(self, chats: list[Chat], version: int) -> None:
        """Chats saved by an earlier run (sandbox.persistence)."""
        self._chats.update({chat.id: chat for chat in chats})
        self.version = max(self.version, version)
        self.changed.notify()
