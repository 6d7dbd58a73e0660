"""Every response under the tus endpoint says which protocol version it speaks, errors included: tus
clients read `Tus-Resumable` on a 4xx as well, to tell a tus server's refusal from a proxy's. A step of
the region's middleware (region_middleware.py) on the tus endpoint's paths."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["with_tus_resumable"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def with_tus_resumable(send: Send, header: tuple[bytes, bytes]) -> Send:
    """`send`, adding `header` (`Tus-Resumable: <version>`) to the response's start."""

    async def with_header(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), header]
        await send(message)

    return with_header
