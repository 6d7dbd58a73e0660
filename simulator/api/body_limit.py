"""A ceiling on request bodies everywhere but the tus endpoint (whose limit is each upload's length): a
step of the region's middleware (region_middleware.py), taken by every request that declares a body.

Every byte the app receives passes through a counting `receive`: a `Content-Length` above the limit is
refused at the first read, before any of the body is taken off the socket, and a chunked body without
one is refused as soon as the bytes counted go past it. The refusal is `PayloadTooLarge`, raised from
`receive` wherever the body is read: a route's JSON dependency renders it after authentication, as
Django REST Framework does; a body FastAPI reads itself (it turns read errors into a 400) and the
Idempotency-Key middleware (which reads the body before the route) are answered here or in app.py with
the same 413. Nothing is stored, since the work starts only once the body is whole.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from recall_sim.simulator.api.responses import error_response
from recall_sim.simulator.errors import PayloadTooLarge

__all__ = ["BodyTooLarge", "limited"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyTooLarge(PayloadTooLarge):
    """The request's body is over `Settings.max_json_body`."""


async def limited(
    app: ASGIApp, limit: int, declared: int | None, scope: Scope, receive: Receive, send: Send
) -> None:
    """`app` with the request's body held to `limit` bytes; `declared` is its Content-Length (None when
    it has none, as a chunked body)."""
    too_long = declared is not None and declared > limit
    received = 0

    async def counted() -> Message:
        nonlocal received
        if too_long:
            raise BodyTooLarge()
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge()
        return message

    started = False

    async def watched(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, counted, watched)
    except BodyTooLarge as refused:
        if started:
            raise
        await error_response(refused)(scope, receive, send)
