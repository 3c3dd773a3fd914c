"""The bot's memory of who is behind a Telegram id (bot/flows/known.py): fresh for a while, then asked again."""

from __future__ import annotations

import asyncio

from bot.flows.known import KnownParticipants


async def test_a_remembered_participant_is_asked_for_again_after_the_ttl(backend):
    known = KnownParticipants(backend, ttl=0.2)
    first = await known.identify("555")
    assert first["created"] and first["language"] is None
    await backend.set_language(first["id"], "de")  # changed elsewhere (another process, the API)
    assert (await known.identify("555"))["language"] is None  # within the TTL: from memory
    await asyncio.sleep(0.25)
    again = await known.identify("555")
    assert again["id"] == first["id"] and again["language"] == "de"  # asked again: what the backend says now


async def test_the_memory_keeps_at_most_size_people_and_copies_are_the_callers(backend):
    known = KnownParticipants(backend, size=2)
    ids = [(await known.identify(str(n)))["id"] for n in (1, 2, 3)]
    assert len(set(ids)) == 3 and len(known._entries) == 2 and "1" not in known._entries  # the oldest went
    mine = await known.identify("3")
    mine["language"] = "xx"  # the caller's copy: changing it changes nothing remembered
    assert (await known.identify("3"))["language"] != "xx"
