"""Messages as plain dicts for tests and the web page: what a person sees in the chat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.chats import StoredMessage
from sandbox.keyboards import button_rows

_KINDS = ("text", "photo", "document", "venue", "location", "contact", "sticker")


def message_view(stored: StoredMessage, file_url: Callable[[str], str | None]) -> dict[str, Any]:
    """The current state of a message.

    ``text`` is what the person reads (text or caption, HTML already turned into entities);
    ``raw_text`` is the string the bot sent, markup included.
    """
    message = stored.message
    kind = next((key for key in _KINDS if key in message), "other")
    view: dict[str, Any] = {
        "message_id": stored.message_id,
        "from": "bot" if stored.from_bot else "user",
        "kind": kind,
        "text": message.get("text", message.get("caption")),
        "raw_text": stored.raw_text if stored.from_bot else message.get("text", message.get("caption")),
        "parse_mode": stored.parse_mode,
        "entities": message.get("entities", message.get("caption_entities", [])),
        "buttons": button_rows(message.get("reply_markup")),
        "photo": None,
        "document": None,
        "location": message.get("location"),
        "venue": message.get("venue"),
        "contact": message.get("contact"),
        "edited": stored.edited,
        "date": message["date"],
    }
    if kind == "photo":
        view["photo"] = file_url(message["photo"][-1]["file_id"])
    elif kind == "document":
        document = message["document"]
        view["document"] = {
            "file_name": document.get("file_name"),
            "mime_type": document.get("mime_type"),
            "url": file_url(document["file_id"]),
        }
    elif kind == "venue":
        view["text"] = f"📍 {message['venue']['title']}\n{message['venue']['address']}"
    elif kind == "contact":
        view["text"] = f"📱 {message['contact']['phone_number']}"
    elif kind == "sticker":
        view["text"] = message["sticker"].get("emoji")
    return view
