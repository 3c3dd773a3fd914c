"""Writing one new row without the ORM's unit of work.

On the busiest routes (a vote, an answer, a served pair) ``session.add`` + flush cost more than the INSERT
itself; one Core statement does the same and the object stays a plain value for the response.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert
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
