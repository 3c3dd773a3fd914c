"""The organiser's private page opens from a signed, expiring link: ``/r/<slug>/private?key=<signature>``.

The signature is :mod:`core.assertion`'s, keyed by the service token over the organiser's Telegram id, the expiry,
the method and the page's path — so a link names who it was made for, works for one consultation only, and
stops working after :data:`LIFETIME_SECONDS`. A forged, altered or expired key is a 403.
"""

from __future__ import annotations

import time

from core import assertion

LIFETIME_SECONDS = 24 * 3600
"""How long a link the bot sends stays valid: a working day, long enough to show it in a meeting."""


def private_path(slug: str) -> str:
    return f"/r/{slug}/private"


def sign(key: str, telegram_id: int, slug: str, *, now: float | None = None) -> tuple[str, int]:
    """The key of a private link for ``telegram_id`` and when it expires (unix seconds)."""
    now = now if now is not None else time.time()
    value = assertion.sign(key, telegram_id, "GET", private_path(slug), now=now, lifetime=LIFETIME_SECONDS)
    return value, int(now) + LIFETIME_SECONDS


def verify(key: str, value: str | None, slug: str, *, now: float | None = None) -> assertion.Assertion:
    """The organiser the link was made for; :class:`core.assertion.InvalidAssertion` when it is not valid."""
    return assertion.verify(key, value, "GET", private_path(slug), now=now, max_ahead=LIFETIME_SECONDS)
