"""One logging configuration for every viche process (API, bot, both): human-readable lines by default, one JSON
object a line with ``VICHE_LOG_FORMAT=json``. Each line carries what it happened for — the Telegram update id in
the bot, the request id in the API — from context variables set where the work begins (the bot's update
middleware, the API's request middleware), so that concurrent updates' lines can be told apart.

Personal data stays out: log lines name updates, requests, broadcasts and rows, never a Telegram id, a name, a
username or a text (tests/observe/test_logs.py checks it on a whole conversation)."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

update_id: ContextVar[int | None] = ContextVar("viche_update_id", default=None)
request_id: ContextVar[str | None] = ContextVar("viche_request_id", default=None)

LOG_FORMATS = ("text", "json")
# Lines that would drown the rest at INFO: aiogram's one per update (hundreds a second; the metrics count them),
# Alembic's plugin set-up at every start.
# httpx's line per request names its URL, which holds participant ids.
QUIET = {"aiogram.event": logging.WARNING, "alembic.runtime.plugins": logging.WARNING, "httpx": logging.WARNING}
_OURS = "_viche_handler"


class _Context(logging.Filter):
    """Stamps each record with the update and request it belongs to (None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id = update_id.get()
        record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context = ""
        update, request = getattr(record, "update_id", None), getattr(record, "request_id", None)
        if update is not None:
            context += f" [update {update}]"
        if request is not None:
            context += f" [request {request}]"
        record.context = context
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: what log shippers (Loki, Elasticsearch, CloudWatch) read without a parser."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("update_id", "request_id"):
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is written (a test's capture, a redirected stream)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(
    log_format: str = "text", level: int | str = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Route every logger (ours, aiogram's, uvicorn's, SQLAlchemy's) through one handler on the root logger.
    Calling it again replaces that handler, so a process configures once and tests may reconfigure; returns it."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: one of {', '.join(LOG_FORMATS)}")
    root = logging.getLogger()
    for previous in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(previous)
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    setattr(handler, _OURS, True)
    handler.addFilter(_Context())
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(quiet_level)
    # uvicorn's loggers keep handlers of their own unless told otherwise: send them to the root's.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler
