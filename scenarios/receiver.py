"""A partner's webhook endpoint, as Recall's docs tell one to behave: the `recall_webhooks` fixture.

It verifies every delivery's signature with the official `svix` library: with `Webhook(secret).verify`
itself, as a partner's receiver does, when the region stamps signatures with the machine's time (served
regions, `signature_time="real"`); with svix's signer and the region's clock otherwise (svix's own
`verify` reads the machine's clock, which virtual time is not). It answers 401 to what it cannot
verify, and dedupes on the message id, as Svix's at-least-once delivery requires. The same Starlette
app serves in process (through the region's webhook transport, on virtual time) and on a real loopback
port for a served region.

    body = await recall_webhooks.wait_for("sdk_upload.complete")
    recall_webhooks.events()          # each message's event type once, in arrival order
    recall_webhooks.fail_next(2)      # the next two deliveries get a 503: watch Svix retry
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

from recall_sim.seams import Clock

__all__ = [
    "TIMESTAMP_TOLERANCE",
    "WEBHOOK_PATH",
    "WebhookDelivery",
    "WebhookReceiver",
    "json_object",
    "signed_by",
    "undelivered_report",
]

#: receivers reject timestamps further than this from their own clock (Svix's tolerance)
TIMESTAMP_TOLERANCE = 300.0
#: where the receiver listens
WEBHOOK_PATH = "/recall/webhook"


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


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook request the receiver got, and what it answered (a row of Svix's attempts log)."""

    #: the region's clock when it arrived
    at: float
    msg_id: str
    event: str
    body: Any
    verified: bool
    #: a message already received (Svix retries until a 2xx reaches it)
    duplicate: bool
    status: int


class WebhookReceiver:
    """A webhook endpoint that verifies, dedupes and records; mirrors a partner's receiver."""

    def __init__(
        self, clock: Clock, secret: Callable[[], str], url: str, *, machine_time: bool = False
    ) -> None:
        self.clock = clock
        #: signatures are stamped with the machine's time: verify with svix's own `verify`
        self.machine_time = machine_time
        self._secret = secret
        #: the URL registered as the region's endpoint
        self.url = url
        self.endpoint_id = ""
        self.deliveries: list[WebhookDelivery] = []
        #: message id -> body of its first verified delivery, in arrival order
        self.messages: dict[str, Any] = {}
        self._failures: list[int] = []
        self._lock = threading.Condition()
        self._changed: asyncio.Event | None = None
        self.app = Starlette(routes=[Route(WEBHOOK_PATH, self._handle, methods=["POST"])])

    # -- receiving -------------------------------------------------------------------------------

    def verified(self, headers: dict[str, str], body: bytes) -> bool:
        """Whether a request is signed by the endpoint's secret at a time close to now (the machine's, or
        the region's when the region signs with its own clock)."""
        if not self.machine_time:
            return signed_by(self._secret(), headers, body, self.clock.timestamp())
        try:
            Webhook(self._secret()).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        msg_id = headers.get("svix-id") or headers.get("webhook-id") or ""
        payload = json_object(body)
        event = str(payload.get("event", ""))
        verified = self.verified(headers, body)
        with self._lock:
            failing = self._failures.pop(0) if self._failures else None
            status = failing or (200 if verified else 401)
            duplicate = msg_id in self.messages
            self.deliveries.append(
                WebhookDelivery(self.clock.timestamp(), msg_id, event, payload, verified, duplicate, status)
            )
            if status == 200 and not duplicate:
                self.messages[msg_id] = payload
            self._lock.notify_all()
        if self._changed is not None:
            self._changed.set()
            self._changed = None
        return Response("ok" if status == 200 else "refused", status_code=status)

    def fail_next(self, times: int = 1, status: int = 503) -> None:
        """Answer the next `times` deliveries with `status` (an outage): Svix retries them later."""
        with self._lock:
            self._failures.extend([status] * times)

    # -- reading ---------------------------------------------------------------------------------

    def events(self) -> list[str]:
        """The event type of each message received, once each, in arrival order."""
        with self._lock:
            return [str(body.get("event", "")) for body in self.messages.values()]

    def bodies(self, event_type: str | None = None) -> list[Any]:
        """The bodies of the messages received (of `event_type` only, if given), in arrival order."""
        with self._lock:
            return [b for b in self.messages.values() if event_type is None or b.get("event") == event_type]

    def _first(self, event_type: str) -> Any:
        found = self.bodies(event_type)
        return found[0] if found else None

    def _missing(self, event_type: str, timeout: float, unit: str) -> AssertionError:
        return AssertionError(
            f"no verified {event_type!r} webhook within {timeout:g} s of {unit}; "
            f"received {self.events() or 'nothing'}"
            + (f" and refused {len(self.refused())} request(s)" if self.refused() else "")
        )

    def refused(self) -> list[WebhookDelivery]:
        """Deliveries answered with something other than 200 (unverified, or failed on purpose)."""
        with self._lock:
            return [d for d in self.deliveries if d.status != 200]

    async def wait_for(self, event_type: str, *, timeout: float = 3600.0) -> Any:
        """In process: the body of the first `event_type` message, waiting up to `timeout` seconds of
        region time (virtual: processing and retries run meanwhile, in no real time)."""

        async def arrival() -> Any:
            while (body := self._first(event_type)) is None:
                self._changed = self._changed or asyncio.Event()
                await self._changed.wait()
            return body

        try:
            return await asyncio.wait_for(arrival(), timeout)
        except TimeoutError:
            raise self._missing(event_type, timeout, "region time") from None

    def wait_for_blocking(self, event_type: str, *, timeout: float = 10.0) -> Any:
        """For a served region: the body of the first `event_type` message, waiting up to `timeout`
        real seconds."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._first(event_type) is not None, timeout):
                raise self._missing(event_type, timeout, "real time")
        return self._first(event_type)


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


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
