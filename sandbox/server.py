"""Serving an ASGI app over real HTTP inside the current event loop, for tests and the sandbox.

    async with serve(app) as base_url:      # "http://127.0.0.1:<free port>"
        ...

The port is chosen by the OS (port=0) and known before the first request, so tests can run in
parallel. Signals are left alone: Ctrl+C keeps belonging to whoever owns the process (pytest).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn


class _BackgroundServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket whose accepted connections asyncio serves with Nagle's algorithm off."""
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and an accepted
    # connection inherits the listening socket's proto (0 unless given). With Nagle on, a response written as
    # headers then body waits for the client's delayed ACK: +40 ms on many Bot API answers, which made every
    # polling bot look 40 ms slower in the benchmark than it is.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


@contextlib.asynccontextmanager
async def serve(
    app: Any, host: str = "127.0.0.1", port: int = 0, *, shutdown_timeout: float = 2.0, log_level: str = "warning"
) -> AsyncIterator[str]:
    """Run ``app`` with uvicorn as a background task; yield its base URL; stop it on exit.

    ``shutdown_timeout`` bounds how long requests still running at exit may take to finish.
    """
    sock = listening_socket(host, port)
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level=log_level,
        log_config=None,
        access_log=False,
        lifespan="auto",
        timeout_graceful_shutdown=shutdown_timeout,
        # Longer than a client keeps an idle connection for reuse (aiohttp: 15 s): closed by the server first,
        # a connection the bot is about to reuse fails its request with "Server disconnected" (uvicorn's 5 s
        # did, on a busy machine), an error the real Bot API does not make.
        timeout_keep_alive=75,
    )
    server = _BackgroundServer(config)

    async def run() -> None:
        try:
            await server.serve(sockets=[sock])
        except SystemExit as exit_:
            # uvicorn exits the process when the app's startup fails; a test run must survive that.
            raise RuntimeError(f"uvicorn could not start {app!r} (see the log above)") from exit_

    task = asyncio.create_task(run())
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError(f"uvicorn stopped before {app!r} started")
            await asyncio.sleep(0.01)
        url_host = f"[{host}]" if ":" in host else host
        yield f"http://{url_host}:{bound_port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, RuntimeError):
            await task
        sock.close()
