"""The outbox: every status change is recorded as a domain event in the same unit of work as the change.

The webhook emitter turns these into messages shaped for the workspace's profile; tests and the control
plane read them to see exactly what happened, in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.records import Record, Repository, Status
from recall_sim.simulator.store import Collection

__all__ = [
    "DISPATCH_EVENT",
    "RECORDING_DELETED",
    "RECORDING_DONE",
    "RECORDING_FAILED",
    "RECORDING_PAUSED",
    "RECORDING_PROCESSING",
    "SDK_UPLOAD_COMPLETE",
    "SDK_UPLOAD_FAILED",
    "SDK_UPLOAD_RECORDING_ENDED",
    "SDK_UPLOAD_RECORDING_STARTED",
    "SDK_UPLOAD_UPLOADING",
    "TRANSCRIPT_PROCESSING",
    "DomainEvent",
    "Subject",
    "artifact_event",
    "record_event",
]

#: the job that hands a recorded event to the webhook emitter
DISPATCH_EVENT = "dispatch_event"

# The domain events' names (webhooks/payloads.py turns them into each profile's wire types). They live
# here, below the webhook package, because every writer of a status records its event.
SDK_UPLOAD_RECORDING_STARTED: Final = "sdk_upload.recording_started"
SDK_UPLOAD_RECORDING_ENDED: Final = "sdk_upload.recording_ended"
SDK_UPLOAD_UPLOADING: Final = "sdk_upload.uploading"
SDK_UPLOAD_COMPLETE: Final = "sdk_upload.complete"
SDK_UPLOAD_FAILED: Final = "sdk_upload.failed"
RECORDING_PROCESSING: Final = "recording.processing"
RECORDING_PAUSED: Final = "recording.paused"
RECORDING_DONE: Final = "recording.done"
RECORDING_FAILED: Final = "recording.failed"
RECORDING_DELETED: Final = "recording.deleted"
TRANSCRIPT_PROCESSING: Final = "transcript.processing"


def artifact_event(kind: str, code: str) -> str:
    """An artifact's event, e.g. `video_mixed.done`, `transcript.failed`."""
    return f"{kind}.{code}"


class Subject(BaseModel):
    """A resource an event is about, as webhooks name it: its id and metadata."""

    model_config = ConfigDict(extra="forbid")

    id: str
    metadata: dict[str, str | None] = {}


class DomainEvent(Record):
    workspace_id: str
    #: the event's canonical name, e.g. `recording.done`, `sdk_upload.complete`, `video_mixed.processing`
    type: str
    occurred_at: datetime
    status: Status
    recording: Subject | None = None
    sdk_upload: Subject | None = None
    #: for artifact events: the artifact (its kind is the event's prefix)
    artifact: Subject | None = None
    #: sdk_upload events of the seed profile carry the upload's creation time and recording id
    extra: dict[str, Any] = {}


def record_event(
    ctx: Context,
    workspace_id: str,
    event_type: str,
    status: Status,
    *,
    recording: Subject | None = None,
    sdk_upload: Subject | None = None,
    artifact: Subject | None = None,
    extra: dict[str, Any] | None = None,
) -> DomainEvent:
    number = ctx.store.increment("event_seq")
    event = DomainEvent(
        id=f"evt_{number:08d}",
        workspace_id=workspace_id,
        type=event_type,
        occurred_at=status.updated_at,
        status=status,
        recording=recording,
        sdk_upload=sdk_upload,
        artifact=artifact,
        extra=extra or {},
    )
    Repository(ctx.store, Collection.EVENTS, DomainEvent).put(event)
    # Delivery is the webhook emitter's business, as its own durable job: the change that caused the
    # event commits without waiting for any receiver.
    ctx.scheduler.schedule(DISPATCH_EVENT, {"event_id": event.id})
    return event
