"""Writing rows without the ORM's unit of work.

On the busiest routes (a vote, an answer, a served pair) ``session.add`` + flush cost more than the INSERT
itself; one Core statement does the same and the object stays a plain value for the response. Rows that may
already exist (a broadcast's recipients, handled update ids) go in with one INSERT that skips duplicates.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel


async def insert_row(session: AsyncSession, row: SQLModel) -> Any:
    """INSERT ``row`` (not added to the session) and return its primary key, which is also set on ``row``.

    Every column is written as the ORM would write it (a ``None`` in a JSON column is JSON ``null``), except
    an unset autoincrement key. Constraint violations raise ``IntegrityError`` here, not at commit.
    """
    table = type(row).__table__
    key = next(iter(table.primary_key.columns))
    values = {column.name: getattr(row, column.name) for column in table.columns
              if not (column is key and getattr(row, column.name) is None)}
    value = (await session.execute(insert(table).values(values).returning(key))).scalar_one()
    setattr(row, key.name, value)
    return value


def insert_ignoring_duplicates(session: AsyncSession, table: Table):  # noqa: ANN201
    """``INSERT … ON CONFLICT DO NOTHING`` into ``table`` on SQLite and PostgreSQL (executemany-able)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:  # pragma: no cover - other databases: a duplicate fails the statement
        return insert(table)
    return dialect_insert(table).on_conflict_do_nothing()
