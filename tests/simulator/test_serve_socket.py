"""The listening socket `recall-sim serve` and `served()` hand to uvicorn."""

from __future__ import annotations

import asyncio
import socket

import pytest

from recall_sim.simulator.serve import bind_socket

pytestmark = pytest.mark.served


def test_accepted_connections_send_small_writes_at_once() -> None:
    """A response's body goes in a write after its headers; with Nagle's algorithm on, it would wait for
    the client's delayed ACK (~40 ms on Linux) on every request of a keep-alive connection."""
    nodelay: list[int] = []

    async def main() -> None:
        accepted = asyncio.Event()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()
                accepted.set()

        listening = bind_socket("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection(*listening.getsockname())
            await asyncio.wait_for(accepted.wait(), timeout=10)
            writer.close()

    asyncio.run(main())
    assert nodelay == [1]
