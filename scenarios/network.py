"""The network between the desktop and the region, in process: an ASGI app in front of the region's.

It is what a scenario can break. While the network is down (a drop, or the region restarting) new
requests fail as a refused connection does, and open WebSockets are closed as a lost connection would
close them (code 1006). It also writes every exchange to the trace, and lets the runner swap in a
restarted region's app behind the same address.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

__all__ = ["Network"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
OnExchange = Callable[[str, str, str, int | None], None]


class Network:
    def __init__(self, app: App, on_exchange: OnExchange | None = None) -> None:
        self.app = app
        self.on_exchange = on_exchange
        self._reasons: set[str] = set()
        self._restored = asyncio.Event()
        self._restored.set()
        self._lost = asyncio.Event()

    @property
    def down(self) -> bool:
        return bool(self._reasons)

    def cut(self, reason: str) -> None:
        """The network goes down for `reason` (a drop, a restart); open connections are lost."""
        self._reasons.add(reason)
        self._restored.clear()
        self._lost.set()

    def restore(self, reason: str) -> None:
        self._reasons.discard(reason)
        if not self._reasons:
            self._lost = asyncio.Event()
            self._restored.set()

    def _path(self, scope: Scope) -> str:
        return str(scope.get("path", ""))

    def _record(self, kind: str, method: str, path: str, status: int | None) -> None:
        if self.on_exchange is not None:
            self.on_exchange(kind, method, path, status)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = str(scope["method"]), self._path(scope)
        if self.down:
            self._record("http", method, path, None)
            raise httpx.ConnectError(f"network unreachable ({', '.join(sorted(self._reasons))})")
        status: list[int] = []

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record("http", method, path, status[0] if status else None)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = self._path(scope)
        if self.down:
            self._record("websocket", "CONNECT", path, None)
            await send({"type": "websocket.close", "code": 1006, "reason": "network unreachable"})
            return
        lost = self._lost
        self._record("websocket", "CONNECT", path, 101)

        async def receiving() -> Message:
            getter = asyncio.ensure_future(receive())
            cut = asyncio.ensure_future(lost.wait())
            done, _ = await asyncio.wait({getter, cut}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                cut.cancel()
                return getter.result()
            getter.cancel()
            return {"type": "websocket.disconnect", "code": 1006}

        async def sending(message: Message) -> None:
            if lost.is_set():
                raise ConnectionResetError("network lost")
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        except ConnectionResetError:
            pass
        finally:
            if lost.is_set():
                self._record("websocket", "LOST", path, None)
                with contextlib.suppress(Exception):
                    await send({"type": "websocket.close", "code": 1006, "reason": "connection lost"})
