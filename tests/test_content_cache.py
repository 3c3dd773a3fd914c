"""The API's cache of consultations: a stale row is re-read by one request at a time, and an organiser's change
is never hidden by an older read that was under way."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, update

from api import content_cache
from storage.models import Consultation


def _consultation_reads(db) -> list[str]:
    reads: list[str] = []

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_):
        if "FROM consultation" in statement:
            reads.append(statement)

    return reads


async def _cache(api_app, slug: str):
    cache = api_app.state.content  # the app's, as its routes reach it (api.deps.content_cache)
    cache.consultation_changed(slug)  # nothing kept from a read before the test
    return cache


async def test_requests_under_way_when_the_row_goes_stale_read_it_once(db, api_app, demo, monkeypatch):
    cache = await _cache(api_app, demo)
    assert (await cache.by_slug(demo)).status == "open"
    monkeypatch.setattr(content_cache, "CONSULTATION_TTL", 0.0)  # every row is stale from now on
    reads = _consultation_reads(db)
    found = await asyncio.gather(*(cache.by_slug(demo) for _ in range(12)))
    assert [c.slug for c in found] == [demo] * 12
    assert len(reads) == 1  # one request re-read it; the others went on with the row they had


async def test_a_change_made_while_a_read_is_under_way_is_seen_next(db, api_app, demo, monkeypatch):
    cache = await _cache(api_app, demo)
    await cache.by_slug(demo)
    monkeypatch.setattr(content_cache, "CONSULTATION_TTL", 0.0)

    # An organiser closes the consultation just after a re-read took its snapshot (still "open"), and the
    # organiser route tells the cache before that read is done. The database side of the close is written
    # below, once the read is over: to the read it makes no difference, it had its snapshot.
    told: list[bool] = []

    def _organiser_closes(_conn, _cursor, statement, *_):
        if "FROM consultation" in statement and not told:
            told.append(True)
            cache.consultation_changed(demo)

    event.listen(db.engine.sync_engine, "after_cursor_execute", _organiser_closes)
    try:
        assert (await cache.by_slug(demo)).status == "open"  # the read under way answers what it saw
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", _organiser_closes)
    assert told
    async with db.session() as session:
        await session.execute(update(Consultation).where(Consultation.slug == demo).values(status="closed"))
        await session.commit()
    monkeypatch.setattr(content_cache, "CONSULTATION_TTL", 3600.0)  # from here on a kept row would be answered
    assert (await cache.by_slug(demo)).status == "closed"
