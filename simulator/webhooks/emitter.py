"""The webhook emitter: turns the outbox's domain events into signed deliveries.

Job kinds it handles (both durable, in the `jobs` collection):

- `dispatch_event` (scheduled by `record_event` in the unit of work of the change): builds the event's
  messages for the workspace's profile, stores them in `webhook_messages` with one destination per
  endpoint whose filter admits the type, and schedules the first `webhook_attempt` of each. All of it in
  one unit of work, and skipped if the event already has messages, so a re-run after a crash sends
  nothing twice.
- `webhook_attempt` (delivery.py): one attempt, then the next one or the end.

An endpoint that is disabled when a message is made gets the message as `failed` without an attempt,
as Svix does: recovering the endpoint later resends what it missed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.events import DISPATCH_EVENT, DomainEvent
from recall_sim.simulator.records import Reader, Workspace
from recall_sim.simulator.scheduler import Job, Scheduler
from recall_sim.simulator.store import Collection
from recall_sim.simulator.webhooks.delivery import Delivery
from recall_sim.simulator.webhooks.endpoints import Endpoints
from recall_sim.simulator.webhooks.models import ATTEMPT_JOB, Destination, Message
from recall_sim.simulator.webhooks.payloads import messages_for

if TYPE_CHECKING:
    import httpx  # annotations only: httpx loads when a request goes out

__all__ = ["WebhookEmitter"]

log = logging.getLogger("recall_sim.webhooks")


class WebhookEmitter:
    """The region's webhook subsystem: endpoints, messages and their delivery."""

    def __init__(self, ctx: Context, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.ctx = ctx
        self.endpoints = Endpoints(ctx)
        self.delivery = Delivery(ctx, self.endpoints, transport)
        self.events = Reader(ctx.store, Collection.EVENTS, DomainEvent)
        self.workspaces = Reader(ctx.store, Collection.WORKSPACES, Workspace)
        self.messages = self.delivery.messages
        self.attempts = self.delivery.attempts

    def register(self, scheduler: Scheduler) -> None:
        scheduler.register(DISPATCH_EVENT, self.dispatch_event)
        scheduler.register(ATTEMPT_JOB, self.delivery.run_attempt, concurrent=True)

    async def dispatch_event(self, job: Job) -> None:
        """The `dispatch_event` job handler."""
        event = self.events.get(job.payload["event_id"])
        if event is None or self.messages.count({"event_id": event.id}):
            return
        workspace = self.workspaces.get(event.workspace_id)
        if workspace is None:
            return
        try:
            bodies = messages_for(event, workspace)
        except ValueError:
            # A malformed event is a bug upstream; retrying the job cannot fix it, so log and move on.
            log.exception("event %s (%s) cannot become a webhook", event.id, event.type)
            return
        with self.ctx.unit_of_work():
            for event_type, payload in bodies:
                self._emit(event, workspace, event_type, payload)

    def _emit(self, event: DomainEvent, workspace: Workspace, event_type: str, payload: str) -> Message:
        receivers = self.endpoints.receivers(workspace.id, event_type)
        message = Message(
            id=self.ctx.ids.message_id(),
            workspace_id=workspace.id,
            event_id=event.id,
            event_type=event_type,
            profile=workspace.profile,
            payload=payload,
            created_at=self.ctx.now(),
            destinations={
                e.id: Destination(endpoint_id=e.id, status="failed" if e.disabled else "pending")
                for e in receivers
            },
        )
        self.delivery.add_message(message)
        for endpoint in receivers:
            if not endpoint.disabled:
                self.delivery.schedule(message.id, endpoint.id, trigger="scheduled", number=1)
        return message
