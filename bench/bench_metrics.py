"""What observing costs on the hot path: the bot's update middleware (bot/observe.py: its update counted and
timed) and the API's request middleware (api/observe.py: a request id, the request counted and timed), each
against the same call without it.

    python -m bench.bench_metrics [--calls 50000]

Sub-millisecond figures: on a busy machine, compare them with the bare calls of the same run, not across runs."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiogram.types import Update  # noqa: E402

from api.observe import RequestObserver  # noqa: E402
from bot.observe import UpdateObserver  # noqa: E402

UPDATE = Update.model_validate(
    {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "x"}}
)


async def _handler(event: Any, data: dict[str, Any]) -> bool:
    return True


async def _app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _send(message: Any) -> None:
    return None


async def _receive() -> dict[str, Any]:
    return {}


async def _per_call(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls * 1e6


async def main(calls: int) -> None:
    observer, requests = UpdateObserver(), RequestObserver(_app)
    scope = {"type": "http", "headers": [(b"host", b"bench")], "path": "/"}
    rows = {
        "update, bare handler": lambda: _handler(UPDATE, {}),
        "update, through UpdateObserver": lambda: observer(_handler, UPDATE, {}),
        "request, bare ASGI app": lambda: _app(dict(scope), _receive, _send),
        "request, through RequestObserver": lambda: requests(dict(scope), _receive, _send),
    }
    for label, call in rows.items():
        print(f"{label}: {await _per_call(call, calls):.2f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50_000)
    asyncio.run(main(parser.parse_args().calls))
