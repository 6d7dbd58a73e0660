"""How the region's fault rules (simulator/faults.py) play on the requests they match: the first step of
the region's middleware (region_middleware.py), before anything else, as a broken network would act.

Stateless: which rule fires, and how often, is the rules' business; this only answers as the rule says.
Latency before a status or a drop delays that answer. Latency alone delays the real response: the
request is handled at once and its answer held back, as from a slow server rather than a slow network.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recall_sim.simulator.faults import FaultRule
    from recall_sim.simulator.region import Region

__all__ = ["answer", "applies", "played"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def applies(path: str) -> bool:
    """Fault rules play on every path but the control plane's, which must keep working to lift them."""
    return not path.startswith("/_simulator/")


#: statuses that carry no body (RFC 9110)
_NO_BODY = {204, 304}


def _held_back(send: Send, region: Region, latency: float) -> Send:
    """`send`, with the response's start held back `latency` seconds on the region's clock.

    Latency alone models a slow server: the request is handled at once and the client waits for the
    answer. So the work is done while the client waits, and an `Idempotency-Key` repeated meanwhile
    finds its first request still running (409), as happens when a client times out and retries.
    """

    async def delayed(message: Message) -> None:
        if message["type"] == "http.response.start":
            await region.ctx.clock.sleep(latency)
        await send(message)

    return delayed


async def answer(rule: FaultRule, region: Region, send: Send) -> None:
    """Answer as a rule with a status or a drop says, after its latency."""
    if rule.latency:
        await region.ctx.clock.sleep(rule.latency)
    if rule.drop:
        # ASGI cannot abort a connection, but a response that starts and never finishes makes
        # uvicorn close the socket: the client sees the connection drop mid-response.
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]})
        import httpx  # only a dropped response needs it; start-up does not

        raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.")
    body = json.dumps(rule.body if rule.body is not None else {"detail": "Injected fault."}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if rule.status in _NO_BODY:
        body, headers = b"", []
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rule.headers.items()]
    await send({"type": "http.response.start", "status": rule.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def played(rule: FaultRule, region: Region, send: Send) -> Send | None:
    """`send` as the request's answer must go out under `rule`: held back for latency alone; None when
    the rule answers in the request's place (`answer`)."""
    if rule.status is None and not rule.drop:
        return _held_back(send, region, rule.latency)
    return None
