"""`Idempotency-Key` on POST, PATCH and PUT.

A repeat of a key within the replay window gets the first response again without the work being done
again; a repeat while the first request is still running gets 409; a key reused for a different
request gets 400. Keys are scoped to the workspace and kept in the store, so they survive a restart.

The first answer is stored in the same transaction as the work it answers, and sent only once that
transaction is committed. So a region killed at any moment either did the work and can replay its
answer, or did neither: a retry after the restart never does the work twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers

from recall_sim.simulator.api.responses import error_response
from recall_sim.simulator.errors import ApiError, BadRequest, Conflict
from recall_sim.simulator.records import IdempotencyRecord

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["IdempotencyMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_METHODS = {"POST", "PATCH", "PUT"}
_KEPT_HEADERS = {"content-type", "retry-after", "location"}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _METHODS
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        region: Region = scope["app"].state.region
        try:
            workspace = region.workspaces.authenticate(headers.get("authorization"))
        except ApiError:
            await self.app(scope, receive, send)  # the route answers 401 itself
            return

        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        fingerprint = hashlib.sha256(
            b"\x00".join(
                [scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), body]
            )
        ).hexdigest()

        ctx = region.ctx
        records = region.idempotency
        record_id = f"{workspace.id}:{key}"
        now = ctx.now()
        existing = records.get(record_id)
        if (
            existing is not None
            and existing.created_at + timedelta(seconds=ctx.settings.idempotency_ttl) > now
        ):
            if existing.state == "running":
                await error_response(Conflict())(scope, receive, send)
                return
            if existing.fingerprint != fingerprint:
                error = BadRequest("This Idempotency-Key was already used with a different request.")
                await error_response(error)(scope, receive, send)
                return
            await self._replay(existing, send)
            return

        record = records.begin(workspace.id, key, fingerprint)

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

        kept = False
        try:
            # The work and its answer land in one transaction: a region killed after the work is
            # committed has the answer to replay, and one killed before has neither. The routes under
            # a key work without waiting on anything, so nothing else runs inside this transaction.
            with ctx.unit_of_work():
                await self.app(scope, replay_receive, hold)
                status, kept_headers, content = _answer_of(answer)
                if status == 429 or status >= 500:
                    # Not executed (throttled) or failed on our side: the client may try again for real.
                    records.release(record_id)
                else:
                    kept = True
                    # Still "running" (a repeat hears 409) until the answer has gone out.
                    record = records.answer(record, status, content, kept_headers)
        except BaseException:
            with ctx.unit_of_work():
                records.release(record_id)
            raise
        try:
            for message in answer:
                await send(message)
        finally:
            if kept:
                records.finish(record)

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
