"""What the control plane takes and answers: the same pydantic shapes for its Python calls and its routes.

Stored records (records.py, webhooks/models.py, realtime/records.py) are what the region keeps; these are
what a caller sees of them. An endpoint is shown without its secret, as Svix shows it, except once at
creation; a message and a real-time delivery show their payload as JSON, not as the stored text.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.realtime.records import (
    DeliveryStatus,
    EndpointType,
    RealtimeDelivery,
    RealtimeSession,
)
from recall_sim.simulator.records import Quirks
from recall_sim.simulator.settings import ApiProfile
from recall_sim.simulator.settings import RegionName as RegionName
from recall_sim.simulator.webhooks.models import Destination, Endpoint, Message

__all__ = [
    "DeliveryOut",
    "EndpointCreate",
    "EndpointCreated",
    "EndpointOut",
    "EndpointUpdate",
    "MessageOut",
    "SessionOut",
    "WorkspaceCreate",
    "WorkspaceOut",
    "WorkspaceUpdate",
]


# --- workspaces ----------------------------------------------------------------------------------------


class WorkspaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "Workspace"
    region: RegionName | None = Field(
        default=None, description="Defaults to the region this simulator serves"
    )
    profile: ApiProfile | None = Field(
        default=None, description="`seed` (late-2024 API) or `current` (2026 API)"
    )
    api_key: str | None = Field(default=None, description="A fixed key; generated when omitted")
    webhook_secret: str | None = Field(
        default=None, description="A fixed whsec_ secret; generated when omitted"
    )
    quirks: Quirks = Field(default_factory=Quirks)


class WorkspaceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: ApiProfile | None = None
    quirks: Quirks | None = None


class WorkspaceOut(BaseModel):
    id: str
    name: str
    region: RegionName
    profile: ApiProfile
    api_keys: list[str]
    webhook_secret: str
    quirks: Quirks


# --- webhook endpoints and messages --------------------------------------------------------------------


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    workspace_id: str | None = Field(default=None, description="Defaults to the start-up workspace")
    filter_types: list[str] | None = Field(default=None, description="Event types to receive; all if null")
    secret: str | None = Field(
        default=None, description="A fixed whsec_ secret (seed profile only); generated when omitted"
    )
    description: str = ""
    disabled: bool = False


class EndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    description: str | None = None
    filter_types: list[str] | None = Field(default=None, description="null removes the filter")


class EndpointOut(BaseModel):
    """An endpoint as Svix shows it: no secret (read it with the secret call)."""

    id: str
    workspace_id: str
    url: str
    description: str
    filter_types: list[str] | None
    disabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: Endpoint) -> EndpointOut:
        return cls.model_validate(endpoint.model_dump(exclude={"secret", "retired_secrets"}))


class EndpointCreated(EndpointOut):
    """A new endpoint, with what its receiver needs to verify deliveries: Svix shows the secret once,
    at creation, and so does this call (read it again with the secret call)."""

    secret: str = Field(description="The whsec_ secret deliveries to this endpoint are signed with")
    headers: Literal["svix", "webhook"] = Field(
        description="The signature headers' prefix: `svix-*` (seed profile) or `webhook-*` (current)"
    )


class MessageOut(BaseModel):
    id: str
    workspace_id: str
    event_id: str
    event_type: str
    profile: str
    payload: Any
    created_at: datetime
    destinations: list[Destination]

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            **message.model_dump(exclude={"payload", "destinations"}),
            payload=json.loads(message.payload),
            destinations=list(message.destinations.values()),
        )


# --- real-time deliveries and sessions -----------------------------------------------------------------


class DeliveryOut(BaseModel):
    id: str
    recording_id: str
    endpoint_id: str
    endpoint_type: EndpointType
    url: str | None
    number: int
    event: str
    payload: Any
    status: DeliveryStatus
    attempts: int
    error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: RealtimeDelivery) -> DeliveryOut:
        fields = delivery.model_dump(exclude={"payload", "workspace_id"})
        return cls(**fields, payload=json.loads(delivery.payload))


class SessionOut(BaseModel):
    recording_id: str
    connected: bool
    ended: bool
    last_seq: int | None
    participant_events: int
    utterances: dict[str, Any]

    @classmethod
    def of(cls, session: RealtimeSession, connected: bool) -> SessionOut:
        return cls(
            recording_id=session.id,
            connected=connected,
            ended=session.ended,
            last_seq=session.last_seq,
            participant_events=session.participant_events,
            utterances={k: u.model_dump() for k, u in session.utterances.items()},
        )
