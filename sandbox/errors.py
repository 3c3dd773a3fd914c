"""The two kinds of failure the sandbox knows about.

``BotAPIError`` is what the *bot* sees: it becomes Telegram's error envelope, with Telegram's
wording, so that aiogram raises the same exception class it would raise in production.
``SandboxError`` is what the *person or test playing the user* sees when they ask for something
a Telegram client could not do (press a button that is not there, for example).
"""

from __future__ import annotations

from typing import Any


class BotAPIError(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> BotAPIError:
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


BLOCKED_BY_USER = "Forbidden: bot was blocked by the user"

# What Telegram answers for each status when a test injects a failure without its own wording.
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: BLOCKED_BY_USER,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class SandboxError(Exception):
    """A user-side action that a real Telegram client could not perform."""
