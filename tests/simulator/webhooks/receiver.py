"""A webhook receiver for tests: records every request and misbehaves on command.

In-process (`receiver.transport()`, an ASGI transport: no sockets, virtual time) or served by uvicorn on
a loopback port (`served_receiver`) for the tests that need real HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from recall_sim.scenarios.served import serve_app
from recall_sim.seams import Clock

Kind = Literal["ok", "status", "redirect", "hang", "drop"]


@dataclass(frozen=True)
class Behaviour:
    kind: Kind
    status: int = 200
    seconds: float = 0.0


OK = Behaviour("ok")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    #: the receiver's clock when the request arrived (the machine's monotonic clock if none was given)
    at: float

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def msg_id(self) -> str:
        return self.headers.get("svix-id") or self.headers["webhook-id"]


@dataclass
class Receiver:
    clock: Clock | None = None
    requests: list[Received] = field(default_factory=list)
    #: what the next requests get, in order; then `otherwise`
    script: list[Behaviour] = field(default_factory=list)
    otherwise: Behaviour = OK

    def then(self, behaviour: Behaviour, times: int = 1) -> Receiver:
        self.script.extend([behaviour] * times)
        return self

    def fail(self, times: int, status: int = 500) -> Receiver:
        return self.then(Behaviour("status", status), times)

    def always(self, behaviour: Behaviour) -> Receiver:
        self.script.clear()
        self.otherwise = behaviour
        return self

    def recover(self) -> Receiver:
        return self.always(OK)

    def bodies(self) -> list[Any]:
        return [r.json() for r in self.requests]

    def _now(self) -> float:
        return self.clock.timestamp() if self.clock is not None else time.monotonic()

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        self.requests.append(Received(request.url.path, dict(request.headers), body, self._now()))
        behaviour = self.script.pop(0) if self.script else self.otherwise
        if behaviour.kind == "status":
            return Response(f"failing on purpose ({behaviour.status})", status_code=behaviour.status)
        if behaviour.kind == "redirect":
            return Response(status_code=behaviour.status, headers={"location": "/elsewhere"})
        if behaviour.kind == "hang":
            await asyncio.sleep(behaviour.seconds)
        if behaviour.kind == "drop":
            # As the simulator's own fault rules do: start a response and never finish it.
            raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.")
        return Response("ok", status_code=200)

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.app)


REDIRECT = Behaviour("redirect", 302)
THROTTLED = Behaviour("status", 429)
DROP = Behaviour("drop")


def hang(seconds: float = 20.0) -> Behaviour:
    return Behaviour("hang", seconds=seconds)


@contextlib.contextmanager
def served_receiver(receiver: Receiver) -> Iterator[str]:
    """`receiver` on a free loopback port, on a background thread; yields its base URL."""
    with serve_app(receiver.app) as url:
        yield url
