"""The pages that open only from a signed, expiring link: the organiser's private page
``/r/<slug>/private?key=<signature>`` and a partner's page ``/r/<slug>/partner?key=<signature>``.

The signature is :mod:`core.assertion`'s, keyed by the service token over who the link was made for (an organiser's
Telegram id, or a partner key's id), the expiry, the method and the page's path — so a link names who it was made
for, works for one consultation and one kind of page only (an organiser's link opens no partner page, nor the
reverse), and stops working after :data:`LIFETIME_SECONDS`. A forged, altered or expired key is a 403.
"""

from __future__ import annotations

import time

from core import assertion

LIFETIME_SECONDS = 24 * 3600
"""How long a link stays valid: a working day, long enough to show it in a meeting."""


def private_path(slug: str) -> str:
    return f"/r/{slug}/private"


def partner_path(slug: str) -> str:
    return f"/r/{slug}/partner"


def sign(key: str, who: int, slug: str, *, now: float | None = None, path: str | None = None) -> tuple[str, int]:
    """The key of a link for ``who`` and when it expires (unix seconds); ``path``: the page (default: the
    organiser's private page)."""
    now = now if now is not None else time.time()
    page = path or private_path(slug)
    value = assertion.sign(key, who, "GET", page, now=now, lifetime=LIFETIME_SECONDS)
    return value, int(now) + LIFETIME_SECONDS


def verify(
    key: str, value: str | None, slug: str, *, now: float | None = None, path: str | None = None
) -> assertion.Assertion:
    """Who the link was made for; :class:`core.assertion.InvalidAssertion` when it is not valid."""
    return assertion.verify(key, value, "GET", path or private_path(slug), now=now, max_ahead=LIFETIME_SECONDS)
