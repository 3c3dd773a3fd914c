"""The /start payload of a deep link: ``<slug>`` or ``<slug>--<source>``."""
from __future__ import annotations

import re

_PAYLOAD = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]{1,40}[a-z0-9])(?:--(?P<source>[A-Za-z0-9_-]{1,40}))?$")


def parse_payload(payload: str | None) -> tuple[str | None, str | None]:
    """(slug, source); (None, None) for an empty or malformed payload, which then opens the default."""
    match = _PAYLOAD.match((payload or "").strip())
    if not match:
        return None, None
    return match["slug"], match["source"]
