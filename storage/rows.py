"""Writing rows without the ORM's unit of work.

On the busiest routes (a vote, an answer, a served pair) ``session.add`` + flush cost more than the INSERT
itself; one Core statement does the same and the object stays a plain value for the response. Rows that may
already exist (a broadcast's recipients, handled update ids) go in with one INSERT that skips duplicates.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Table
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


async def execute_core(session: AsyncSession, statement: Executable, params: dict[str, Any] | None = None) -> Result:
    """Run a statement that loads no ORM object (an INSERT, an UPDATE without session synchronisation, a
    select of columns) on the session's connection, in its transaction: the ORM's execution layers
    (``Session.execute``: its compile state, events and result set-up) cost ~100 µs of a ~250 µs statement,
    for nothing when no object comes back (BENCHMARKS.md, "End to end", sixth session). Pending ORM changes are
    flushed first, as ``Session.execute`` would (autoflush), so the statement sees them."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    return await connection.execute(statement, params)


async def insert_new_row(session: AsyncSession, row: SQLModel) -> Any | None:
    """INSERT ``row`` (not added to the session) and return its primary key, also set on ``row``; a row that a
    unique constraint says exists already is not an error: the result is None and nothing is written.
    Every column is written as the ORM would write it (a ``None`` in a JSON column is JSON ``null``), except an
    unset autoincrement key. Nothing is rolled back either, so the request's other writes in the
    same transaction stay (an IntegrityError would abort the whole transaction on PostgreSQL)."""
    table, key = _table_and_key(row)
    value = (await execute_core(session, _statement(session, table), _values(row, table, key))).scalar_one_or_none()
    if value is not None:
        setattr(row, key.name, value)
    return value


def _table_and_key(row: SQLModel) -> tuple[Table, Any]:
    table = type(row).__table__
    return table, next(iter(table.primary_key.columns))


def _values(row: SQLModel, table: Table, key: Any) -> dict[str, Any]:
    return {
        column.name: getattr(row, column.name)
        for column in table.columns
        if not (column is key and getattr(row, column.name) is None)
    }


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _statement(session: AsyncSession, table: Table):
    """``INSERT … RETURNING key``, its values bound at execution: built once per table (building the
    statement with its values each time cost about as much as running it)."""
    cache_key = (session.get_bind().dialect.name, table.name)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        statement = _STATEMENTS[cache_key] = insert_ignoring_duplicates(session, table).returning(
            next(iter(table.primary_key.columns))
        )
    return statement


def upsert(session: AsyncSession, table: Table):
    """The dialect's INSERT into ``table`` (SQLite's or PostgreSQL's), which can say what a conflict does:
    ``.on_conflict_do_nothing()``, ``.on_conflict_do_update(…)``."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:  # pragma: no cover - the two databases viche runs on
        raise NotImplementedError(f"no INSERT … ON CONFLICT for {dialect}")
    return dialect_insert(table)


def insert_ignoring_duplicates(session: AsyncSession, table: Table):
    """``INSERT … ON CONFLICT DO NOTHING`` into ``table`` on SQLite and PostgreSQL (executemany-able)."""
    return upsert(session, table).on_conflict_do_nothing()
