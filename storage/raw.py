"""Statements on PostgreSQL straight through asyncpg, for the few that run on every Telegram update.

Through SQLAlchemy's session a transaction costs ~0.47 ms of CPU and each statement in it ~0.32 ms more;
straight through asyncpg ~0.25 and ~0.03 (``python -m bench.bench_floor``): the layers cost more than the
statements themselves. The webhook
replicas' claim and record of each update (storage/update_claims.py) are fixed SQL, run on every update: they
take a connection from the engine's own pool (its checkout ping and its size apply) and run there directly.

Failures read as SQLAlchemy's, so the API's error handlers treat them as they treat every other statement's
(api/errors.py): a lost connection is dropped from the pool and the request answers 503, a value out of range
422, anything else is a bug (500).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

_LOST = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError)
"""The connection is gone or unusable (asyncpg's client-side errors leave it in an unknown state)."""
_UNAVAILABLE_CLASSES = ("08", "53", "57")
"""SQLSTATE classes of a server that cannot serve now: connection exceptions, lack of resources, shutting down."""


@asynccontextmanager
async def connection(engine: AsyncEngine, *, transaction: bool = False) -> AsyncIterator[Any]:
    """An asyncpg connection from ``engine``'s pool (PostgreSQL only), in a transaction if asked: committed when
    the block ends, rolled back when it raises."""
    try:
        pooled = await engine.raw_connection()
    except sa_exc.SQLAlchemyError:
        raise
    except Exception as error:  # connecting failed (refused, not accepting connections …): no statement ran
        raise sa_exc.OperationalError(None, None, error) from error
    driver = pooled.driver_connection
    assert driver is not None  # a connection just checked out of the pool
    try:
        if transaction:
            async with driver.transaction():
                yield driver
        else:
            yield driver
    except asyncio.CancelledError:  # stopped mid-statement: the connection's state is unknown, drop it
        _drop(pooled, None)
        raise
    except (asyncpg.DataError, asyncpg.exceptions._base.DataError) as error:  # a value out of range …: 422
        raise sa_exc.DBAPIError("", None, error) from error
    except _LOST as error:
        _drop(pooled, error)
        raise sa_exc.OperationalError(None, None, error, connection_invalidated=True) from error
    except asyncpg.PostgresError as error:
        if str(getattr(error, "sqlstate", ""))[:2] in _UNAVAILABLE_CLASSES:
            _drop(pooled, error)
            raise sa_exc.OperationalError(None, None, error, connection_invalidated=True) from error
        raise sa_exc.DBAPIError(getattr(error, "query", None) or "", None, error) from error
    finally:
        pooled.close()  # back to the pool (one invalidated above is replaced by a new one next time)


def _drop(pooled: Any, error: BaseException | None) -> None:
    try:
        pooled.invalidate(error)
    except Exception:  # noqa: BLE001 - it is gone either way
        pass
