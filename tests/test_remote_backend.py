"""The bot's client for an API running apart (VICHE_API_URL): real HTTP to the real app."""

from __future__ import annotations

import socket

import pytest

from bot.backend import Backend, BackendError
from bot.handlers.fallback import is_transient
from sandbox.server import serve


async def test_requests_errors_and_an_api_that_is_away(api_app, settings, demo):
    async with serve(api_app) as url:
        backend = Backend.remote(url, settings.service_token)
        try:
            participant = await backend.identify("telegram", "4711")
            assert participant["created"]
            screen = await backend.next(participant["id"], demo, "en")  # query parameters
            assert screen["status"] == "consent"
            with pytest.raises(BackendError) as refused:
                await backend.vote(participant["id"], 10**6, "agree")
            assert refused.value.status == 404 and refused.value.code == "not_found"
            assert not is_transient(refused.value)
        finally:
            await backend.close()
        wrong = Backend.remote(url, "not-the-token")
        try:
            with pytest.raises(BackendError) as unauthorized:
                await wrong.identify("telegram", "4711")
            assert unauthorized.value.status == 401
        finally:
            await wrong.close()

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    away = Backend.remote(f"http://127.0.0.1:{port}", settings.service_token)
    try:
        with pytest.raises(Exception) as unreachable:
            await away.identify("telegram", "4711")
        assert is_transient(unreachable.value)  # an outage: in webhook mode Telegram delivers the update again
    finally:
        await away.close()
