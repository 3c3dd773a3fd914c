"""Bot API methods about the bot itself and how it receives updates (polling or webhook)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from sandbox.errors import BotAPIError, bad_request
from sandbox.params import Params

if TYPE_CHECKING:
    from sandbox.fake_bot_api import FakeBotAPI

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


def scope_key(scope: Any) -> str:
    """Commands are stored per (scope, language); scopes compare by content."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


async def get_me(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    return {
        **api.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


async def get_updates(api: FakeBotAPI, p: Params) -> list[dict[str, Any]]:
    if api.webhook.active:
        raise BotAPIError(409, WEBHOOK_CONFLICT)
    api.updates.set_allowed(p.decoded("allowed_updates"))
    limit = p.integer("limit")
    return await api.updates.fetch(p.integer("offset") or 0, 100 if limit is None else limit, p.number("timeout") or 0)


async def set_webhook(api: FakeBotAPI, p: Params) -> bool:
    url = p.text("url") or ""
    secret = p.text("secret_token")
    if secret and not _SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    if p.flag("drop_pending_updates"):
        api.updates.drop_all()
    api.updates.set_allowed(p.decoded("allowed_updates"))
    if url:
        await api.webhook.start(url, secret, p.integer("max_connections"))
    else:
        await api.webhook.stop()
    return True


async def delete_webhook(api: FakeBotAPI, p: Params) -> bool:
    if p.flag("drop_pending_updates"):
        api.updates.drop_all()
    await api.webhook.stop()
    return True


async def get_webhook_info(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": api.webhook.url or "",
        "has_custom_certificate": False,
        "pending_update_count": len(api.updates.pending),
    }
    if api.webhook.active:
        info["max_connections"] = api.webhook.max_connections
        if api.updates.allowed_updates:
            info["allowed_updates"] = api.updates.allowed_updates
    if api.webhook.last_error_date:
        info["last_error_date"] = api.webhook.last_error_date
        info["last_error_message"] = api.webhook.last_error_message
    return info


async def set_my_commands(api: FakeBotAPI, p: Params) -> bool:
    commands = p.decoded("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request('parameter "commands" must be an Array of BotCommand')
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (scope_key(p.decoded("scope")), p.text("language_code") or "")
    if commands:
        api.bot_commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
    else:
        api.bot_commands.pop(key, None)
    return True


async def get_my_commands(api: FakeBotAPI, p: Params) -> list[dict[str, str]]:
    return list(api.bot_commands.get((scope_key(p.decoded("scope")), p.text("language_code") or ""), []))


async def delete_my_commands(api: FakeBotAPI, p: Params) -> bool:
    api.bot_commands.pop((scope_key(p.decoded("scope")), p.text("language_code") or ""), None)
    return True


def _store_text(store: dict[str, str], value: str | None, language: str, limit: int) -> bool:
    if value and len(value) > limit:
        raise bad_request("description is too long")
    if value:
        store[language] = value
    else:
        store.pop(language, None)
    return True


async def set_my_description(api: FakeBotAPI, p: Params) -> bool:
    return _store_text(api.bot_descriptions, p.text("description"), p.text("language_code") or "", MAX_DESCRIPTION)


async def get_my_description(api: FakeBotAPI, p: Params) -> dict[str, str]:
    return {"description": api.bot_descriptions.get(p.text("language_code") or "", "")}


async def set_my_short_description(api: FakeBotAPI, p: Params) -> bool:
    return _store_text(
        api.bot_short_descriptions, p.text("short_description"), p.text("language_code") or "", MAX_SHORT_DESCRIPTION
    )


async def get_my_short_description(api: FakeBotAPI, p: Params) -> dict[str, str]:
    return {"short_description": api.bot_short_descriptions.get(p.text("language_code") or "", "")}


async def set_chat_menu_button(api: FakeBotAPI, p: Params) -> bool:
    chat_id = p.chat_id() if p.has("chat_id") else None
    if chat_id is not None:
        api.chats.require(chat_id)
    api.menu_buttons[chat_id] = p.decoded("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(api: FakeBotAPI, p: Params) -> dict[str, Any]:
    chat_id = p.chat_id() if p.has("chat_id") else None
    return api.menu_buttons.get(chat_id) or api.menu_buttons.get(None) or {"type": "commands"}


async def close(api: FakeBotAPI, p: Params) -> bool:
    return True


async def log_out(api: FakeBotAPI, p: Params) -> bool:
    return True


HANDLERS = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyDescription": set_my_description,
    "getMyDescription": get_my_description,
    "setMyShortDescription": set_my_short_description,
    "getMyShortDescription": get_my_short_description,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "close": close,
    "logOut": log_out,
}
