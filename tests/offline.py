"""What the browser tests share: a browser context whose network reaches only the server under test."""

from __future__ import annotations

from urllib.parse import urlsplit


async def cut_off(context, host: str = "127.0.0.1") -> list[str]:
    """Fail every request of ``context`` to another host than ``host``, as a dead network would, and return the
    list those requests are recorded in (a test asserts it stays empty)."""
    elsewhere: list[str] = []

    async def only_this_server(route) -> None:
        if urlsplit(route.request.url).hostname == host:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_this_server)
    return elsewhere
