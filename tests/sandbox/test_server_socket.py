"""The fake Bot API's server answers without Nagle's delay: its connections have TCP_NODELAY."""

import asyncio
import socket

from sandbox.server import listening_socket


async def test_accepted_connections_have_nagle_off() -> None:
    seen: list[int] = []

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    sock = listening_socket("127.0.0.1", 0)
    server = await asyncio.start_server(accepted, sock=sock)
    async with server:
        _, writer = await asyncio.open_connection(*sock.getsockname())
        for _ in range(100):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
    assert seen and seen[0] != 0
