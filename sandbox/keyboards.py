"""Validating reply_markup like Telegram, and reading buttons back for the user side."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request

MAX_CALLBACK_DATA_BYTES = 64

_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_markup(markup: Any, chat_type: str = "private") -> dict[str, Any] | None:
    """Validate a reply_markup; return it unchanged (or None when absent). As Telegram: a web_app button only in a
    private chat, and only with an HTTPS address."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        for row in _rows(markup["inline_keyboard"], "inline keyboard"):
            for button in row:
                _check_inline_button(button)
                _check_web_app(button, chat_type)
    elif "keyboard" in markup:
        for row in _rows(markup["keyboard"], "keyboard"):
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
    elif not (markup.get("remove_keyboard") or markup.get("force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _rows(rows: Any, what: str) -> list[list[Any]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f"can't parse {what}: field must be an Array of Arrays")
    return rows


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
    if not button["text"]:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    actions = [key for key in _INLINE_ACTIONS if button.get(key) not in (None, "")]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")


def _check_web_app(button: dict[str, Any], chat_type: str) -> None:
    web_app = button.get("web_app")
    if web_app is None:
        return
    if chat_type != "private":
        raise bad_request("BUTTON_TYPE_INVALID")
    url = (web_app or {}).get("url") if isinstance(web_app, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        raise bad_request(f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed")


def inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a reply_markup that stays attached to the message (Telegram drops the rest)."""
    if markup and "inline_keyboard" in markup:
        return {"inline_keyboard": markup["inline_keyboard"]}
    return None


def button_rows(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """Inline buttons as plain {text, callback_data | url | ...} dicts, row by row."""
    if not markup:
        return []
    return [
        [{key: value for key, value in button.items() if value is not None} for button in row]
        for row in markup.get("inline_keyboard", [])
    ]


def reply_keyboard_rows(markup: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [
        [{"text": button} if isinstance(button, str) else dict(button) for button in row]
        for row in markup.get("keyboard", [])
    ]
