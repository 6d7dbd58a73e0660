"""Triggering one webhook on demand (`POST /_simulator/webhooks/trigger`, `recall-sim trigger EVENT`).

A handler under test usually answers a webhook by calling the API about what it names (fetch the
recording, list its artifacts, download the video). So a triggered event names real resources: without
`recording_id`, an sdk upload and its recording are created in the workspace, in the state the event
reports, with the artifact an artifact event is about; with `recording_id`, that recording and its upload
are named as they are (a missing artifact of the event's kind is added). The event then goes through the
outbox like any other: shaped for the workspace's profile, signed and retried as usual.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.seams import isoformat
from recall_sim.simulator.backend.events import SDK_UPLOAD_COMPLETE, DomainEvent, Subject, record_event
from recall_sim.simulator.backend.recordings import subject_of
from recall_sim.simulator.errors import NotFound, ValidationFailed
from recall_sim.simulator.records import (
    ARTIFACT_KINDS,
    Artifact,
    ArtifactKind,
    RecordingRecord,
    SdkUploadRecord,
    Status,
    Workspace,
)
from recall_sim.simulator.schemas.sdk_upload import SdkUploadCreate
from recall_sim.simulator.settings import ApiProfile
from recall_sim.simulator.webhooks.payloads import EVENT_TYPES, messages_for

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["TriggerOut", "TriggerRequest", "emitted_types", "trigger"]

#: the metadata a triggered upload carries, so a handler (and `recall-sim state`) can tell it apart
TRIGGER_METADATA = {"source": "recall-sim trigger"}

#: the sub code a triggered failure reports (the processing pipeline's own for an unreadable file)
_FAILURE_SUB_CODE = "processing_error"


class TriggerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(description="A wire event type the workspace's profile sends")
    recording_id: str | None = Field(
        default=None, description="Name this recording (and its upload); a new one is made when omitted"
    )
    workspace_id: str | None = Field(default=None, description="Defaults to the start-up workspace")
    profile: ApiProfile | None = Field(
        default=None,
        description="Send from a workspace of this profile: the start-up one if it has it, else the "
        "first that does (with `workspace_id`, that workspace must have it)",
    )


class TriggerOut(BaseModel):
    #: the outbox entry; the webhook messages made from it carry it as `event_id`
    event_id: str
    event_type: str
    workspace_id: str
    profile: str
    sdk_upload_id: str
    recording_id: str
    artifact_id: str | None


def _domain_type(wire_type: str) -> str:
    # `sdk_upload.completed` is the seed profile's name (and a current quirk's alias) for `complete`.
    return SDK_UPLOAD_COMPLETE if wire_type == "sdk_upload.completed" else wire_type


def _probe(workspace: Workspace, domain_type: str, now: datetime) -> DomainEvent:
    subject = Subject(id="probe")
    return DomainEvent(
        id="probe",
        workspace_id=workspace.id,
        type=domain_type,
        occurred_at=now,
        status=Status(code="processing", updated_at=now),
        recording=subject,
        sdk_upload=subject,
        artifact=subject,
    )


def emitted_types(workspace: Workspace, now: datetime) -> list[str]:
    """The wire event types this workspace's profile and quirks send, in the catalog's order."""
    sent: list[str] = []
    for domain_type in dict.fromkeys(_domain_type(t) for t in EVENT_TYPES):
        for wire_type, _ in messages_for(_probe(workspace, domain_type, now), workspace):
            if wire_type not in sent:
                sent.append(wire_type)
    return [t for t in EVENT_TYPES if t in sent]


def _status_of(domain_type: str) -> str:
    prefix, _, code = domain_type.partition(".")
    if prefix == "sdk_upload":
        return {"complete": "complete", "failed": "failed"}.get(code, "uploading")
    return code


def _resource_states(domain_type: str) -> tuple[str, str]:
    """(upload code, recording code) of a new upload whose lifecycle reached `domain_type`."""
    prefix, _, code = domain_type.partition(".")
    if prefix == "sdk_upload":
        return {
            "complete": ("complete", "done"),
            "failed": ("failed", "failed"),
        }.get(code, ("uploading", "processing"))
    if prefix == "recording":
        return {
            "done": ("complete", "done"),
            "failed": ("failed", "failed"),
            "deleted": ("complete", "deleted"),
        }.get(code, ("uploading", code))
    # An artifact is made while its recording processes, and kept once it is done.
    return ("complete", "done") if code in ("done", "deleted") else ("uploading", "processing")


class _Trigger:
    def __init__(self, region: Region) -> None:
        self.region = region
        self.ctx = region.ctx

    def workspace(self, workspace_id: str | None, profile: ApiProfile | None) -> Workspace:
        workspace = self.region.workspaces.get_workspace(workspace_id or self.region.default_workspace.id)
        if profile is None or workspace.profile == profile:
            return workspace
        if workspace_id is not None:
            raise ValidationFailed(
                {"profile": [f"Workspace {workspace_id} has the {workspace.profile} profile."]}
            )
        for other in self.region.workspaces.list_workspaces():
            if other.profile == profile:
                return other
        raise ValidationFailed(
            {
                "profile": [
                    f"No workspace of this region has the {profile} profile: serve with --profile {profile}, "
                    f'or create one with POST /_simulator/workspaces {{"profile": "{profile}"}}.'
                ]
            }
        )

    def existing(self, workspace: Workspace, recording_id: str) -> tuple[SdkUploadRecord, RecordingRecord]:
        recording = self.region.recordings.records.get(recording_id)
        if recording is None or recording.workspace_id != workspace.id:
            raise NotFound()
        upload = self.region.sdk_uploads.records.get(recording.sdk_upload_id)
        if upload is None:
            raise NotFound()
        return upload, recording

    def created(self, workspace: Workspace, domain_type: str) -> tuple[SdkUploadRecord, RecordingRecord]:
        upload = self.region.sdk_uploads.create_sdk_upload(
            workspace, SdkUploadCreate(metadata=dict(TRIGGER_METADATA))
        )
        upload_code, recording_code = _resource_states(domain_type)
        with self.ctx.unit_of_work():
            recording = self.region.recordings.create_recording(upload)
            # Read after the recording starts: a recording completes no earlier than it started.
            now = self.ctx.now()
            sub_code = _FAILURE_SUB_CODE if recording_code == "failed" else None
            recording = self.region.recordings.stage(
                recording, Status(code=recording_code, sub_code=sub_code, updated_at=now)
            )
            upload = self.region.sdk_uploads.stage(
                upload, Status(code=upload_code, sub_code=sub_code, updated_at=now)
            )
        return upload, recording

    def artifact(self, recording: RecordingRecord, kind: ArtifactKind, code: str, fresh: bool) -> Artifact:
        if not fresh:
            for artifact in self.region.recordings.artifacts_of(recording.id, include_deleted=True):
                if artifact.kind == kind:
                    return artifact
        now = self.ctx.now()
        extra: dict[str, Any] = {}
        if kind == "video_mixed":
            extra["format"] = "mp4"
        elif kind == "audio_mixed":
            extra["format"] = "mp3"
        elif kind == "transcript":
            extra["provider"] = {"recallai_streaming": {"language_code": "en"}}
            extra["diarization"] = {"use_separate_streams_when_available": False}
            extra["expires_at"] = recording.expires_at
        elif kind == "meeting_metadata":
            extra["data"] = {"title": "Triggered meeting", "zoom": None}
        with self.ctx.unit_of_work():
            artifact = Artifact(
                id=recording.artifact_ids.get(kind) or self.ctx.ids.uuid(),
                workspace_id=recording.workspace_id,
                recording_id=recording.id,
                kind=kind,
                created_at=now,
                status=Status(code=code if fresh else "processing", updated_at=now),
                **extra,
            )
            return self.region.recordings.add_artifact(artifact)


def trigger(region: Region, spec: TriggerRequest) -> TriggerOut:
    """Record `spec.event_type` in the outbox about real resources; delivery follows as for any event."""
    helper = _Trigger(region)
    workspace = helper.workspace(spec.workspace_id, spec.profile)
    now = region.ctx.now()
    sent = emitted_types(workspace, now)
    if spec.event_type not in sent:
        known = "is not an event type" if spec.event_type not in EVENT_TYPES else "is not sent"
        raise ValidationFailed(
            {
                "event_type": [
                    f"{spec.event_type!r} {known} for a {workspace.profile}-profile workspace; "
                    f"it sends: {', '.join(sent)}."
                ]
            }
        )
    domain_type = _domain_type(spec.event_type)
    fresh = spec.recording_id is None
    if spec.recording_id is None:
        upload, recording = helper.created(workspace, domain_type)
    else:
        upload, recording = helper.existing(workspace, spec.recording_id)
    prefix, _, code = domain_type.partition(".")
    sub_code = _FAILURE_SUB_CODE if code == "failed" else None
    status = Status(code=_status_of(domain_type), sub_code=sub_code, updated_at=region.ctx.now())
    artifact: Artifact | None = None
    kwargs: dict[str, Any] = {"recording": subject_of(recording)}
    if prefix == "sdk_upload":
        kwargs["sdk_upload"] = subject_of(upload)
        kwargs["extra"] = {
            "created_at": isoformat(upload.created_at),
            "recording_id": None if code == "failed" else recording.id,
        }
    elif prefix == "recording":
        kwargs["sdk_upload"] = subject_of(upload)
    elif prefix in ARTIFACT_KINDS:
        artifact = helper.artifact(recording, prefix, code, fresh)
        kwargs["artifact"] = subject_of(artifact)
    with region.ctx.unit_of_work():
        event = record_event(region.ctx, workspace.id, domain_type, status, **kwargs)
    return TriggerOut(
        event_id=event.id,
        event_type=spec.event_type,
        workspace_id=workspace.id,
        profile=workspace.profile,
        sdk_upload_id=upload.id,
        recording_id=recording.id,
        artifact_id=None if artifact is None else artifact.id,
    )
