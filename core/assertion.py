"""The signed assertion of who acts on an organiser route: its format, signing it, checking it.

A front end that has verified a person (the bot: Telegram tells it who sent each update) says on every
``/organiser/...`` request who acts, in the ``X-Viche-Actor`` header::

    <telegram id>.<expires, unix seconds>.<hex HMAC-SHA256 of "viche-actor-v1\\n<id>\\n<expires>\\n<METHOD>\\n<path>">

keyed by ``VICHE_SERVICE_TOKEN``. The method and path are signed with it, so an assertion seen on one request
(a log, a proxy) is worth nothing on another route or for another action, and only for seconds on its own.
The API then decides from its own records (VICHE_ADMINS, VICHE_OWNERS, the grants in its database) what that
person may do. Pure functions, no web framework: the bot signs with them, the API checks with them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass

HEADER = "X-Viche-Actor"
LIFETIME_SECONDS = 60  # what a signer gives; a request takes well under a second
MAX_AHEAD_SECONDS = 300  # the furthest expiry accepted: longer would not be short-lived (and allows clock skew)
_FORMAT = re.compile(r"^([1-9][0-9]{0,18})\.([0-9]{1,12})\.([0-9a-f]{64})$")


class InvalidAssertion(ValueError):
    """Why an assertion is refused (the API answers 401 with this reason)."""


@dataclass(frozen=True)
class Assertion:
    telegram_id: int
    expires: int


def _signature(key: str, telegram_id: int, expires: int, method: str, path: str) -> str:
    message = f"viche-actor-v1\n{telegram_id}\n{expires}\n{method.upper()}\n{path}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def sign(
    key: str, telegram_id: int, method: str, path: str, *, now: float | None = None, lifetime: int = LIFETIME_SECONDS
) -> str:
    """The header value asserting that ``telegram_id`` makes the request ``method path`` (path without query)."""
    expires = int(now if now is not None else time.time()) + lifetime
    return f"{telegram_id}.{expires}.{_signature(key, telegram_id, expires, method, path)}"


def verify(
    key: str,
    value: str | None,
    method: str,
    path: str,
    *,
    now: float | None = None,
    max_ahead: int = MAX_AHEAD_SECONDS,
) -> Assertion:
    """The assertion if ``value`` is a valid, unexpired signature of this very request; else InvalidAssertion.

    ``max_ahead``: the longest life accepted (a link sent in a chat, api/pages/links.py, lives longer than a
    request's header)."""
    if not value:
        raise InvalidAssertion(f"the acting organiser is required ({HEADER} header)")
    match = _FORMAT.match(value.strip())
    if match is None:
        raise InvalidAssertion(f"the {HEADER} header is malformed")
    telegram_id, expires, given = int(match[1]), int(match[2]), match[3]
    if telegram_id >= 2**63:
        raise InvalidAssertion(f"the {HEADER} header is malformed")
    if not hmac.compare_digest(given, _signature(key, telegram_id, expires, method, path)):
        raise InvalidAssertion(f"the {HEADER} signature does not match this request")
    current = now if now is not None else time.time()
    if expires < current:
        raise InvalidAssertion(f"the {HEADER} assertion has expired")
    if expires > current + max_ahead:
        raise InvalidAssertion(f"the {HEADER} assertion lives too long (at most {max_ahead} s)")
    return Assertion(telegram_id, expires)
