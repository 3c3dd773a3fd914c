"""Who is behind a Telegram id, remembered for a short while so that a button press costs one backend request.

The backend stays the only source of truth: an entry is a copy of what ``identify`` returned, refreshed
after ``TTL`` seconds, updated by the flows right after their own successful writes (language, current
consultation) and dropped on /forget. Another front end cannot change a participant's language or current
consultation, so the only staleness left is the TTL after an organiser-side deletion (the retention sweep).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from bot.backend import Backend

CHANNEL = "telegram"
TTL = 60.0
SIZE = 100_000


class KnownParticipants:
    def __init__(self, backend: Backend, ttl: float = TTL, size: int = SIZE) -> None:
        self.backend = backend
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()

    async def identify(self, external_id: str) -> dict[str, Any]:
        """The participant (created on first contact), as a dict the caller may change freely."""
        entry = self._entries.get(external_id)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            self._entries.move_to_end(external_id)
            return dict(entry[1])
        participant = await self.backend.identify(CHANNEL, external_id)
        self.remember(external_id, participant)
        return dict(participant)

    def remember(self, external_id: str, participant: dict[str, Any]) -> None:
        """What the backend just returned or confirmed about this participant."""
        self._entries[external_id] = (time.monotonic(), dict(participant))
        self._entries.move_to_end(external_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def moved(self, external_id: str, participant: dict[str, Any], slug: str) -> None:
        """The backend confirmed ``slug`` as the participant's current consultation (enrol, consent): in the
        caller's copy and in memory."""
        participant["current_consultation"] = slug
        entry = self._entries.get(external_id)
        if entry is not None:
            entry[1]["current_consultation"] = slug

    async def language(self, external_id: str) -> str | None:
        """The language this person chose (/language), or None; never creates a participant (an organiser who
        only runs consultations has none)."""
        entry = self._entries.get(external_id)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return entry[1].get("language")
        participant = await self.backend.find(CHANNEL, external_id)
        if participant is None:
            return None
        self.remember(external_id, participant)
        return participant.get("language")

    def cached_language(self, external_id: str) -> str | None:
        """The chosen language if remembered, without asking the backend (which may be what failed)."""
        entry = self._entries.get(external_id)
        return entry[1].get("language") if entry is not None else None

    def forget(self, external_id: str) -> None:
        self._entries.pop(external_id, None)
