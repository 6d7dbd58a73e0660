"""Delivery attempts as durable jobs: the retry schedule, giving up, disabling, resend and recover.

Each attempt is one `webhook_attempt` job in the store. Its handler signs the message anew (own
timestamp, every valid secret), POSTs it, and then, in one unit of work, logs the attempt, updates the
message's destination and the endpoint's failure window, and schedules the next attempt. A region killed
mid-attempt runs the job again after restart; the destination's attempt count makes a job that already
committed a no-op, so a retry is never doubled beyond Svix's own at-least-once.

Schedule (Svix's): after failed attempt n the next one waits `retry_schedule[n-1]` (5 s, 5 min, 30 min,
2 h, 5 h, 10 h, 10 h), jittered by a seeded ±20 %, and at least 60 s after a timeout or a 429. When the
last attempt fails the message has failed for that endpoint; if the endpoint has been failing for the
disable window (5 days) by then, it is disabled and receives nothing more until enabled. Any success
closes the window. A manual attempt (resend, recover) is one attempt: it never schedules retries.

The signature's timestamp is the machine's time when the attempt is sent (Svix's, and what a receiver's
`Webhook(secret).verify` compares with its own clock) unless `WebhookSettings.signature_time` says
`region`; everything the region schedules and logs (`started_at`, `finished_at`, the next attempt) stays
on the region's clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from recall_sim.seams import RealClock, machine_timestamp
from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import BadRequest, NotFound
from recall_sim.simulator.records import Reader, Repository
from recall_sim.simulator.scheduler import Job
from recall_sim.simulator.settings import SignatureTime, WebhookSettings
from recall_sim.simulator.store import Collection
from recall_sim.simulator.webhooks.endpoints import Endpoints
from recall_sim.simulator.webhooks.models import ATTEMPT_JOB, Attempt, Destination, Endpoint, Message, Trigger
from recall_sim.simulator.webhooks.sender import SendResult, send
from recall_sim.simulator.webhooks.signing import HeaderFamily, signed_headers

if TYPE_CHECKING:
    import httpx  # annotations only: httpx loads when a request goes out

__all__ = ["Delivery"]


class Delivery:
    def __init__(
        self, ctx: Context, endpoints: Endpoints, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self.ctx = ctx
        self.endpoints = endpoints
        self.transport = transport
        self._messages = Repository(ctx.store, Collection.WEBHOOK_MESSAGES, Message)
        self._attempts = Repository(ctx.store, Collection.WEBHOOK_ATTEMPTS, Attempt)
        self.messages: Reader[Message] = self._messages
        self.attempts: Reader[Attempt] = self._attempts

    def add_message(self, message: Message) -> Message:
        """A new message of an event, to be delivered. Part of the dispatching unit of work."""
        return self._messages.put(message)

    @property
    def settings(self) -> WebhookSettings:
        return self.ctx.settings.webhooks

    @property
    def signature_time(self) -> SignatureTime:
        """Which clock stamps signatures: as set, else `real` when the region runs on the machine's clock."""
        chosen = self.settings.signature_time
        if chosen is not None:
            return chosen
        return "real" if isinstance(self.ctx.clock, RealClock) else "region"

    def schedule(
        self,
        message_id: str,
        endpoint_id: str,
        *,
        trigger: Trigger,
        number: int | None = None,
        delay: float = 0.0,
    ) -> Job:
        """Store the job of one attempt. Call it inside the unit of work that decided on it."""
        payload: dict[str, object] = {
            "message_id": message_id,
            "endpoint_id": endpoint_id,
            "trigger": trigger,
        }
        if trigger == "scheduled":
            payload["attempt"] = number
        else:
            # Fixed now, so a manual attempt re-run after a crash finds its own log entry and stops.
            payload["attempt_id"] = self.ctx.ids.prefixed("atmpt")
        return self.ctx.scheduler.schedule(ATTEMPT_JOB, payload, delay=delay)

    def retry_delay(self, number: int, result: SendResult) -> float:
        """Seconds from failed attempt `number` to the next one."""
        delay = self.settings.retry_schedule[number - 1]
        jitter = self.settings.jitter
        if jitter:
            delay *= 1.0 + self.ctx.randomness.stream("jitter").uniform(-jitter, jitter)
        if result.throttled:
            # An overloaded receiver gets a breather, whatever the schedule says.
            delay = max(delay, self.settings.throttled_min_delay)
        return delay

    async def run_attempt(self, job: Job) -> None:
        """The `webhook_attempt` job handler."""
        message = self.messages.get(job.payload["message_id"])
        if message is None:
            return
        endpoint_id: str = job.payload["endpoint_id"]
        endpoint = self.endpoints.records.get(endpoint_id)
        trigger: Trigger = job.payload["trigger"]
        if trigger == "scheduled":
            destination = message.destinations.get(endpoint_id)
            number: int = job.payload["attempt"]
            if destination is None or destination.status != "pending" or destination.attempts >= number:
                return  # delivered by a resend meanwhile, given up, or this attempt already committed
            if endpoint is None or endpoint.disabled:
                self._give_up(message.id, endpoint_id)
                return
        elif endpoint is None or self.attempts.get(job.payload["attempt_id"]) is not None:
            return
        await self._attempt(message, endpoint, job)

    async def _attempt(self, message: Message, endpoint: Endpoint, job: Job) -> None:
        clock = self.ctx.clock
        secrets = self.endpoints.signing_secrets(endpoint, message.profile)
        family: HeaderFamily = "svix" if message.profile == "seed" else "webhook"
        started = clock.timestamp()
        signed_at = int(machine_timestamp() if self.signature_time == "real" else started)
        headers = signed_headers(family, secrets, message.id, signed_at, message.payload)
        result = await send(
            clock, self.transport, endpoint.url, headers, message.payload, self.settings.timeout
        )
        self._record(job, endpoint.url, headers, signed_at, started, clock.timestamp(), result)

    def _give_up(self, message_id: str, endpoint_id: str) -> None:
        with self.ctx.unit_of_work():
            message = self.messages.get(message_id)
            if message is None or endpoint_id not in message.destinations:
                return
            destination = message.destinations[endpoint_id]
            update = {"status": "failed", "next_attempt_at": None}
            destinations = {**message.destinations, endpoint_id: destination.model_copy(update=update)}
            self._messages.put(message.model_copy(update={"destinations": destinations}))

    def _record(
        self,
        job: Job,
        url: str,
        headers: dict[str, str],
        signed_at: int,
        started: float,
        finished: float,
        result: SendResult,
    ) -> None:
        """Everything an attempt changes, in one unit of work. Re-reads what it updates: other jobs or a
        control-plane call may have changed the message or the endpoint while the request was out."""
        message_id: str = job.payload["message_id"]
        endpoint_id: str = job.payload["endpoint_id"]
        trigger: Trigger = job.payload["trigger"]
        number: int | None = job.payload.get("attempt")
        started_at = _moment(started)
        finished_at = _moment(finished)
        with self.ctx.unit_of_work():
            # The message is read back as its stored document and only its destination is rebuilt: the
            # rest (payload and all) is written back as it was read, without a model of it made again.
            message = self.ctx.store.get(Collection.WEBHOOK_MESSAGES, message_id)
            if message is None:
                return
            stored = message["destinations"].get(endpoint_id)
            destination = (
                Destination(endpoint_id=endpoint_id, status="failed")
                if stored is None
                else Destination.model_validate(stored)
            )
            changes: dict[str, object] = {"last_attempt_at": finished_at}
            if trigger == "scheduled" or result.succeeded:
                # A failed manual attempt leaves a pending retry (and its time) as it was.
                changes["next_attempt_at"] = None
            next_at: datetime | None = None
            exhausted = False
            if result.succeeded:
                changes["status"] = "success"
            elif trigger == "scheduled":
                assert number is not None
                if number <= len(self.settings.retry_schedule):
                    delay = self.retry_delay(number, result)
                    next_at = finished_at + timedelta(seconds=delay)
                    changes["next_attempt_at"] = next_at
                    self.schedule(
                        message_id, endpoint_id, trigger="scheduled", number=number + 1, delay=delay
                    )
                else:
                    changes["status"] = "failed"
                    exhausted = True
            elif destination.status != "pending":
                changes["status"] = "failed"
            if trigger == "scheduled":
                changes["attempts"] = number
            updated = destination.model_copy(update=changes).model_dump(mode="json")
            message["destinations"] = {**message["destinations"], endpoint_id: updated}
            self.ctx.store.put(Collection.WEBHOOK_MESSAGES, message)
            self.endpoints.judge(endpoint_id, result.succeeded, started_at, finished_at, exhausted)
            attempt_id = job.payload.get("attempt_id") or self.ctx.ids.prefixed("atmpt")
            self._attempts.put(
                Attempt(
                    id=attempt_id,
                    message_id=message_id,
                    endpoint_id=endpoint_id,
                    workspace_id=message["workspace_id"],
                    event_type=message["event_type"],
                    url=url,
                    request_headers=headers,
                    trigger=trigger,
                    attempt_number=number,
                    outcome="success" if result.succeeded else "failed",
                    status_code=result.status_code,
                    response_body=result.response_body,
                    error=result.error,
                    signed_at=signed_at,
                    started_at=started_at,
                    finished_at=finished_at,
                    duration=finished - started,
                    next_attempt_at=next_at,
                )
            )

    # --- manual attempts -------------------------------------------------------------------------

    def _target(self, message_id: str, endpoint_id: str) -> tuple[Message, Endpoint]:
        message = self.messages.get(message_id)
        endpoint = self.endpoints.records.get(endpoint_id)
        if message is None or endpoint is None or endpoint.workspace_id != message.workspace_id:
            raise NotFound()
        if endpoint.disabled:
            raise BadRequest("Endpoint is disabled; enable it first.")
        return message, endpoint

    async def resend(self, message_id: str, endpoint_id: str) -> Attempt:
        """One manual attempt of a message to an endpoint, made now; no retries follow it."""
        message, endpoint = self._target(message_id, endpoint_id)
        with self.ctx.unit_of_work():
            if endpoint.id not in message.destinations:
                destination = Destination(endpoint_id=endpoint.id, status="failed")
                destinations = {**message.destinations, endpoint.id: destination}
                self._messages.put(message.model_copy(update={"destinations": destinations}))
            job = self.schedule(message.id, endpoint.id, trigger="manual")
        # Run through the scheduler like every other attempt, so the message is never updated by two
        # attempts at once; the call returns once this attempt is logged.
        await self.ctx.scheduler.run_due()
        await self.ctx.scheduler.wait_for(job.id)
        attempt = self.attempts.get(job.payload["attempt_id"])
        if attempt is None:
            raise RuntimeError(f"the resend of {message_id} to {endpoint_id} did not run")
        return attempt

    def recover(self, endpoint_id: str, since: datetime, until: datetime | None = None) -> list[str]:
        """Resend (manually, once each) every message that failed for the endpoint, created in
        [since, until). Returns their ids; the attempts run in the background, oldest first."""
        endpoint = self.endpoints.get_endpoint(endpoint_id)
        if endpoint.disabled:
            raise BadRequest("Endpoint is disabled; enable it first.")
        chosen = [
            m
            for m in self.messages.find({"workspace_id": endpoint.workspace_id})
            if m.created_at >= since
            and (until is None or m.created_at < until)
            and (d := m.destinations.get(endpoint_id)) is not None
            and d.status == "failed"
        ]
        with self.ctx.unit_of_work():
            for message in chosen:
                self.schedule(message.id, endpoint_id, trigger="manual")
        return [m.id for m in chosen]


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)
