"""What one computation of results reads with: its :class:`Context` (consultation, language, segment, raw) and
the database reads every item kind shares — plain rows, rows grouped by segment, the accepted proposals."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, and_, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.content import localized
from storage.models import Answer, Consultation, Enrolment, Item, Participant, Proposal
from storage.models_groups import OpinionGroupMember
from storage.rows import execute_core


class Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ALL = Sentinel("ALL")
"""The whole population, beside its segment groups."""


async def rows(session: AsyncSession, stmt) -> list:
    """All rows of a Core statement on the session's connection (no ORM row processing)."""
    return (await execute_core(session, stmt)).all()


async def plain_rows(session: AsyncSession, stmt) -> list[tuple]:
    """Like :func:`rows`, as the driver's plain tuples: no result processing at all, so only for columns the
    driver already returns as wanted (integers, strings; booleans may come as 0/1). Building SQLAlchemy rows
    for the ~400 000 aggregate rows of a large pairs item would hold the event loop for most of a second."""
    result = await execute_core(session, stmt)
    try:
        fetched = result.cursor.fetchall()
    except AttributeError:  # pragma: no cover - a driver adapter without a plain cursor
        return [tuple(row) for row in result.all()]
    finally:
        result.close()
    if not fetched or type(fetched[0]) is tuple:
        return fetched
    if len(fetched) < IN_THREAD:
        return [tuple(row) for row in fetched]
    # asyncpg's records: hundreds of thousands of them take a fifth of a second to turn into tuples.
    return await asyncio.to_thread(lambda: [tuple(row) for row in fetched])


IN_THREAD = 10_000
"""Rows from which turning them into tuples is done in a worker thread rather than on the event loop."""


async def answers_of(session: AsyncSession, item_id: int) -> list[tuple[str, int | None, Any]]:
    """(participant, option id, value) of every answer stored on the item. The value is read as its JSON text and
    decoded in a worker thread: the driver decodes a JSON column on the event loop (asyncpg: about 1 s for the
    80 000 answers of a large consultation), which held every other request for as long."""
    found = await plain_rows(
        session,
        select(Answer.participant_id, Answer.option_id, cast(Answer.value, Text)).where(Answer.item_id == item_id),
    )
    return await asyncio.to_thread(_decoded, found)


def _decoded(found: list[tuple]) -> list[tuple[str, int | None, Any]]:
    return [(pid, option_id, None if text is None else json.loads(text)) for pid, option_id, text in found]


@dataclass
class Context:
    consultation: Consultation
    language: str
    segment: str | None
    raw: bool
    group_of: Callable[[Any], Any]
    groups: list[Any]

    def segment_column(self, participant_column):
        """(column, join) adding the participant's segment value to a query over a table with participant_id."""
        if self.segment is None:
            return None, lambda stmt: stmt
        if self.segment == "source":
            return Enrolment.source, lambda stmt: stmt.join(
                Enrolment,
                and_(Enrolment.participant_id == participant_column, Enrolment.consultation_id == self.consultation.id),
            )
        if self.segment == "group":
            return OpinionGroupMember.group, lambda stmt: stmt.outerjoin(
                OpinionGroupMember,
                and_(
                    OpinionGroupMember.participant_id == participant_column,
                    OpinionGroupMember.consultation_id == self.consultation.id,
                ),
            )
        return getattr(Participant, self.segment), lambda stmt: stmt.join(
            Participant, Participant.id == participant_column
        )

    async def grouped(
        self,
        session: AsyncSession,
        participant_column,
        columns: list,
        where: list,
        group_by: list | None = None,
        select_from=None,
    ) -> dict[Any, list[tuple]]:
        """Rows of ``columns`` (grouped by ``group_by`` and the segment), distributed to ALL and to each group."""
        seg, join = self.segment_column(participant_column)
        stmt = select(*([seg] if seg is not None else []), *columns)
        if select_from is not None:
            stmt = stmt.select_from(select_from)
        stmt = join(stmt).where(*where)
        if group_by is not None:
            stmt = stmt.group_by(*([seg] if seg is not None else []), *group_by)
        found = await plain_rows(session, stmt)
        out: dict[Any, list[tuple]] = defaultdict(list)
        if seg is None:
            out[ALL] = found
            return out
        for row in found:
            rest = tuple(row[1:])
            out[ALL].append(rest)
            group = self.group_of(row[0])
            if group is not None:
                out[group].append(rest)
        return out

    async def accepted(self, session: AsyncSession, item: Item) -> dict[int, str]:
        """The item's accepted proposals (the only ones ranked), id → text in the results' language."""
        found = await rows(
            session,
            select(Proposal.id, Proposal.text)
            .where(Proposal.item_id == item.id, Proposal.status == "accepted")
            .order_by(Proposal.id),
        )
        default = self.consultation.default_language
        return {pid: localized(text, self.language, default) for pid, text in found}


async def in_threads(builders: dict[Any, Callable[[], dict[str, Any]]]) -> dict[Any, dict[str, Any]]:
    """Run CPU-bound builders in worker threads (numpy releases the GIL), keeping the event loop free."""
    keys = list(builders)
    built = await asyncio.gather(*(asyncio.to_thread(builders[key]) for key in keys))
    return dict(zip(keys, built, strict=False))
