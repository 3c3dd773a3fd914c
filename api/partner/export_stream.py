"""The streaming engine of the partner exports: constant memory whatever the size of the consultation.

Rows are read in keyset-paginated batches (``BATCH_SIZE`` rows in key order, a short connection per batch,
nothing kept from one batch to the next but the position), formatted, and sent as one chunk per batch;
the next batch is read while one is sent, so at most two are in memory.

A consultation's rows come in three runs: answers (by id), then proposal votes (by id), then answered
pairs (by answered time and token). A cursor holds the position in all three, so syncing with
``after=<cursor>`` never misses a row that arrived in an earlier run. Every export is bounded when it
starts: it sends the rows up to the position it reports in ``X-Next-Cursor`` (all rows, or ``limit``),
so rows written meanwhile come with the next sync.

Which columns each export has, and which rows it reads, is :mod:`api.partner.export_definitions`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import bad_request
from api.partner import formats
from storage.db import Database
from storage.models import Answer, PairPrompt, ProposalVote

BATCH_SIZE = 5000
ANSWER, VOTE, PAIR = "answer", "vote", "pair"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- cursors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where an export stopped: last answer id, last vote id, last answered pair (time, token)."""

    answer: int = 0
    vote: int = 0
    pair_us: int | None = None  # answered_at in microseconds since the epoch
    pair_token: str = ""

    def encode(self) -> str:
        return encode_cursor(self.answer, self.vote, self.pair_us, self.pair_token)

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            version, answer, vote, pair_us, token = raw.split("|", 4)
            if version != "1":
                raise ValueError(version)
            cursor = cls(int(answer), int(vote), int(pair_us) if pair_us else None, token)
            if (
                not (0 <= cursor.answer < 2**63 and 0 <= cursor.vote < 2**63)
                or len(token) > 24
                or (cursor.pair_us is None and token)
            ):
                raise ValueError(text)
            _ = cursor.pair_at  # a time datetime can hold
            return cursor
        except (ValueError, OverflowError, OSError, binascii.Error, UnicodeDecodeError):
            raise bad_request(
                "invalid_cursor", "this cursor was not made by this API (use X-Next-Cursor or a row's cursor)"
            ) from None

    @property
    def pair_at(self) -> datetime | None:
        return None if self.pair_us is None else _from_us(self.pair_us)


def encode_cursor(answer: int, vote: int, pair_us: int | None, pair_token: str) -> str:
    raw = f"1|{answer}|{vote}|{'' if pair_us is None else pair_us}|{pair_token}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _us(moment: datetime) -> int:
    delta = formats.utc(moment) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_us(value: int) -> datetime:
    seconds, micro = divmod(value, 1_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=micro)


# --- the three runs ----------------------------------------------------------------------------


@dataclass
class Run:
    """One table's rows of the export, in keyset order, between two cursor positions."""

    name: str
    item_ids: list[int]
    where: list[Any] = field(default_factory=list)
    sqlite: bool = False

    @property
    def table(self):
        return {ANSWER: Answer, VOTE: ProposalVote, PAIR: PairPrompt}[self.name]

    def order_keys(self) -> list[Any]:
        if self.name == PAIR:
            return [PairPrompt.answered_at, PairPrompt.token]
        return [self.table.id]

    def filters(self) -> list[Any]:
        # SQLite, which plans without statistics, would read the rows of the item_id index and sort them
        # on every batch: "item_id + 0" keeps it walking the key order, which is linear. PostgreSQL
        # chooses with its statistics, so it gets the plain column.
        item = self.table.item_id + 0 if self.sqlite else self.table.item_id
        clauses = [item.in_(self.item_ids), *self.where]
        if self.name == PAIR:
            clauses.append(PairPrompt.answered_at.is_not(None))
        return clauses

    def after(self, cursor: Cursor) -> Any | None:
        if self.name == ANSWER:
            return Answer.id > cursor.answer
        if self.name == VOTE:
            return ProposalVote.id > cursor.vote
        if cursor.pair_us is None:
            return None
        at = cursor.pair_at
        return or_(
            PairPrompt.answered_at > at, and_(PairPrompt.answered_at == at, PairPrompt.token > cursor.pair_token)
        )

    def upto(self, cursor: Cursor) -> Any:
        if self.name == ANSWER:
            return Answer.id <= cursor.answer
        if self.name == VOTE:
            return ProposalVote.id <= cursor.vote
        if cursor.pair_us is None:
            return PairPrompt.token.is_(None)  # nothing
        at = cursor.pair_at
        return or_(
            PairPrompt.answered_at < at, and_(PairPrompt.answered_at == at, PairPrompt.token <= cursor.pair_token)
        )

    def window(self, start: Cursor, end: Cursor | None = None) -> list[Any]:
        clauses = self.filters()
        lower = self.after(start)
        if lower is not None:
            clauses.append(lower)
        if end is not None:
            clauses.append(self.upto(end))
        return clauses

    def encode(self, cursor: Cursor, record: Any) -> str:
        """The cursor just after ``record`` (a row of this run whose first columns are the keys)."""
        if self.name == ANSWER:
            return encode_cursor(record[0], cursor.vote, cursor.pair_us, cursor.pair_token)
        if self.name == VOTE:
            return encode_cursor(cursor.answer, record[0], cursor.pair_us, cursor.pair_token)
        return encode_cursor(cursor.answer, cursor.vote, _us(record[0]), record[1])

    def moved(self, cursor: Cursor, key: tuple) -> Cursor:
        if self.name == ANSWER:
            return replace(cursor, answer=key[0])
        if self.name == VOTE:
            return replace(cursor, vote=key[0])
        return replace(cursor, pair_us=_us(key[0]), pair_token=key[1])


async def plan_end(session: AsyncSession, runs: list[Run], start: Cursor, limit: int | None) -> Cursor:
    """The position after the last row this export will send: every row now there, or ``limit`` rows."""
    end, remaining = start, limit
    for run in runs:
        if not run.item_ids:
            continue
        if remaining == 0:
            break
        ordered = select(*run.order_keys()).where(*run.window(start)).order_by(*run.order_keys())
        if remaining is None:
            last = (
                await session.execute(ordered.order_by(None).order_by(*[k.desc() for k in run.order_keys()]).limit(1))
            ).first()
            if last is not None:
                end = run.moved(end, tuple(last))
            continue
        nth = (await session.execute(ordered.offset(remaining - 1).limit(1))).first()
        if nth is not None:
            return run.moved(end, tuple(nth))
        count = int(await session.scalar(select(func.count()).select_from(run.table).where(*run.window(start))) or 0)
        if count:
            last = (
                await session.execute(ordered.order_by(None).order_by(*[k.desc() for k in run.order_keys()]).limit(1))
            ).first()
            end = run.moved(end, tuple(last))
            remaining -= count
    return end


Row = tuple
RowMaker = Callable[[Any, Cursor], Row]
Statement = Callable[[Any], Any]  # the batch subquery → the select that reads it


async def stream_rows(
    db: Database, runs: list[tuple[Run, Statement, RowMaker]], start: Cursor, end: Cursor, batch_size: int = BATCH_SIZE
) -> AsyncIterator[list[Row]]:
    """Batches of rows from ``start`` (exclusive) to ``end`` (inclusive), one short connection per batch.

    ``statement`` selects from the batch (a subquery of the run's table, its columns by name) the columns a
    row maker wants, keys first; a row maker gets that database row and the cursor before its batch
    (``Run.encode`` makes the row's own). While a batch is formatted and sent, the next one is already
    being read: at most two batches are in memory.
    """

    async def fetch(run: Run, statement: Statement, position: Cursor) -> list[Any]:
        # The batch is chosen in the run's table alone, then joined: the joins never see more rows.
        batch = (
            select(run.table.__table__)
            .where(*run.window(position, end))
            .order_by(*run.order_keys())
            .limit(batch_size)
            .subquery("batch")
        )
        query = statement(batch).order_by(*[batch.c[key.key] for key in run.order_keys()])
        async with db.engine.connect() as connection:
            return (await connection.execute(query)).all()

    position = start
    for run, statement, make in runs:
        if not run.item_ids:
            continue
        key_count = len(run.order_keys())
        pending: asyncio.Task | None = asyncio.ensure_future(fetch(run, statement, position))
        try:
            while pending is not None:
                result = await pending
                pending = None
                if not result:
                    break
                before = position
                position = run.moved(position, tuple(result[-1][:key_count]))
                if len(result) == batch_size:
                    pending = asyncio.ensure_future(fetch(run, statement, position))
                yield [make(record, before) for record in result]
        finally:
            if pending is not None:
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)
        # The next run starts from its own start position, which ``position`` still holds.


# --- formatting --------------------------------------------------------------------------------


async def csv_chunks(
    columns: list[str], batches: AsyncIterator[list[Row]], structured: tuple[str, ...] = ()
) -> AsyncIterator[bytes]:
    """CSV: the header, then one chunk per batch. ``structured`` columns are written as JSON; text that starts
    like a spreadsheet formula gets a leading ``'`` (``formats.csv_safe``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    convert = [columns.index(c) for c in structured]
    cell = formats.csv_value
    async for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        if convert:
            rows = [list(row) for row in rows]
            for row in rows:
                for i in convert:
                    row[i] = cell(row[i])
        writer.writerows(map(formats.csv_safe_row, rows))
        yield buffer.getvalue().encode()


async def jsonl_chunks(columns: list[str], batches: AsyncIterator[list[Row]]) -> AsyncIterator[bytes]:
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    async for rows in batches:
        yield "".join([dumps(dict(zip(columns, row, strict=False))) + "\n" for row in rows]).encode()


@dataclass
class Export:
    """What a route streams: the chunks, and the cursor to continue from."""

    chunks: AsyncIterator[bytes]
    next_cursor: str


def table_csv(columns: list[str], rows: list[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(formats.csv_safe_row(formats.csv_value(row.get(c)) for c in columns) for row in rows)
    return buffer.getvalue()
