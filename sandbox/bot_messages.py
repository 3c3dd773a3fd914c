"""Bot API methods that send, change or read messages, with Telegram's validation and wording.

Each handler takes the FakeBotAPI and the call's Params and returns the ``result`` Telegram would
return, or raises BotAPIError.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sandbox.chats import Chat, StoredMessage
from sandbox.errors import bad_request
from sandbox.formatting import format_text, utf16_len
from sandbox.keyboards import check_markup, inline_markup
from sandbox.params import Params

if TYPE_CHECKING:
    from sandbox.fake_bot_api import FakeBotAPI

MAX_TEXT = 4096
MAX_CAPTION = 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}


def _text(p: Params) -> tuple[str, list[dict[str, Any]]]:
    plain, entities = format_text(p.text("text"), p.text("parse_mode"), p.decoded("entities"))
    if not plain:
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


def _caption(p: Params) -> tuple[str, list[dict[str, Any]]]:
    plain, entities = format_text(p.text("caption"), p.text("parse_mode"), p.decoded("caption_entities"))
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return plain, entities


def _with(content: dict[str, Any], **optional: Any) -> dict[str, Any]:
    content.update({key: value for key, value in optional.items() if value})
    return content


def _reply_to(chat: Chat, p: Params) -> dict[str, Any] | None:
    parameters = p.decoded("reply_parameters") or {}
    message_id = p.integer("reply_to_message_id") or parameters.get("message_id")
    if not message_id:
        return None
    replied = chat.messages.get(int(message_id))
    if replied is None:
        if p.flag("allow_sending_without_reply") or parameters.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    return {key: value for key, value in replied.message.items() if key != "reply_to_message"}


def _send(api: FakeBotAPI, p: Params, method: str, content: dict[str, Any], raw_text: str | None) -> dict[str, Any]:
    chat = api.chats.require(p.chat_id())
    markup = check_markup(p.decoded("reply_markup"), chat.info.get("type", "private"))
    _with(content, reply_markup=inline_markup(markup), reply_to_message=_reply_to(chat, p))
    stored = api.chats.add(
        chat, api.bot_user, content, from_bot=True, raw_text=raw_text, parse_mode=p.text("parse_mode")
    )
    api.apply_reply_keyboard(chat, markup)
    api.record_sent(chat, stored, method)
    return stored.message


async def send_message(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    plain, entities = _text(p)
    return _send(api, p, "sendMessage", _with({"text": plain}, entities=entities), p.text("text"))


async def send_venue(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    """A place with its name and address: Telegram's Message carries it as ``venue`` and as ``location``."""
    latitude, longitude = p.number("latitude"), p.number("longitude")
    title, address = p.text("title"), p.text("address")
    if latitude is None or longitude is None or not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_request("wrong latitude or longitude specified")
    if not title:
        raise bad_request("venue title must be non-empty")
    if address is None:
        raise bad_request("venue address must be non-empty")
    location = {"latitude": latitude, "longitude": longitude}
    return _send(
        api,
        p,
        "sendVenue",
        {"venue": {"location": location, "title": title, "address": address}, "location": location},
        None,
    )


async def send_photo(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    plain, entities = _caption(p)
    photo = api.files.accept("photo", p.input_file("photo"), "photo")
    content = _with({"photo": photo.photo_sizes()}, caption=plain, caption_entities=entities)
    return _send(api, p, "sendPhoto", content, p.text("caption"))


async def send_document(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    plain, entities = _caption(p)
    document = api.files.accept("document", p.input_file("document"), "document")
    content = _with({"document": document.document()}, caption=plain, caption_entities=entities)
    return _send(api, p, "sendDocument", content, p.text("caption"))


def _message_to_edit(api: FakeBotAPI, p: Params) -> tuple[Chat, StoredMessage]:
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = api.chats.require(p.chat_id())
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    stored = chat.messages.get(message_id)
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _edit(api: FakeBotAPI, chat: Chat, stored: StoredMessage, p: Params, changes: dict[str, Any]) -> dict[str, Any]:
    markup = check_markup(p.decoded("reply_markup"), chat.info.get("type", "private"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    # Like Telegram, an edit that does not repeat the keyboard removes it.
    changes["reply_markup"] = inline_markup(markup)
    current = stored.message
    if all(current.get(key) == (value or None) for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value:
            current[key] = value
        else:
            current.pop(key, None)
    current["edit_date"] = int(time.time())
    stored.edited = True
    api.chats.touch(chat)
    return current


async def edit_message_text(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    chat, stored = _message_to_edit(api, p)
    if "text" not in stored.message:
        raise bad_request("there is no text in the message to edit")
    plain, entities = _text(p)
    message = _edit(api, chat, stored, p, {"text": plain, "entities": entities})
    stored.raw_text, stored.parse_mode = p.text("text"), p.text("parse_mode")
    return message


async def edit_message_caption(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    chat, stored = _message_to_edit(api, p)
    if "text" in stored.message:
        raise bad_request("there is no caption in the message to edit")
    plain, entities = _caption(p)
    message = _edit(api, chat, stored, p, {"caption": plain, "caption_entities": entities})
    stored.raw_text, stored.parse_mode = p.text("caption"), p.text("parse_mode")
    return message


async def edit_message_reply_markup(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    chat, stored = _message_to_edit(api, p)
    return _edit(api, chat, stored, p, {})


async def delete_message(api: FakeBotAPI, p: Params) -> bool:
    chat = api.chats.require(p.chat_id())
    message_id = p.integer("message_id")
    if message_id is None or chat.messages.pop(message_id, None) is None:
        raise bad_request("message to delete not found")
    api.chats.touch(chat)
    return True


async def answer_callback_query(api: FakeBotAPI, p: Params) -> bool:
    query = api.open_callback_queries.pop(p.text("callback_query_id") or "", None)
    if query is None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    chat = api.chats.require(query["chat_id"])
    chat.callback_answers.append(
        {
            "callback_query_id": p.text("callback_query_id"),
            "message_id": query["message_id"],
            "text": p.text("text"),
            "show_alert": p.flag("show_alert"),
            "url": p.text("url"),
            "at": time.time(),
        }
    )
    api.chats.touch(chat)
    return True


async def send_chat_action(api: FakeBotAPI, p: Params) -> bool:
    chat = api.chats.require(p.chat_id())
    action = p.text("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True


async def get_file(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    stored = api.files.get(p.text("file_id") or "")
    if stored is None or stored.content is None:
        raise bad_request("invalid file_id")
    return stored.telegram_file()


HANDLERS = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "sendVenue": send_venue,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendChatAction": send_chat_action,
    "getFile": get_file,
}
SENDING_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendVenue"}
