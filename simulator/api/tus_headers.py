"""Every response under the tus endpoint says which protocol version it speaks, errors included: tus
clients read `Tus-Resumable` on a 4xx as well, to tell a tus server's refusal from a proxy's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["TusHeadersMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class TusHeadersMiddleware:
    """Stateless: adds `Tus-Resumable: <version>` to each response whose path starts with `prefix`."""

    def __init__(self, app: ASGIApp, *, prefix: str, version: str) -> None:
        self.app = app
        self.prefix = prefix
        self.header = (b"tus-resumable", version.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self.header]
            await send(message)

        await self.app(scope, receive, with_header)
