"""A partner's webhook endpoint, as Recall's docs tell one to behave: the `recall_webhooks` fixture, and
the one receiver the project's own tests, scenarios, reliability trials and benchmarks deliver to.

It verifies every delivery's signature with the official `svix` library: with `Webhook(secret).verify`
itself, as a partner's receiver does, when the region stamps signatures with the machine's time (served
regions, `signature_time="real"`); with svix's signer and the receiver's clock otherwise (svix's own
`verify` reads the machine's clock, which virtual time is not). It answers 401 to what it cannot
verify, and keeps each message once by its id, as Svix's at-least-once delivery requires. One ASGI app
serves in process (through the region's webhook transport, on virtual time) and on a real loopback port
(`scenarios.served.serve_app`).

What it answers is configurable, to watch Svix retry: `fail_next(n)` (an outage), `fail_every=n` (every
n-th attempt fails), `latency` (seconds before each answer), a script of answers (`then`, `always`:
a status, a redirect, a hang, a dropped connection). Without a secret it verifies nothing and records
every request. A sender that disconnects before the whole body arrived is counted as `interrupted`.
What it reads off and writes onto the wire (signatures, JSON bodies, ASGI messages, the undelivered
report) is in `scenarios.receiver_wire`; its names a partner's tests use are importable from here too.

    body = await recall_webhooks.wait_for("sdk_upload.complete")
    recall_webhooks.events()          # each message's event type once, in arrival order
    recall_webhooks.fail_next(2)      # the next two deliveries get a 503: watch Svix retry
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx
from svix.webhooks import Webhook, WebhookVerificationError

from recall_sim.scenarios.receiver_wire import (
    TIMESTAMP_TOLERANCE,
    Receive,
    Scope,
    Send,
    answer,
    json_object,
    lifespan,
    signed_by,
    undelivered_report,
    whole_body,
)
from recall_sim.seams import RealClock

__all__ = [
    "DROP",
    "OK",
    "REDIRECT",
    "THROTTLED",
    "TIMESTAMP_TOLERANCE",
    "WEBHOOK_PATH",
    "Behaviour",
    "Timekeeper",
    "WebhookDelivery",
    "WebhookReceiver",
    "hang",
    "json_object",
    "signed_by",
    "undelivered_report",
]

#: where the receiver listens
WEBHOOK_PATH = "/recall/webhook"
#: a receiver in a process of its own answers `GET /health` with 200 once it listens
HEALTH_PATH = "/health"


class Timekeeper(Protocol):
    """Whatever tells the receiver the time: a seams.Clock (the region's, in process), or a region in
    another process read over HTTP."""

    def timestamp(self) -> float: ...


@dataclass(frozen=True)
class Behaviour:
    """How the receiver answers one request: `ok` (its usual answer), `status` (that status), `redirect`
    (that status, to /elsewhere), `hang` (`seconds` before the usual answer), `drop` (the connection
    breaks before any answer)."""

    kind: Literal["ok", "status", "redirect", "hang", "drop"]
    status: int = 200
    seconds: float = 0.0


OK = Behaviour("ok")
REDIRECT = Behaviour("redirect", 302)
THROTTLED = Behaviour("status", 429)
DROP = Behaviour("drop")


def hang(seconds: float = 20.0) -> Behaviour:
    """Answer only after `seconds` (longer than Svix waits, by default)."""
    return Behaviour("hang", seconds=seconds)


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook request the receiver got, and what it answered (a row of Svix's attempts log)."""

    #: the receiver's clock when it arrived
    at: float
    msg_id: str
    event: str
    #: the request's JSON object ({} if it was none)
    body: Any
    #: whether its signature verified; None when not checked (the receiver has no secret, or the request
    #: was answered with a failure asked for)
    verified: bool | None
    #: a message already received (Svix retries until a 2xx reaches it)
    duplicate: bool
    status: int
    path: str = WEBHOOK_PATH
    #: the request's headers, names lower-case
    headers: dict[str, str] = field(default_factory=dict)
    #: the request's body as sent (what a signature covers)
    raw: bytes = b""
    #: answered by a failure asked for (`fail_next`, `fail_every`, a scripted answer), whatever it carried
    on_purpose: bool = False


class WebhookReceiver:
    """A webhook endpoint that verifies, dedupes and records, an ASGI app; mirrors a partner's receiver.

    `secret`: the endpoint's secret (or a function giving it, for an endpoint registered after the
    receiver starts); None verifies nothing. `clock`: the time deliveries are recorded (and verified, unless
    `machine_time`) at; the machine's by default. `path`: where it listens (None: any path). `status`: the
    answer to a verified delivery. `fail_every`: every n-th request is answered `fail_status`.
    `latency`: seconds before each answer. An empty secret refuses everything (a secret still to come)."""

    def __init__(
        self,
        clock: Timekeeper | None = None,
        secret: str | Callable[[], str] | None = None,
        url: str = "",
        *,
        machine_time: bool = False,
        path: str | None = WEBHOOK_PATH,
        status: int = 200,
        fail_every: int | None = None,
        fail_status: int = 500,
        latency: float = 0.0,
    ) -> None:
        self.clock: Timekeeper = clock if clock is not None else RealClock()
        #: signatures are stamped with the machine's time: verify with svix's own `verify`
        self.machine_time = machine_time
        self.secret = secret
        #: the URL registered as the region's endpoint
        self.url = url
        self.endpoint_id = ""
        self.path = path
        self.status = status
        self.fail_every = fail_every
        self.fail_status = fail_status
        self.latency = latency
        self.deliveries: list[WebhookDelivery] = []
        #: message id -> body of its first accepted delivery, in arrival order (`#n` for the n-th
        #: request when it carried no id)
        self.messages: dict[str, Any] = {}
        #: requests whose sender disconnected before the whole body arrived (no delivery, no forgery)
        self.interrupted = 0
        #: what the next requests get, in order; then `otherwise`
        self.script: list[Behaviour] = []
        self.otherwise = OK
        self._lock = threading.Condition()
        self._changed: asyncio.Event | None = None

    @property
    def app(self) -> WebhookReceiver:
        """The ASGI app (the receiver itself), to mount or serve."""
        return self

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into the receiver (a region's `webhook_transport`): no sockets."""
        return httpx.ASGITransport(app=self)

    # -- what it answers ---------------------------------------------------------------------------

    def fail_next(self, times: int = 1, status: int = 503) -> None:
        """Answer the next `times` deliveries with `status` (an outage): Svix retries them later."""
        self.then(Behaviour("status", status), times)

    def then(self, behaviour: Behaviour, times: int = 1) -> WebhookReceiver:
        """Answer the next `times` requests (after those already scripted) so."""
        with self._lock:
            self.script.extend([behaviour] * times)
        return self

    def fail(self, times: int, status: int = 500) -> WebhookReceiver:
        """Answer the next `times` requests with `status`."""
        return self.then(Behaviour("status", status), times)

    def always(self, behaviour: Behaviour) -> WebhookReceiver:
        """From now on answer every request so (the script is dropped)."""
        with self._lock:
            self.script.clear()
            self.otherwise = behaviour
        return self

    def recover(self) -> WebhookReceiver:
        """Back to the usual answers."""
        return self.always(OK)

    # -- receiving -------------------------------------------------------------------------------

    def _current_secret(self) -> str | None:
        return self.secret() if callable(self.secret) else self.secret

    def verified(self, headers: dict[str, str], body: bytes) -> bool:
        """Whether a request is signed by the endpoint's secret at a time close to now (the machine's, or
        the receiver's clock when the region signs with its own)."""
        secret = self._current_secret()
        if not secret:
            return False  # no secret yet (an endpoint not yet created): nothing verifies
        if not self.machine_time:
            return signed_by(secret, headers, body, self.clock.timestamp())
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["method"] == "GET" and scope["path"] == HEALTH_PATH:
            await answer(send, 200, b"ok")
            return
        if self.path is not None and scope["path"] != self.path:
            await answer(send, 404, b"Not Found")
            return
        if scope["method"] != "POST":
            await answer(send, 405, b"Method Not Allowed", [(b"allow", b"POST")])
            return
        body = await whole_body(receive)
        if body is None:
            # The sender went away mid-request (a process killed between writing the headers and the
            # body): no handler would see this request, so it is neither a delivery nor a forgery.
            with self._lock:
                self.interrupted += 1
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        behaviour, delivery = self._record(scope["path"], headers, body)
        if self._changed is not None:
            self._changed.set()
            self._changed = None
        wait = self.latency + (behaviour.seconds if behaviour.kind == "hang" else 0.0)
        if wait > 0:
            await asyncio.sleep(wait)
        if behaviour.kind == "drop":
            # As the simulator's own fault rules do: start a response and never finish it.
            raise httpx.RemoteProtocolError("Server disconnected without sending a complete response.")
        extra = [(b"location", b"/elsewhere")] if behaviour.kind == "redirect" else []
        if delivery.on_purpose:
            text = f"failing on purpose ({delivery.status})".encode()
        else:
            text = b"signature does not verify" if delivery.status == 401 else b"ok"
        await answer(send, delivery.status, text, extra)

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> tuple[Behaviour, WebhookDelivery]:
        msg_id = headers.get("svix-id") or headers.get("webhook-id") or ""
        payload = json_object(body)
        with self._lock:
            attempt = len(self.deliveries) + 1
            if self.script:
                behaviour = self.script.pop(0)
            elif self.fail_every and attempt % self.fail_every == 0:
                behaviour = Behaviour("status", self.fail_status)
            else:
                behaviour = self.otherwise
            on_purpose = behaviour.kind in ("status", "redirect")
            # A failure asked for is answered whatever the request carries: its signature is not read.
            verified = None if on_purpose or self.secret is None else self.verified(headers, body)
            if on_purpose:
                status = behaviour.status
            else:
                status = 401 if verified is False else self.status
            # A request without a message id (a real-time endpoint's, which Svix does not send) is a
            # message of its own.
            key = msg_id or f"#{attempt}"
            duplicate = key in self.messages
            delivery = WebhookDelivery(
                self.clock.timestamp(),
                msg_id,
                str(payload.get("event", "")),
                payload,
                verified,
                duplicate,
                status,
                path,
                headers,
                body,
                on_purpose,
            )
            self.deliveries.append(delivery)
            if 200 <= status < 300 and behaviour.kind != "drop" and not duplicate:
                self.messages[key] = payload
            self._lock.notify_all()
        return behaviour, delivery

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
        """Deliveries answered with something other than 2xx (unverified, or failed on purpose)."""
        with self._lock:
            return [d for d in self.deliveries if not 200 <= d.status < 300]

    def failed_on_purpose(self) -> int:
        """Requests answered with a failure asked for (`fail_next`, `fail_every`, a scripted answer)."""
        with self._lock:
            return sum(1 for d in self.deliveries if d.on_purpose)

    def bad_signatures(self) -> int:
        """Requests whose signature did not verify."""
        with self._lock:
            return sum(1 for d in self.deliveries if d.verified is False)

    def duplicates(self) -> int:
        """Accepted requests for a message already received (Svix delivers at least once)."""
        with self._lock:
            return sum(1 for d in self.deliveries if d.duplicate and 200 <= d.status < 300)

    def attempts_per_message(self) -> Counter[str]:
        """Message id -> requests for it, failed ones included (one per attempt the region made)."""
        with self._lock:
            return Counter(d.msg_id for d in self.deliveries)

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
