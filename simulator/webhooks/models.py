"""What the webhook emitter stores: endpoints, messages (one per event and wire type), attempts.

Collections (simulator/store/base.py): `webhook_endpoints`, `webhook_messages`, `webhook_attempts`, and
`webhook_workspace_secrets` for the rotated-out secrets of a `current` workspace's one signing secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.records import Record
from recall_sim.simulator.settings import ApiProfile

__all__ = [
    "ATTEMPT_JOB",
    "Attempt",
    "Destination",
    "DestinationStatus",
    "Endpoint",
    "Message",
    "Outcome",
    "RetiredSecret",
    "Trigger",
    "WorkspaceSecrets",
]

#: the durable job that makes one delivery attempt of one message to one endpoint
ATTEMPT_JOB = "webhook_attempt"

#: where one message stands with one endpoint: retries still coming, delivered, or given up
DestinationStatus = Literal["pending", "success", "failed"]
#: `scheduled` attempts follow the retry schedule; `manual` ones are resends and recoveries
Trigger = Literal["scheduled", "manual"]
Outcome = Literal["success", "failed"]


class RetiredSecret(BaseModel):
    """A rotated-out secret: receivers that have not switched yet still verify until `expires_at`."""

    model_config = ConfigDict(extra="forbid")

    secret: str
    expires_at: datetime


class Endpoint(Record):
    workspace_id: str
    url: str
    description: str = ""
    #: wire event types this endpoint receives; None receives every event
    filter_types: list[str] | None = None
    #: signs this endpoint's messages in the `seed` profile (one secret per endpoint there)
    secret: str
    retired_secrets: list[RetiredSecret] = Field(default_factory=list)
    disabled: bool = False
    #: `manual` through the control plane, `failing` after failing for the disable window
    disabled_reason: Literal["manual", "failing"] | None = None
    #: the first failed attempt since the last success; any success clears it
    failing_since: datetime | None = None
    created_at: datetime
    updated_at: datetime


class WorkspaceSecrets(Record):
    """`id` is the workspace's id. The current secret itself is `Workspace.webhook_secret`."""

    retired_secrets: list[RetiredSecret] = Field(default_factory=list)


class Destination(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint_id: str
    status: DestinationStatus
    #: scheduled attempts made so far (manual ones are not counted: they schedule nothing)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_attempt_at: datetime | None = None


class Message(Record):
    """`id` is the `msg_...` id every attempt carries, so receivers can dedupe on it."""

    workspace_id: str
    #: the domain event (outbox entry) this message was made from
    event_id: str
    event_type: str
    #: the workspace's profile when the message was made: it fixes the header family and the secret
    profile: ApiProfile
    #: the exact body every attempt sends, byte for byte
    payload: str
    created_at: datetime
    destinations: dict[str, Destination] = Field(default_factory=dict)


class Attempt(Record):
    message_id: str
    endpoint_id: str
    workspace_id: str
    event_type: str
    url: str
    #: the headers the attempt was sent with, signatures included (the secrets valid when it was signed)
    request_headers: dict[str, str] = Field(default_factory=dict)
    trigger: Trigger
    #: 1-based position in the retry schedule; None for manual attempts
    attempt_number: int | None = None
    outcome: Outcome
    status_code: int | None = None
    #: the first KiB of the response body
    response_body: str = ""
    #: why there was no usable response: a timeout, a refused or dropped connection
    error: str | None = None
    #: the `*-timestamp` header this attempt was signed with (the machine's time, unless the region signs
    #: with its own clock: `WebhookSettings.signature_time`)
    signed_at: int
    started_at: datetime
    finished_at: datetime
    #: seconds on the region's clock
    duration: float
    #: when the next scheduled attempt is due, if this one failed and retries remain
    next_attempt_at: datetime | None = None
