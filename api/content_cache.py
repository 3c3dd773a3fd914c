"""What every participant request reads and almost never changes: consultations, their items and options.

Items and options of a consultation that has left the draft state never change (only a draft can be
replaced, see ``storage.consultations.save_definition``), so they are kept for the life of the process.
A consultation's own row (status, opening and closing times) is re-read after ``CONSULTATION_TTL`` seconds,
and at once when an organiser route of this process changes it (:meth:`ContentCache.consultation_changed`); another
process's change (another replica, the CLI) is seen within the TTL. One request re-reads a stale row
while the others go on with the row they have: when every request under way re-read it at once, each took
a second connection from the pool (its own session's, and this one's), pushing a busy bot past the pool's
size into opening connections.

Everything is loaded through a session of its own and kept detached, so that a request's rollback (which
expires the objects of its session) never touches a shared object. Callers only read them.

One cache per app: ``create_app`` makes it (``app.state.content``); a route reaches it through the dependency
``api.deps.content_cache``, and code outside a request is handed it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.models import Consultation, Item, Option

CONSULTATION_TTL = 0.5
"""Seconds a consultation's status may lag behind a change made by another process (a replica, the CLI): an
organiser's pause or close made through one replica stops voting in all within a second, with room for the
re-read itself (tests/production/test_replicas.py measures it)."""


@dataclass
class _Entry:
    consultation: Consultation
    loaded_at: float


@dataclass
class ContentCache:
    engine: AsyncEngine
    _by_slug: dict[str, _Entry] = field(default_factory=dict)
    _slug_of: dict[int, str] = field(default_factory=dict)
    _items: dict[int, list[Item]] = field(default_factory=dict)
    """Items of non-draft consultations by consultation id, in order."""
    _item: dict[int, Item] = field(default_factory=dict)
    _options: dict[int, list[Option]] = field(default_factory=dict)
    _refreshing: set[str] = field(default_factory=set)
    """Slugs whose stale row one request is re-reading now."""
    _changes: int = 0
    """Changes made by this process: a read that started before one must not be kept as fresh."""

    def _session(self) -> AsyncSession:
        return AsyncSession(self.engine, expire_on_commit=False)

    async def by_slug(self, slug: str) -> Consultation | None:
        entry = self._by_slug.get(slug)
        if entry is not None and (time.monotonic() - entry.loaded_at < CONSULTATION_TTL or slug in self._refreshing):
            return entry.consultation
        self._refreshing.add(slug)
        changes = self._changes
        try:
            async with self._session() as session:
                consultation = (
                    await session.execute(select(Consultation).where(Consultation.slug == slug))
                ).scalar_one_or_none()
        finally:
            self._refreshing.discard(slug)
        if consultation is None:
            self._by_slug.pop(slug, None)
            return None
        if changes == self._changes:
            self._by_slug[slug] = _Entry(consultation, time.monotonic())
            self._slug_of[consultation.id] = slug
        return consultation

    async def by_id(self, consultation_id: int) -> Consultation | None:
        slug = self._slug_of.get(consultation_id)
        if slug is not None:
            consultation = await self.by_slug(slug)
            if consultation is not None and consultation.id == consultation_id:
                return consultation
        async with self._session() as session:
            consultation = await session.get(Consultation, consultation_id)
        if consultation is None:
            return None
        self._by_slug[consultation.slug] = _Entry(consultation, time.monotonic())
        self._slug_of[consultation.id] = consultation.slug
        return consultation

    async def items(self, consultation: Consultation) -> list[Item]:
        cached = self._items.get(consultation.id)
        if cached is not None:
            return cached
        async with self._session() as session:
            items = list(
                (
                    await session.execute(
                        select(Item).where(Item.consultation_id == consultation.id).order_by(Item.position)
                    )
                ).scalars()
            )
            options: dict[int, list[Option]] = {item.id: [] for item in items}
            if items:
                for option in (
                    await session.execute(
                        select(Option)
                        .where(Option.item_id.in_(list(options)))
                        .order_by(Option.item_id, Option.position)
                    )
                ).scalars():
                    options[option.item_id].append(option)
        if consultation.status != "draft":  # a draft's items may still be replaced
            self._items[consultation.id] = items
            for item in items:
                self._item[item.id] = item
                self._options[item.id] = options[item.id]
        return items

    async def item(self, item_id: int) -> Item | None:
        """An item of a consultation that has left the draft state (else a fresh read, uncached)."""
        cached = self._item.get(item_id)
        if cached is not None:
            return cached
        async with self._session() as session:
            item = await session.get(Item, item_id)
        if item is None:
            return None
        consultation = await self.by_id(item.consultation_id)
        if consultation is not None and consultation.status != "draft":
            await self.items(consultation)
            return self._item.get(item_id, item)
        return item

    async def options(self, item: Item) -> list[Option]:
        cached = self._options.get(item.id)
        if cached is not None:
            return cached
        async with self._session() as session:
            return list(
                (
                    await session.execute(select(Option).where(Option.item_id == item.id).order_by(Option.position))
                ).scalars()
            )

    def consultation_changed(self, slug: str) -> None:
        """Call after changing a consultation's row (status, times), so this process sees it at once."""
        self._changes += 1
        self._by_slug.pop(slug, None)
