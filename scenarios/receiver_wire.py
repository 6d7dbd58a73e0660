"""What the webhook receiver (scenarios.receiver) reads off and writes onto the wire: Svix's signature
headers checked with the official `svix` library's signer, a request's JSON body, the ASGI messages of a
request and its answer, and the report of what the region's control plane says is still undelivered.

The receiver's behaviour (what it answers, what it keeps) is in `scenarios.receiver`; these are the parts
that any endpoint speaking HTTP to a Recall region needs the same way.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from svix.webhooks import Webhook

__all__ = [
    "TIMESTAMP_TOLERANCE",
    "Receive",
    "Scope",
    "Send",
    "answer",
    "json_object",
    "lifespan",
    "signed_by",
    "undelivered_report",
    "whole_body",
]

#: receivers reject timestamps further than this from their own clock (Svix's tolerance)
TIMESTAMP_TOLERANCE = 300.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def signed_by(secret: str, headers: dict[str, str], body: bytes, now: float) -> bool:
    """Whether a webhook request (either header family, lower-case names) carries a signature of
    `secret` made by the official `svix` library's signer, at a timestamp within Svix's tolerance of
    `now` (svix's own `verify` reads the machine's clock, not the region's)."""
    family = "svix" if "svix-id" in headers else "webhook"
    msg_id = headers.get(f"{family}-id", "")
    stamp = headers.get(f"{family}-timestamp", "")
    given = headers.get(f"{family}-signature", "").split()
    if not stamp.isdigit() or abs(int(stamp) - now) > TIMESTAMP_TOLERANCE:
        return False
    signed_at = datetime.fromtimestamp(int(stamp), UTC)
    return Webhook(secret).sign(msg_id, signed_at, body.decode()) in given


def json_object(body: bytes) -> dict[str, Any]:
    """A request body's JSON object; {} when it is not JSON or not an object (a receiver records what it
    got either way)."""
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def whole_body(receive: Receive) -> bytes | None:
    """The request's body, or None if the sender disconnected before it all arrived."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer with `status` and a plain-text `body` (none for the statuses that carry none)."""
    if status in (204, 304):
        # These statuses carry no body (RFC 9110): bytes sent after one would be read by a kept-alive
        # client as the start of the next response.
        await send({"type": "http.response.start", "status": status, "headers": headers or []})
        await send({"type": "http.response.body", "body": b""})
        return
    fields = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": fields + (headers or [])})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive: Receive, send: Send) -> None:
    """ASGI's lifespan protocol for an app with nothing to start or stop (a server in a process of its
    own sends it)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def undelivered_report(
    messages: Iterable[dict[str, Any]], endpoint_id: str, undispatched: Iterable[str]
) -> list[str]:
    """One line per message (control-plane JSON) not delivered to the endpoint, and one for events not
    yet made into messages; empty when everything arrived."""
    lines = []
    for message in messages:
        for destination in message.get("destinations", []):
            if destination["endpoint_id"] != endpoint_id or destination["status"] == "success":
                continue
            attempts = destination.get("attempts", 0)
            if destination["status"] == "pending":
                when = destination.get("next_attempt_at")
                state = f"pending after {attempts} attempt(s)" + (f", next at {when}" if when else "")
            else:
                state = f"given up after {attempts} attempt(s)"
            lines.append(f"{message['id']} {message['event_type']}: {state}")
    waiting = list(undispatched)
    if waiting:
        lines.append(f"{len(waiting)} event(s) not yet made into messages: {', '.join(waiting)}")
    return lines
