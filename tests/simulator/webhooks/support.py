"""Shared helpers of the webhook tests: realistic domain events, and the reference catalog's schemas."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import jsonschema

from recall_sim.seams import isoformat
from recall_sim.simulator import Region
from recall_sim.simulator.backend.events import DomainEvent, Subject, record_event
from recall_sim.simulator.records import ARTIFACT_KINDS, Status
from recall_sim.simulator.reference import webhooks as catalog

#: what a normal upload emits, in the contract's order (section 5)
LIFECYCLE = (
    "sdk_upload.recording_started",
    "sdk_upload.recording_ended",
    "recording.processing",
    "video_mixed.processing",
    "participant_events.processing",
    "meeting_metadata.processing",
    "video_mixed.done",
    "participant_events.done",
    "meeting_metadata.done",
    "recording.done",
    "sdk_upload.complete",
)

#: every canonical domain event type the backend records
DOMAIN_EVENT_TYPES = (
    "sdk_upload.recording_started",
    "sdk_upload.recording_ended",
    "sdk_upload.uploading",
    "sdk_upload.complete",
    "sdk_upload.failed",
    *(f"recording.{c}" for c in ("processing", "paused", "done", "failed", "deleted")),
    *(f"{k}.{c}" for k in ARTIFACT_KINDS for c in ("processing", "done", "failed", "deleted")),
)


@dataclass
class Upload:
    """The subjects of one SDK upload's events, with ids drawn as the backend draws them."""

    workspace_id: str
    sdk_upload: Subject
    recording: Subject
    created_at: datetime
    artifacts: dict[str, Subject]


def new_upload(region: Region, workspace_id: str | None = None) -> Upload:
    ids = region.ctx.ids
    with region.ctx.unit_of_work():
        return Upload(
            workspace_id=workspace_id or region.default_workspace.id,
            sdk_upload=Subject(id=ids.uuid(), metadata={"user": "u-1"}),
            recording=Subject(id=ids.uuid(), metadata={}),
            created_at=region.ctx.now(),
            artifacts={kind: Subject(id=ids.uuid()) for kind in ARTIFACT_KINDS},
        )


def emit(region: Region, upload: Upload, event_type: str, *, sub_code: str | None = None) -> DomainEvent:
    """Record `event_type` for `upload` in the outbox, as the backend does (same unit of work)."""
    prefix, _, code = event_type.partition(".")
    kwargs: dict[str, Any] = {"recording": upload.recording}
    if prefix == "sdk_upload":
        code = {"complete": "complete", "failed": "failed"}.get(code, "uploading")
        kwargs["sdk_upload"] = upload.sdk_upload
        kwargs["extra"] = {"created_at": isoformat(upload.created_at), "recording_id": upload.recording.id}
    elif prefix == "recording":
        kwargs["sdk_upload"] = upload.sdk_upload
    else:
        kwargs["artifact"] = upload.artifacts[prefix]
    status = Status(code=code, sub_code=sub_code, updated_at=region.ctx.now())
    with region.ctx.unit_of_work():
        return record_event(region.ctx, upload.workspace_id, event_type, status, **kwargs)


def emit_lifecycle(region: Region, upload: Upload) -> list[DomainEvent]:
    return [emit(region, upload, t) for t in LIFECYCLE]


# --- the reference catalog ---------------------------------------------------------------------------


def _allow_null_bot(schema: dict[str, Any]) -> None:
    # Catalog defect: recording and artifact events describe bot recordings; SDK recordings send null.
    data = schema["properties"]["data"]
    if "bot" in data.get("properties", {}):
        data["properties"]["bot"] = {"anyOf": [data["properties"]["bot"], {"type": "null"}]}


def _drop_object_requirement(schema: dict[str, Any]) -> None:
    # Catalog defect: sdk_upload.* require an "object" key that additionalProperties forbids.
    data = schema["properties"]["data"]
    data["required"] = [r for r in data.get("required", []) if r != "object"]


def _renamed(schema: dict[str, Any], event_type: str, code: str) -> dict[str, Any]:
    renamed = copy.deepcopy(schema)
    renamed["properties"]["event"]["const"] = event_type
    renamed["properties"]["data"]["properties"]["data"]["properties"]["code"]["const"] = code
    return renamed


#: the seed profile's flat upload shape (contract section 1); the catalog only knows today's
_SEED_UPLOAD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["event", "data"],
    "properties": {
        "event": {"enum": ["sdk_upload.completed", "sdk_upload.failed"]},
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["sdk_upload"],
            "properties": {
                "sdk_upload": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "created_at", "recording_id", "status"],
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "recording_id": {"type": ["string", "null"]},
                        "status": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["code"],
                            "properties": {"code": {"enum": ["complete", "failed"]}},
                        },
                    },
                }
            },
        },
    },
}


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for entry in catalog()["data"]:
        if not entry.get("schemas"):
            continue  # events outside the Desktop SDK lifecycle (calendar, slack) come without one
        schema = copy.deepcopy(entry["schemas"]["1"])
        if entry["name"].startswith("sdk_upload."):
            _drop_object_requirement(schema)
        else:
            _allow_null_bot(schema)
        out[entry["name"]] = schema
    uploading = out["sdk_upload.uploading"]
    # Not in the catalog: today's upload steps share the uploading event's shape (contract section 1).
    out["sdk_upload.recording_started"] = _renamed(
        uploading, "sdk_upload.recording_started", "recording_started"
    )
    out["sdk_upload.recording_ended"] = _renamed(uploading, "sdk_upload.recording_ended", "recording_ended")
    out["sdk_upload.completed/current"] = _renamed(
        out["sdk_upload.complete"], "sdk_upload.completed", "complete"
    )
    return out


def schema_for(body: dict[str, Any]) -> dict[str, Any]:
    event = body["event"]
    if event in ("sdk_upload.completed", "sdk_upload.failed") and "status" in body["data"].get(
        "sdk_upload", {}
    ):
        return _SEED_UPLOAD
    if event == "sdk_upload.completed":
        return _schemas()["sdk_upload.completed/current"]
    return _schemas()[event]


def validate(body: dict[str, Any]) -> None:
    """Raise if `body` does not conform to the catalog (defects mended) or the seed shape."""
    jsonschema.Draft7Validator(schema_for(body), format_checker=jsonschema.FormatChecker()).validate(body)
