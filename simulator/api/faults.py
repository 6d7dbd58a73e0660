"""Fault rules: make chosen routes fail on purpose, so a partner's client meets the failures it must survive.

A rule matches a path pattern (shell-style, e.g. `/api/v1/sdk_upload/*`) and optionally methods, then
answers a fixed status and body, adds latency on the injected clock, or drops the connection. It fires
for its first `count` matches (or always), each match with seeded `probability`. The control plane
(`/_simulator/...`) is never faulted.

Latency before a status or a drop delays that answer. Latency alone delays the real response: the
request is handled at once and its answer held back, as from a slow server rather than a slow network.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["FaultMiddleware", "FaultRule", "FaultRuleCreate", "FaultRules"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
_FRAMING = {"content-length", "transfer-encoding", "connection"}
#: statuses that carry no body (RFC 9110)
_NO_BODY = {204, 304}


class FaultRuleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route: str = Field(description="Shell-style path pattern, e.g. /api/v1/sdk_upload/*")
    methods: list[str] | None = Field(default=None, description="Only these methods; all when omitted")
    # A 1xx is no final answer: HTTP/1.1 cannot send it as one.
    status: int | None = Field(default=None, ge=200, le=599, description="Answer this status instead")
    body: Any = Field(default=None, description="JSON body sent with `status`")
    headers: dict[str, str] = Field(default_factory=dict)
    latency: float = Field(default=0.0, ge=0, description="Seconds of added latency, on the region's clock")
    drop: bool = Field(default=False, description="Close the connection without a complete response")
    count: int | None = Field(default=None, ge=1, description="Fire for this many matches, then retire")
    probability: float = Field(default=1.0, ge=0, le=1, description="Chance each match fires (seeded)")

    @field_validator("headers")
    @classmethod
    def _sendable(cls, headers: dict[str, str]) -> dict[str, str]:
        # What HTTP/1.1 can carry: a token for the name, latin-1 without line breaks for the value.
        # The body's framing stays the region's own, or the response would contradict itself.
        for name, value in headers.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name.")
            if not _FIELD_VALUE.fullmatch(value):
                raise ValueError(f"The value of {name!r} is not a valid header value.")
            if name.lower() in _FRAMING:
                raise ValueError(f"{name!r} is set by the region, not by a fault rule.")
        return headers

    @model_validator(mode="after")
    def _does_something(self) -> FaultRuleCreate:
        if self.status is None and not self.drop and self.latency == 0:
            raise ValueError("a fault rule needs a status, a latency or drop")
        return self


class FaultRule(FaultRuleCreate):
    id: str
    fired: int = 0
    matched: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return fnmatch.fnmatchcase(path, self.route)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


class FaultRules:
    """The region's active rules, in creation order. Control-plane state: a reset clears them."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.rules: list[FaultRule] = []

    def add(self, spec: FaultRuleCreate) -> FaultRule:
        rule = FaultRule(id=self.region.ctx.ids.prefixed("fault"), **spec.model_dump())
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, path: str) -> FaultRule | None:
        stream = self.region.ctx.randomness.stream("faults")
        for rule in self.rules:
            if rule.exhausted or not rule.matches(method, path):
                continue
            rule.matched += 1
            if rule.probability < 1.0 and not stream.chance(rule.probability):
                continue
            rule.fired += 1
            return rule
        return None


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


class FaultMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_simulator/"):
            await self.app(scope, receive, send)
            return
        region: Region = scope["app"].state.region
        rule = region.faults.pick(scope.get("method", "GET"), scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.status is None and not rule.drop:
            await self.app(scope, receive, _held_back(send, region, rule.latency))
            return
        if rule.latency:
            await region.ctx.clock.sleep(rule.latency)
        if rule.drop:
            # ASGI cannot abort a connection, but a response that starts and never finishes makes
            # uvicorn close the socket: the client sees the connection drop mid-response.
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]}
            )
            import httpx  # only a dropped response needs it; start-up does not

            raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.")
        body = json.dumps(rule.body if rule.body is not None else {"detail": "Injected fault."}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if rule.status in _NO_BODY:
            body, headers = b"", []
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rule.headers.items()]
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
