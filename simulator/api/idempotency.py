"""The `Idempotency-Key` step of the region's middleware (region_middleware.py), on POST, PATCH and PUT
that carry a key: reads the body, then plays the rules of simulator/idempotency.py (replay, 409 while
running, 400 for another request) around the route.

Stateless: the records live in the store, through `region.idempotency`. The route's work and the answer
it gets are one unit of work, and the answer goes out only once that is committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from recall_sim.simulator.api.caller import authenticated
from recall_sim.simulator.api.responses import error_response
from recall_sim.simulator.errors import ApiError
from recall_sim.simulator.idempotency import fingerprint
from recall_sim.simulator.records import IdempotencyRecord

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["Keyed", "applies"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_METHODS = {"POST", "PATCH", "PUT"}
_KEPT_HEADERS = {"content-type", "retry-after", "location"}


def applies(method: str, path: str) -> bool:
    """Whether a request may carry a key: a change (POST, PATCH, PUT) to Recall's API."""
    return method in _METHODS and path.startswith("/api/")


class Keyed:
    """The step for a request that carries a key: `await Keyed(app)(key, scope, receive, send)`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        region: Region = scope["app"].state.region
        try:
            workspace = authenticated(scope)
        except ApiError:
            await self.app(scope, receive, send)  # the route answers 401 itself
            return

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        same = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        keys = region.idempotency
        try:
            earlier = keys.earlier(workspace.id, key, same)
        except ApiError as refused:  # still running (409), or used for another request (400)
            await error_response(refused)(scope, receive, send)
            return
        if earlier is not None:
            await self._replay(earlier, send)
            return
        record = keys.begin(workspace.id, key, same)

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        answer: list[Message] = []

        async def hold(message: Message) -> None:
            answer.append(message)

        kept: IdempotencyRecord | None = None
        try:
            # The work and its answer land in one transaction: a region killed after the work is
            # committed has the answer to replay, and one killed before has neither. The routes under
            # a key work without waiting on anything, so nothing else runs inside this transaction.
            with region.ctx.unit_of_work():
                await self.app(scope, replay_receive, hold)
                status, kept_headers, content = _answer_of(answer)
                kept = keys.answered(record, status, kept_headers, content)
        except BaseException:
            keys.abandon(record)
            raise
        try:
            for message in answer:
                await send(message)
        finally:
            if kept is not None:
                keys.sent(kept)

    @staticmethod
    async def _replay(record: IdempotencyRecord, send: Send) -> None:
        body = (record.body or "").encode("utf-8")
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers.items()]
        headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": record.status_code or 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _answer_of(messages: list[Message]) -> tuple[int, dict[str, str], str]:
    """The status, the headers worth replaying, and the body of a response held as ASGI messages."""
    status = 500
    kept: dict[str, str] = {}
    chunks: list[bytes] = []
    for message in messages:
        if message["type"] == "http.response.start":
            status = message["status"]
            for raw_name, raw_value in message.get("headers", []):
                name = raw_name.decode("latin-1").lower()
                if name in _KEPT_HEADERS:
                    kept[name] = raw_value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
    return status, kept, b"".join(chunks).decode("utf-8", errors="replace")
