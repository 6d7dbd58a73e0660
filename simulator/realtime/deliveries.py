"""Delivering real-time events, in order, to each destination of a recording.

Destinations are the upload's `webhook` endpoints (an unsigned JSON POST of `{"event", "data"}`), its
`websocket` endpoints (the region connects and sends each event as a text frame), and the recorder
itself over its real-time connection (`{"type": "event", ...}`; the SDK hands these to its
`desktop_sdk_callback` listeners).

Each event for each destination is a stored delivery, numbered per destination, and sent by the durable
`realtime_send` job. Only a destination's oldest pending delivery is sent, so events arrive in the order
they happened; a failed attempt is retried `retry_interval` later, up to `retries` times (Recall: 60
retries, 1 s apart), after which the delivery is `failed` and the next one goes. Events for a recorder
that is not connected wait, in order, until it connects again. Sending runs as concurrent jobs, so a slow
endpoint holds up neither processing nor other endpoints.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.realtime.channels import RecorderChannels
from recall_sim.simulator.realtime.records import (
    DeliveryStatus,
    EndpointType,
    RealtimeDelivery,
    RealtimeSession,
)
from recall_sim.simulator.realtime.sockets import EndpointSockets
from recall_sim.simulator.records import Reader, RealtimeEndpoint, RecordingRecord, Repository
from recall_sim.simulator.scheduler import Job, Scheduler
from recall_sim.simulator.store import Collection
from recall_sim.simulator.webhooks.sender import send

if TYPE_CHECKING:
    import httpx  # annotations only: httpx loads when a request goes out

__all__ = ["RECORDER", "SEND_JOB", "Deliveries"]

SEND_JOB = "realtime_send"
#: the destination id of the recorder's own connection
RECORDER = "recorder"

_HEADERS = {"content-type": "application/json", "user-agent": "recall-sim-realtime/0.1"}


def _with_id(delivery: RealtimeDelivery) -> str:
    """The recorder's event frame, carrying the delivery id it acknowledges."""
    return json.dumps({**json.loads(delivery.payload), "id": delivery.id}, separators=(",", ":"))


class Deliveries:
    def __init__(
        self,
        ctx: Context,
        channels: RecorderChannels,
        sockets: EndpointSockets,
        webhook_transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.ctx = ctx
        self.channels = channels
        self.sockets = sockets
        self.webhook_transport = webhook_transport
        self._deliveries = Repository(ctx.store, Collection.REALTIME_DELIVERIES, RealtimeDelivery)
        self.records: Reader[RealtimeDelivery] = self._deliveries
        self.sessions = Reader(ctx.store, Collection.REALTIME_SESSIONS, RealtimeSession)
        self._in_flight: set[str] = set()

    def register(self, scheduler: Scheduler) -> None:
        scheduler.register(SEND_JOB, self.realtime_send, concurrent=True)

    # -- queueing (inside the caller's unit of work) ----------------------------------------------

    def _queue(self, recording_id: str, endpoint_id: str) -> list[RealtimeDelivery]:
        return self.records.find({"recording_id": recording_id, "endpoint_id": endpoint_id})

    def _head(self, recording_id: str, endpoint_id: str) -> RealtimeDelivery | None:
        pending = [d for d in self._queue(recording_id, endpoint_id) if d.status == "pending"]
        return min(pending, key=lambda d: d.number, default=None)

    def enqueue(
        self,
        recording: RecordingRecord,
        destination: RealtimeEndpoint | None,
        event: str,
        payload: str,
    ) -> RealtimeDelivery:
        """Queue `payload` for `destination` (None: the recorder). Part of the caller's unit of work."""
        endpoint_id = RECORDER if destination is None else destination.id
        endpoint_type: EndpointType = "desktop_sdk_callback" if destination is None else destination.type
        queue = self._queue(recording.id, endpoint_id)
        delivery = RealtimeDelivery(
            id=self.ctx.ids.prefixed("rtd"),
            recording_id=recording.id,
            workspace_id=recording.workspace_id,
            endpoint_id=endpoint_id,
            endpoint_type=endpoint_type,
            url=None if destination is None else destination.url,
            number=len(queue) + 1,
            event=event,
            payload=payload,
            created_at=self.ctx.now(),
        )
        self._deliveries.put(delivery)
        if not any(d.status == "pending" for d in queue):
            self.ctx.scheduler.schedule(SEND_JOB, {"delivery_id": delivery.id})
        return delivery

    def flush(self, recording_id: str) -> None:
        """The recorder connected: send what waited for it."""
        head = self._head(recording_id, RECORDER)
        if head is not None:
            with self.ctx.unit_of_work():
                self.ctx.scheduler.schedule(SEND_JOB, {"delivery_id": head.id})

    # -- sending ------------------------------------------------------------------------------------

    async def realtime_send(self, job: Job) -> None:
        """The `realtime_send` job handler: one attempt of a destination's oldest pending delivery."""
        delivery = self.records.get(job.payload["delivery_id"])
        if delivery is None or delivery.status != "pending" or delivery.id in self._in_flight:
            return
        head = self._head(delivery.recording_id, delivery.endpoint_id)
        if head is None or head.id != delivery.id:
            return  # the head's completion schedules this one
        self._in_flight.add(delivery.id)
        try:
            await self._attempt(delivery)
        finally:
            self._in_flight.discard(delivery.id)

    async def _attempt(self, delivery: RealtimeDelivery) -> None:
        if delivery.endpoint_type == "desktop_sdk_callback":
            if self._send_where_connected(delivery):
                return
            # The event stays pending until the recorder acknowledges it: one sent into a connection
            # that is dying goes again, with its id, when the recorder reconnects (it drops repeats).
            sent = await self.channels.send(delivery.recording_id, _with_id(delivery))
            if not sent and self.channels.connected(delivery.recording_id):
                self.flush(delivery.recording_id)  # it reconnected while this attempt failed
            return
        settings = self.ctx.settings.realtime
        error = await self._send(delivery, settings.timeout)
        attempts = delivery.attempts + 1
        if error is None:
            self._finish(delivery, "delivered", None, attempts)
        elif attempts > settings.retries:
            self._finish(delivery, "failed", error, attempts)
        else:
            with self.ctx.unit_of_work():
                self._deliveries.put(
                    delivery.model_copy(
                        update={"attempts": attempts, "error": error, "last_attempt_at": self.ctx.now()}
                    )
                )
                self.ctx.scheduler.schedule(
                    SEND_JOB, {"delivery_id": delivery.id}, delay=settings.retry_interval
                )
        if error is None or attempts > settings.retries:
            await self.close_idle(delivery.recording_id)

    def _send_where_connected(self, delivery: RealtimeDelivery) -> bool:
        """On a shared store the recorder may be connected to another process: hand the attempt to
        that process (a job only it leases). True if it was handed over."""
        if not self.ctx.store.shared or self.channels.connected(delivery.recording_id):
            return False
        holder = self.ctx.store.get_meta(f"realtime_channel:{delivery.recording_id}")
        if holder is None or holder == self.ctx.scheduler.holder:
            return False
        with self.ctx.unit_of_work():
            self.ctx.scheduler.schedule(SEND_JOB, {"delivery_id": delivery.id, "runs_on": holder})
        return True

    async def _send(self, delivery: RealtimeDelivery, timeout: float) -> str | None:
        if delivery.url is None:
            return "The endpoint has no url."
        if delivery.endpoint_type == "websocket":
            key = (delivery.recording_id, delivery.endpoint_id)
            return await self.sockets.send(key, delivery.url, delivery.payload, timeout)
        result = await send(
            self.ctx.clock, self.webhook_transport, delivery.url, _HEADERS, delivery.payload, timeout
        )
        if result.succeeded:
            return None
        return result.error or f"HTTP {result.status_code}"

    def _finish(
        self, delivery: RealtimeDelivery, status: DeliveryStatus, error: str | None, attempts: int
    ) -> None:
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            self._deliveries.put(
                delivery.model_copy(
                    update={
                        "status": status,
                        "error": error,
                        "attempts": attempts,
                        "last_attempt_at": now,
                        "delivered_at": now if status == "delivered" else None,
                    }
                )
            )
            following = self._head(delivery.recording_id, delivery.endpoint_id)
            if following is not None:
                self.ctx.scheduler.schedule(SEND_JOB, {"delivery_id": following.id})

    async def acknowledge(self, recording_id: str, delivery_id: str) -> None:
        """The recorder received event `delivery_id`: it is delivered, and the next one goes."""
        delivery = self.records.get(delivery_id)
        if delivery is None or delivery.recording_id != recording_id or delivery.endpoint_id != RECORDER:
            return
        if delivery.status == "pending":
            self._finish(delivery, "delivered", None, delivery.attempts + 1)
        await self.close_idle(recording_id)

    async def close_idle(self, recording_id: str) -> None:
        """Once the recorder has ended the stream and every event is out, close the recorder's
        connection (so it knows nothing more is coming) and the websocket endpoints' connections."""
        session = self.sessions.get(recording_id)
        if session is None or not session.ended or session.pending_emissions:
            return
        if self._head(recording_id, RECORDER) is None:
            await self.channels.close(recording_id)
        endpoints = {d.endpoint_id for d in self.records.find({"recording_id": recording_id})}
        for endpoint_id in endpoints - {RECORDER}:
            if self._head(recording_id, endpoint_id) is None:
                await self.sockets.close((recording_id, endpoint_id))
