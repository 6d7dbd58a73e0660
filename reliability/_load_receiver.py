"""The load test's webhook receiver: a loopback ASGI app that answers 500 to every third attempt (so a
third of all deliveries need a retry), verifies every other one with the `svix` library and keeps each
message once by its id."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from svix.webhooks import Webhook, WebhookVerificationError

__all__ = ["FlakyReceiver"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


class FlakyReceiver:
    def __init__(self, secret: str, fail_every: int = 3) -> None:
        self.verifier = Webhook(secret)
        self.fail_every = fail_every
        self.attempts = 0
        self.failures_answered = 0
        self.bad_signatures = 0
        #: requests whose sender disconnected before the whole body arrived
        self.interrupted = 0
        #: message id -> (event type, body), the first verified delivery of each
        self.messages: dict[str, tuple[str, dict[str, Any]]] = {}
        self.duplicates = 0
        #: message id -> every request for it, failed ones included (one per attempt made)
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                # The sender went away mid-request (a process killed between writing the headers and
                # the body): no handler would see this request, so it is neither a delivery nor a forgery.
                with self._lock:
                    self.interrupted += 1
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        status = self._answer(headers, body)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.attempts += 1
            self.requests[headers.get("svix-id") or headers.get("webhook-id") or ""] += 1
            if self.attempts % self.fail_every == 0:
                self.failures_answered += 1
                return 500
        try:
            self.verifier.verify(body, headers)
        except WebhookVerificationError:
            with self._lock:
                self.bad_signatures += 1
            return 401
        message_id = headers.get("svix-id") or headers.get("webhook-id") or ""
        parsed = json.loads(body)
        with self._lock:
            if message_id in self.messages:
                self.duplicates += 1
            else:
                self.messages[message_id] = (str(parsed.get("event")), parsed)
        return 204
