"""Every error is JSON with a status that says what went wrong; bad input never becomes a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def conflict(code: str, message: str, **extra: object) -> ApiError:
    return ApiError(409, code, message, **extra)


def bad_request(code: str, message: str, **extra: object) -> ApiError:
    return ApiError(400, code, message, **extra)


def _body(status: int, code: str, message: str, **extra: object) -> dict:
    return {"error": {"status": status, "code": code, "message": message, **extra}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.status, exc.code, exc.message, **exc.extra), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(p) for p in err.get("loc", ())], "message": err.get("msg", "")} for err in exc.errors()
        ]
        first = problems[0] if problems else {"loc": [], "message": "invalid request"}
        message = f"{'.'.join(first['loc'])}: {first['message']}"
        return JSONResponse(_body(422, "invalid_request", message, problems=problems), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "error"
        )
        return JSONResponse(
            _body(exc.status_code, code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    # The database is unreachable (restarting, failing over, connections killed): 503 with Retry-After, so
    # that the caller retries — the bot's webhook then answers non-2xx and Telegram delivers the update again.
    # A value the database cannot hold (an id of 10^30 …) is the caller's mistake: 422, never a 500.
    async def _database(_: Request, exc: Exception) -> JSONResponse:
        if _unrepresentable(exc):
            return JSONResponse(_body(422, "invalid_value", "a number or value is out of range"), status_code=422)
        if _unavailable(exc):
            log.warning("database unavailable: %s", without_parameters(exc))
            return JSONResponse(
                _body(503, "unavailable", "the database is unavailable; try again shortly"),
                status_code=503,
                headers={"Retry-After": "1"},
            )
        raise exc  # a bug: the server error middleware answers 500 and logs it

    for kind in (sa_exc.DBAPIError, *TRANSIENT, OverflowError):
        app.add_exception_handler(kind, _database)


def without_parameters(exc: BaseException) -> str:
    """What failed, for the log: the error, the driver's first line and the statement with its placeholders.
    ``str()`` of SQLAlchemy's errors appends the statement's parameters — free-text answers, participant ids —
    which have no place in a log."""
    if not isinstance(exc, sa_exc.StatementError):
        return f"{type(exc).__name__}: {exc}"
    orig = exc.orig
    reason = str(orig).strip().splitlines()[0][:300] if orig is not None and str(orig).strip() else ""
    described = f"{type(exc).__name__} ({type(orig).__name__}: {reason})" if orig is not None else type(exc).__name__
    statement = " ".join((exc.statement or "").split())[:500]
    return f"{described} [SQL: {statement}]" if statement else described


TRANSIENT = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.InternalError,
    sa_exc.TimeoutError,
    sa_exc.DisconnectionError,
    OSError,
)


def _unrepresentable(exc: Exception) -> bool:
    """Out-of-range input reaching the database: SQLite's OverflowError, PostgreSQL's DataError, or asyncpg
    refusing to encode a query argument (value out of int32 range)."""
    if isinstance(exc, (OverflowError, sa_exc.DataError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        cause = getattr(exc.orig, "__cause__", None) or exc.orig
        if isinstance(cause, (OverflowError, ValueError)) and not isinstance(cause, OSError):
            return True
        return _sqlstate(exc).startswith("22")  # data exception: out of range, NUL in text, bad encoding …
    return False


def _sqlstate(exc: sa_exc.DBAPIError) -> str:
    for candidate in (getattr(exc.orig, "__cause__", None), exc.orig):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return ""


def _unavailable(exc: Exception) -> bool:
    """The database cannot be reached right now: refused or lost connections, a server shutting down or not
    accepting connections (SQLSTATE classes 08, 53, 57), or any failure while connecting (no statement yet)."""
    if isinstance(exc, TRANSIENT):
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated or exc.statement is None:
        return True
    return _sqlstate(exc)[:2] in ("08", "53", "57")
