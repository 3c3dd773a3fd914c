"""What both of the bot's ways into the API share: the response it reads and the query encoding."""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import urlencode


class BackendResponse:
    """The parts of an HTTP response that :class:`bot.backend.Backend` reads."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, content: bytes, headers: dict[str, str]) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = headers

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


def json_body(value: Any) -> bytes:
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def query_string(params: dict[str, Any] | None) -> str:
    """Booleans in lower case and None as an empty value, as the API's query parameters expect them."""
    return urlencode([(k, _query_value(v)) for k, v in params.items()]) if params else ""


def _query_value(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    return str(value)
