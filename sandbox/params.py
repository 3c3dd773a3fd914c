"""Typed access to a Bot API call's parameters, whichever encoding they came in.

Form posts carry everything as strings (aiogram JSON-encodes numbers, booleans and objects),
JSON posts carry real types; handlers should not have to care.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.errors import bad_request
from sandbox.request_body import UploadedFile


class Params:
    def __init__(self, fields: dict[str, Any], files: dict[str, UploadedFile] | None = None) -> None:
        self.fields = fields
        self.files = files or {}

    def has(self, name: str) -> bool:
        return self.fields.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str) -> int | None:
        value = self.fields.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        value = self.fields.get(name)
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.fields.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return bool(value)

    def decoded(self, name: str) -> Any:
        """A structured parameter (reply_markup, commands, scope, ...), JSON-decoded if it came as text."""
        value = self.fields.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int:
        value = self.fields.get("chat_id")
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            # Public @usernames name channels and groups; the sandbox only has private chats and groups by id.
            raise bad_request("chat not found") from None

    def input_file(self, name: str) -> UploadedFile | str | None:
        """An upload (direct part or ``attach://``), or a file_id / URL string to resend."""
        if name in self.files:
            return self.files[name]
        value = self.text(name)
        if not value:
            return None
        if value.startswith("attach://"):
            attached = self.files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value} not found in the request")
            return attached
        return value
