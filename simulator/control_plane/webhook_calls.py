"""The control plane's webhook calls, `ControlPlane(region).webhooks` (over HTTP: `/_simulator/webhooks/`).

Endpoints (create, list, read, update, delete, enable, disable, secret and its rotation), messages and
their attempts with filters, resend, recover and trigger: each a call on the webhook service the region
holds, answered in the shapes of shapes.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from recall_sim.simulator.control_plane.shapes import (
    EndpointCreate,
    EndpointCreated,
    EndpointOut,
    EndpointUpdate,
    MessageOut,
)
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.webhooks.models import Attempt, DestinationStatus, Endpoint, Outcome
from recall_sim.simulator.webhooks.trigger import TriggerOut, TriggerRequest, trigger

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["WebhookCalls"]


def _header_family(profile: str) -> Literal["svix", "webhook"]:
    """The prefix of the signature headers a profile's receivers see (`svix-id` or `webhook-id`, ...)."""
    return "svix" if profile == "seed" else "webhook"


def _aware(moment: datetime) -> datetime:
    """Times without an offset are UTC, as everywhere in Recall's API."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class WebhookCalls:
    def __init__(self, region: Region) -> None:
        self.region = region

    def _workspace_id(self, workspace_id: str | None) -> str:
        return workspace_id or self.region.default_workspace.id

    # --- endpoints ---------------------------------------------------------------------------------

    def create_endpoint(self, spec: EndpointCreate) -> EndpointCreated:
        endpoint = self.region.webhooks.endpoints.create_endpoint(
            self._workspace_id(spec.workspace_id),
            spec.url,
            filter_types=spec.filter_types,
            secret=spec.secret,
            description=spec.description,
            disabled=spec.disabled,
        )
        profile = self.region.webhooks.endpoints.workspace(endpoint.workspace_id).profile
        return EndpointCreated(
            **EndpointOut.of(endpoint).model_dump(),
            secret=self.endpoint_secret(endpoint.id),
            headers=_header_family(profile),
        )

    def trigger(self, spec: TriggerRequest) -> TriggerOut:
        """Send one webhook of `spec.event_type` about real resources (simulator/webhooks/trigger.py)."""
        return trigger(self.region, spec)

    def ensure_endpoint(
        self, url: str, secret: str | None = None, workspace_id: str | None = None
    ) -> Endpoint:
        """The workspace's endpoint for `url`, created if missing (so a restarted `serve --webhook-url`
        adds nothing). A given secret signs from now on: set on a new `seed` endpoint, rotated in
        otherwise (a `current` workspace's one secret included)."""
        endpoints = self.region.webhooks.endpoints
        workspace = endpoints.workspace(self._workspace_id(workspace_id))
        existing = next((e for e in endpoints.list_endpoints(workspace.id) if e.url == url), None)
        if existing is None:
            endpoint: Endpoint = endpoints.create_endpoint(
                workspace.id, url, secret=secret if workspace.profile == "seed" else None
            )
        else:
            endpoint = existing
        if secret is not None and endpoints.signing_secret(endpoint, workspace.profile) != secret:
            self.rotate_endpoint_secret(endpoint.id, secret)
        return endpoints.get_endpoint(endpoint.id)

    def list_endpoints(self, workspace_id: str | None = None) -> list[EndpointOut]:
        return [EndpointOut.of(e) for e in self.region.webhooks.endpoints.list_endpoints(workspace_id)]

    def get_endpoint(self, endpoint_id: str) -> EndpointOut:
        return EndpointOut.of(self.region.webhooks.endpoints.get_endpoint(endpoint_id))

    def update_endpoint(self, endpoint_id: str, spec: EndpointUpdate) -> EndpointOut:
        changes: dict[str, Any] = spec.model_dump(exclude_unset=True)
        endpoint = self.region.webhooks.endpoints.update_endpoint(endpoint_id, **changes)
        return EndpointOut.of(endpoint)

    def delete_endpoint(self, endpoint_id: str) -> None:
        self.region.webhooks.endpoints.delete_endpoint(endpoint_id)

    def enable_endpoint(self, endpoint_id: str) -> EndpointOut:
        return EndpointOut.of(self.region.webhooks.endpoints.set_disabled(endpoint_id, False))

    def disable_endpoint(self, endpoint_id: str) -> EndpointOut:
        return EndpointOut.of(self.region.webhooks.endpoints.set_disabled(endpoint_id, True))

    def endpoint_secret(self, endpoint_id: str) -> str:
        """The secret receivers of this endpoint verify with (the workspace's, for `current`)."""
        endpoints = self.region.webhooks.endpoints
        endpoint = endpoints.get_endpoint(endpoint_id)
        return endpoints.signing_secret(endpoint, endpoints.workspace(endpoint.workspace_id).profile)

    def rotate_endpoint_secret(self, endpoint_id: str, key: str | None = None) -> str:
        """Rotate the secret that signs the endpoint: its own (seed), or its workspace's (current)."""
        secret = self.region.webhooks.endpoints.rotate_endpoint_secret(endpoint_id, key)
        return secret

    def rotate_workspace_secret(self, workspace_id: str, key: str | None = None) -> str:
        secret = self.region.webhooks.endpoints.rotate_workspace_secret(workspace_id, key)
        return secret

    # --- messages and attempts ---------------------------------------------------------------------

    def destination_counts(self) -> dict[str, int]:
        """How many (message, endpoint) deliveries stand `pending`, `success` or `failed`, by status."""
        counts: Counter[str] = Counter()
        for message in self.region.webhooks.messages.find():
            for destination in message.destinations.values():
                counts[destination.status] += 1
        return dict(sorted(counts.items()))

    def list_messages(
        self,
        workspace_id: str | None = None,
        *,
        event_type: str | None = None,
        status: DestinationStatus | None = None,
        endpoint_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[MessageOut]:
        """Messages oldest first. `status` keeps those with a destination in that state (the given
        endpoint's, with `endpoint_id`)."""
        where = None if workspace_id is None else {"workspace_id": workspace_id}
        found: list[MessageOut] = []
        for message in self.region.webhooks.messages.find(where):
            if event_type is not None and message.event_type != event_type:
                continue
            if since is not None and message.created_at < _aware(since):
                continue
            if until is not None and message.created_at >= _aware(until):
                continue
            destinations = list(message.destinations.values())
            if endpoint_id is not None:
                destinations = [d for d in destinations if d.endpoint_id == endpoint_id]
                if not destinations:
                    continue
            if status is not None and all(d.status != status for d in destinations):
                continue
            found.append(MessageOut.of(message))
        return found

    def get_message(self, message_id: str) -> MessageOut:
        message = self.region.webhooks.messages.get(message_id)
        if message is None:
            raise NotFound()
        return MessageOut.of(message)

    def list_attempts(
        self,
        *,
        message_id: str | None = None,
        endpoint_id: str | None = None,
        status: Outcome | None = None,
        event_type: str | None = None,
    ) -> list[Attempt]:
        """Attempts oldest first, of one message, of one endpoint, or both."""
        where = {k: v for k, v in (("message_id", message_id), ("endpoint_id", endpoint_id)) if v is not None}
        return [
            a
            for a in self.region.webhooks.attempts.find(where or None)
            if (status is None or a.outcome == status) and (event_type is None or a.event_type == event_type)
        ]

    def endpoint_attempts(
        self, endpoint_id: str, *, status: Outcome | None = None, event_type: str | None = None
    ) -> list[Attempt]:
        """The endpoint's attempts, oldest first; an unknown (or deleted) endpoint is NotFound."""
        self.get_endpoint(endpoint_id)
        return self.list_attempts(endpoint_id=endpoint_id, status=status, event_type=event_type)

    def message_attempts(
        self, message_id: str, *, endpoint_id: str | None = None, status: Outcome | None = None
    ) -> list[Attempt]:
        """The message's attempts, oldest first; an unknown message is NotFound."""
        self.get_message(message_id)
        return self.list_attempts(message_id=message_id, endpoint_id=endpoint_id, status=status)

    async def resend(self, message_id: str, endpoint_id: str) -> Attempt:
        """One attempt of the message to the endpoint, now, with no retries after it."""
        return await self.region.webhooks.delivery.resend(message_id, endpoint_id)

    def recover(self, endpoint_id: str, since: datetime, until: datetime | None = None) -> list[str]:
        """Resend every message that failed for the endpoint since `since`; returns their ids."""
        return self.region.webhooks.delivery.recover(
            endpoint_id, _aware(since), None if until is None else _aware(until)
        )
