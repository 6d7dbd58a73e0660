"""Domain events -> webhook messages, shaped by the workspace's profile (contract sections 1 and 5).

One domain event becomes zero, one or two messages:

- `seed` workspaces (the late-2024 API) hear of an upload only when it ends: `sdk_upload.completed` or
  `sdk_upload.failed`, in the seed's flat shape `{"sdk_upload": {"id", "created_at", "recording_id",
  "status": {"code"}}}`. The upload's other steps send nothing.
- `current` workspaces get every `sdk_upload.*` step in the expanded shape `{"data": {code, sub_code,
  updated_at}, "recording", "sdk_upload"}`: `recording_started`, `recording_ended`, `complete`,
  `failed` (with `recording: null`), the deprecated `uploading` only with the `legacy_uploading_event`
  quirk, and with `duplicate_complete_alias` a second `sdk_upload.completed` after `complete`.
- Both profiles get `recording.*` and `<artifact>.*` in the expanded shape. SDK recordings have no bot,
  so `bot` is null. `recording.failed` also carries `data.data.error {code, message}`.

Bodies are serialised once, compactly, and stored: every attempt sends (and signs) the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from recall_sim.seams import isoformat
from recall_sim.simulator.backend.events import DomainEvent, Subject
from recall_sim.simulator.records import ARTIFACT_KINDS, Workspace

__all__ = ["EVENT_TYPES", "messages_for", "serialize"]

_RECORDING_CODES = ("processing", "paused", "done", "failed", "deleted")
_ARTIFACT_CODES = ("processing", "done", "failed", "deleted")
_UPLOAD_STEPS = ("recording_started", "recording_ended", "uploading")

#: every wire event type the region can send, the names endpoint filters choose from
EVENT_TYPES: tuple[str, ...] = (
    "sdk_upload.completed",
    "sdk_upload.complete",
    "sdk_upload.failed",
    *(f"sdk_upload.{step}" for step in _UPLOAD_STEPS),
    *(f"recording.{code}" for code in _RECORDING_CODES),
    *(f"{kind}.{code}" for kind in ARTIFACT_KINDS for code in _ARTIFACT_CODES),
)


def serialize(body: dict[str, Any]) -> str:
    """The exact bytes sent: compact JSON, as Svix re-serialises a message's payload."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _minimal(subject: Subject) -> dict[str, Any]:
    return {"id": subject.id, "metadata": dict(subject.metadata)}


def _status(event: DomainEvent, code: str | None = None) -> dict[str, Any]:
    return {
        "code": code or event.status.code,
        "sub_code": event.status.sub_code,
        "updated_at": isoformat(event.status.updated_at),
    }


def _timestamp(value: Any, fallback: datetime) -> str:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, str) and value:
        return isoformat(datetime.fromisoformat(value.replace("Z", "+00:00")))
    return isoformat(fallback)


def _recording_of(event: DomainEvent) -> Subject | None:
    if event.recording is not None:
        return event.recording
    recording_id = event.extra.get("recording_id")
    return Subject(id=recording_id) if recording_id else None


def _required(subject: Subject | None, what: str, event: DomainEvent) -> Subject:
    if subject is None:
        raise ValueError(f"event {event.id} ({event.type}) names no {what}")
    return subject


def _seed_upload(event: DomainEvent, wire_type: str, code: str) -> dict[str, Any]:
    upload = _required(event.sdk_upload, "sdk_upload", event)
    recording = _recording_of(event)
    return {
        "event": wire_type,
        "data": {
            "sdk_upload": {
                "id": upload.id,
                "created_at": _timestamp(event.extra.get("created_at"), event.occurred_at),
                # A failed upload produced no recording the partner could fetch.
                "recording_id": None if code == "failed" or recording is None else recording.id,
                "status": {"code": code},
            }
        },
    }


def _current_upload(event: DomainEvent, wire_type: str, code: str | None = None) -> dict[str, Any]:
    upload = _required(event.sdk_upload, "sdk_upload", event)
    recording = None if event.type == "sdk_upload.failed" else _recording_of(event)
    return {
        "event": wire_type,
        "data": {
            "data": _status(event, code),
            "recording": None if recording is None else _minimal(recording),
            "sdk_upload": _minimal(upload),
        },
    }


def _recording_error(event: DomainEvent) -> dict[str, str]:
    """`recording.failed` says why in machine and human form (`data.data.error`, required by Recall's
    catalog). The backend may put it in `extra["error"]`; otherwise it follows from the sub code."""
    given = event.extra.get("error")
    if isinstance(given, dict) and "code" in given and "message" in given:
        return {"code": str(given["code"]), "message": str(given["message"])}
    sub_code = event.status.sub_code or "internal_error"
    return {"code": sub_code.upper(), "message": f"Recording failed: {sub_code.replace('_', ' ')}."}


def _recording(event: DomainEvent) -> dict[str, Any]:
    recording = _required(_recording_of(event), "recording", event)
    status = _status(event)
    if event.type == "recording.failed":
        status["error"] = _recording_error(event)
    return {
        "event": event.type,
        "data": {"data": status, "recording": _minimal(recording), "bot": None},
    }


def _artifact(event: DomainEvent, kind: str) -> dict[str, Any]:
    artifact = _required(event.artifact, "artifact", event)
    recording = _required(_recording_of(event), "recording", event)
    return {
        "event": event.type,
        "data": {
            "data": _status(event),
            kind: _minimal(artifact),
            "recording": _minimal(recording),
            "bot": None,
        },
    }


def _sdk_upload_messages(event: DomainEvent, workspace: Workspace) -> list[dict[str, Any]]:
    step = event.type.removeprefix("sdk_upload.")
    if workspace.profile == "seed":
        if step == "complete":
            return [_seed_upload(event, "sdk_upload.completed", "complete")]
        if step == "failed":
            return [_seed_upload(event, "sdk_upload.failed", "failed")]
        return []
    if step == "complete":
        bodies = [_current_upload(event, "sdk_upload.complete")]
        if workspace.quirks.duplicate_complete_alias:
            # Observed live: the old name arrives too, as an alias carrying the same expanded body.
            bodies.append(_current_upload(event, "sdk_upload.completed"))
        return bodies
    if step == "failed":
        return [_current_upload(event, "sdk_upload.failed")]
    if step == "uploading" and not workspace.quirks.legacy_uploading_event:
        return []
    if step in _UPLOAD_STEPS:
        # These steps are not statuses of the upload: the event's suffix is the code.
        return [_current_upload(event, event.type, step)]
    raise ValueError(f"unknown sdk_upload event {event.type!r}")


def messages_for(event: DomainEvent, workspace: Workspace) -> list[tuple[str, str]]:
    """The (wire event type, body) messages `event` makes for `workspace`, in sending order."""
    prefix, _, code = event.type.partition(".")
    if prefix == "sdk_upload":
        bodies = _sdk_upload_messages(event, workspace)
    elif prefix == "recording" and code in _RECORDING_CODES:
        bodies = [_recording(event)]
    elif prefix in ARTIFACT_KINDS and code in _ARTIFACT_CODES:
        bodies = [_artifact(event, prefix)]
    else:
        raise ValueError(f"no webhook is defined for event type {event.type!r}")
    return [(str(body["event"]), serialize(body)) for body in bodies]
