"""The region's WebSocket connections to `websocket` real-time endpoints, as a client.

One connection per recording and endpoint, opened on its first event and kept for the recording's
events, each sent as one text frame. A connection lives in a task of its own, which opens it, sends what
it is given and closes it: a WebSocket session must be entered and left by the same task. A connection
that fails is dropped; the next event opens a new one.

The transport is the seam: None for real sockets, or an in-process one
(`httpx_ws.transport.ASGIWebSocketTransport(app=...)`). Keepalive pings are off: on virtual time a
pinging connection would keep the clock running forever, and the endpoint's own traffic proves it alive.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from recall_sim.seams import Clock

if TYPE_CHECKING:
    import httpx
    from httpx_ws import AsyncWebSocketSession

__all__ = ["EndpointSockets"]

Key = tuple[str, str]

#: seconds a closing connection may take to say goodbye
_CLOSE_WAIT = 1.0


def _innermost(error: BaseException) -> BaseException:
    """The error itself, not the exception group a WebSocket session's task group wraps it in."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


@dataclass
class _Outgoing:
    text: str
    done: asyncio.Future[None]


@dataclass
class _Connection:
    url: str
    queue: asyncio.Queue[_Outgoing | None] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    failed: bool = False


class EndpointSockets:
    def __init__(self, clock: Clock, transport: httpx.AsyncBaseTransport | None) -> None:
        self.clock = clock
        self.transport = transport
        self._connections: dict[Key, _Connection] = {}

    async def _run(self, connection: _Connection) -> None:
        # httpx and httpx-ws load with the first connection: `recall-sim serve` starts without them.
        import httpx
        from httpx_ws import aconnect_ws

        pending: _Outgoing | None = None
        socket: AsyncWebSocketSession
        try:
            async with (
                httpx.AsyncClient(transport=self.transport, trust_env=False) as client,
                aconnect_ws(connection.url, client, keepalive_ping_interval_seconds=None) as socket,
            ):
                while (pending := await connection.queue.get()) is not None:
                    await socket.send_text(pending.text)
                    pending.done.set_result(None)
                    pending = None
        except Exception as error:  # refused, reset or closed by the endpoint: this connection is done
            connection.failed = True
            cause = _innermost(error)
            for item in [pending, *self._drain(connection)]:
                if item is not None and not item.done.done():
                    item.done.set_exception(cause)
        finally:
            connection.failed = True

    @staticmethod
    def _drain(connection: _Connection) -> list[_Outgoing | None]:
        items = []
        while not connection.queue.empty():
            items.append(connection.queue.get_nowait())
        return items

    async def send(self, key: Key, url: str, text: str, timeout: float) -> str | None:
        """Send one text frame; None when it went out, else why not (after `timeout` clock seconds)."""
        connection = self._connections.get(key)
        if connection is None or connection.failed or connection.url != url:
            if connection is not None:
                await self.close(key)
            connection = _Connection(url)
            connection.task = asyncio.get_running_loop().create_task(
                self._run(connection), name=f"realtime websocket {key[1]}"
            )
            self._connections[key] = connection
        outgoing = _Outgoing(text, asyncio.get_running_loop().create_future())
        connection.queue.put_nowait(outgoing)
        deadline = asyncio.ensure_future(self.clock.sleep(timeout))
        try:
            await asyncio.wait({outgoing.done, deadline}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            deadline.cancel()
        if not outgoing.done.done():
            await self.close(key)
            return f"Timed out after {timeout:g} s"
        error = outgoing.done.exception()
        if error is not None:
            await self.close(key)
            return f"{type(error).__name__}: {error}".rstrip(": ")
        return None

    async def close(self, key: Key) -> None:
        """Close the connection after what it was given has gone out."""
        connection = self._connections.pop(key, None)
        if connection is None or connection.task is None:
            return
        connection.queue.put_nowait(None)
        # A connection stuck opening (an endpoint that never answers) is cut rather than waited for.
        await asyncio.wait({connection.task}, timeout=_CLOSE_WAIT)
        if not connection.task.done():
            connection.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connection.task

    async def close_all(self) -> None:
        for key in list(self._connections):
            await self.close(key)
