"""The /start payload of a deep link: ``<slug>`` or ``<slug>--<source>``."""

from __future__ import annotations

import re

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}[a-z0-9]$")
_SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def parse_payload(payload: str | None) -> tuple[str | None, str | None]:
    """(slug, source); (None, None) for an empty or malformed payload, which then opens the default."""
    slug, _, source = (payload or "").strip().partition("--")
    if not _SLUG.match(slug) or (source and not _SOURCE.match(source)):
        return None, None
    return slug, source or None
