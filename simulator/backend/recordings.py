"""Recordings: one per SDK upload, created when the desktop app starts recording, and their artifacts.

This module is the writer of the `recordings` and `artifacts` collections and owns their statuses:
a recording goes processing ⇄ paused (while recorded) ──▶ done | failed ──▶ deleted; an artifact goes
processing ──▶ done | failed ──▶ deleted. An artifact lives and dies with its recording.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.events import RECORDING_DELETED, Subject, artifact_event, record_event
from recall_sim.simulator.errors import BadRequest, InvalidTransition, NotFound, ValidationFailed
from recall_sim.simulator.records import (
    Artifact,
    Reader,
    RealtimeEndpoint,
    RecordingRecord,
    Repository,
    SdkUploadRecord,
    Status,
    Workspace,
)
from recall_sim.simulator.store import Collection

__all__ = ["RecordingFilters", "Recordings", "subject_of"]

RecordingStatusCode = Literal["processing", "paused", "done", "failed"]


def subject_of(record: RecordingRecord | SdkUploadRecord | Artifact) -> Subject:
    return Subject(id=record.id, metadata=record.metadata)


class RecordingFilters:
    """The list filters Recall's API takes (`bot_id` is accepted; SDK recordings have no bot)."""

    def __init__(
        self,
        *,
        desktop_sdk_upload_id: str | None = None,
        status_code: RecordingStatusCode | None = None,
        created_at_after: datetime | None = None,
        created_at_before: datetime | None = None,
        bot_id: str | None = None,
    ) -> None:
        self.desktop_sdk_upload_id = desktop_sdk_upload_id
        self.status_code = status_code
        self.created_at_after = created_at_after
        self.created_at_before = created_at_before
        self.bot_id = bot_id

    def admits(self, recording: RecordingRecord) -> bool:
        if self.bot_id is not None:
            return False
        if self.status_code is not None and recording.status.code != self.status_code:
            return False
        if self.created_at_after is not None and recording.created_at < self.created_at_after:
            return False
        return not (self.created_at_before is not None and recording.created_at > self.created_at_before)


class Recordings:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._recordings = Repository(ctx.store, Collection.RECORDINGS, RecordingRecord)
        self._artifacts = Repository(ctx.store, Collection.ARTIFACTS, Artifact)
        self.records: Reader[RecordingRecord] = self._recordings
        self.artifacts: Reader[Artifact] = self._artifacts

    def create_recording(self, upload: SdkUploadRecord) -> RecordingRecord:
        """The upload's recording, as the desktop app starts it. Part of the caller's unit of work."""
        now = self.ctx.now()
        config = upload.recording_config or {}
        endpoints = [
            RealtimeEndpoint(
                id=self.ctx.ids.uuid(),
                type=e["type"],
                url=e.get("url"),
                events=list(e.get("events", [])),
                metadata=e.get("metadata") or {},
            )
            for e in config.get("realtime_endpoints", [])
        ]
        reserved = [kind for kind in ("participant_events", "transcript") if config.get(kind) is not None]
        recording = RecordingRecord(
            id=upload.recording_id,
            workspace_id=upload.workspace_id,
            sdk_upload_id=upload.id,
            created_at=now,
            started_at=now,
            status=Status(code="processing", updated_at=now),
            metadata=dict(config.get("metadata") or {}),
            expires_at=now + timedelta(seconds=self.ctx.settings.retention),
            realtime_endpoints=endpoints,
            artifact_ids={kind: self.ctx.ids.uuid() for kind in reserved},
        )
        return self._recordings.put(recording)

    # --- a recording's status transitions: each part of the caller's unit of work ----------------

    def _move(
        self, recording: RecordingRecord, allowed: tuple[str, ...], status: Status, **changes: Any
    ) -> RecordingRecord:
        if recording.status.code not in allowed:
            raise InvalidTransition("recording", recording.id, recording.status.code, status.code)
        return self._recordings.put(recording.model_copy(update={"status": status, **changes}))

    def pause(self, recording: RecordingRecord, now: datetime) -> RecordingRecord:
        return self._move(recording, ("processing",), Status(code="paused", updated_at=now))

    def resume(self, recording: RecordingRecord, now: datetime) -> RecordingRecord:
        """Recording again after a pause (or the pause ended by the end of the recording)."""
        return self._move(recording, ("paused",), Status(code="processing", updated_at=now))

    def start_processing(self, recording: RecordingRecord, now: datetime) -> RecordingRecord:
        """Processing took the finalized upload: the recording's media is being made."""
        return self._move(recording, ("processing", "paused"), Status(code="processing", updated_at=now))

    def complete(self, recording: RecordingRecord, now: datetime) -> RecordingRecord:
        return self._move(recording, ("processing",), Status(code="done", updated_at=now), completed_at=now)

    def fail(self, recording: RecordingRecord, status: Status) -> RecordingRecord:
        """Processing refused the upload; `status` carries the sub_code saying why."""
        if status.code != "failed":
            raise InvalidTransition("recording", recording.id, recording.status.code, status.code)
        return self._move(recording, ("processing", "paused"), status)

    def stage(self, recording: RecordingRecord, status: Status) -> RecordingRecord:
        """A triggered recording (`recall-sim trigger`), made to stand where its event left it."""
        changes: dict[str, Any] = {}
        if status.code in ("done", "failed", "deleted"):
            changes["completed_at"] = status.updated_at
        return self._move(recording, ("processing",), status, **changes)

    # --- artifacts: each change part of the caller's unit of work --------------------------------

    def add_artifact(self, artifact: Artifact) -> Artifact:
        """A new artifact of a recording (processing makes them; so do transcripts and the trigger)."""
        if self._artifacts.get(artifact.id) is not None:
            raise InvalidTransition("artifact", artifact.id, "stored", "created")
        return self._artifacts.put(artifact)

    def finish_artifact(
        self, artifact: Artifact, status: Status, blobs: dict[str, str] | None = None
    ) -> Artifact:
        """A processing artifact is `done` or `failed` (with its downloads, when they come now)."""
        if artifact.status.code != "processing" or status.code not in ("done", "failed"):
            raise InvalidTransition("artifact", artifact.id, artifact.status.code, status.code)
        changes: dict[str, Any] = {"status": status}
        if blobs is not None:
            changes["blobs"] = blobs
        return self._artifacts.put(artifact.model_copy(update=changes))

    def update_artifact_metadata(self, artifact: Artifact, metadata: dict[str, str | None]) -> Artifact:
        return self._artifacts.put(
            artifact.model_copy(update={"metadata": {**artifact.metadata, **metadata}})
        )

    def _visible(self, workspace: Workspace, recording_id: str) -> RecordingRecord:
        recording = self.records.get(recording_id)
        if recording is None or recording.workspace_id != workspace.id or recording.status.code == "deleted":
            raise NotFound()
        return recording

    def retrieve_recording(self, workspace: Workspace, recording_id: str) -> RecordingRecord:
        return self._visible(workspace, recording_id)

    def list_recordings(self, workspace: Workspace, filters: RecordingFilters) -> list[RecordingRecord]:
        where: dict[str, str] = {"workspace_id": workspace.id}
        if filters.desktop_sdk_upload_id is not None:
            where["sdk_upload_id"] = filters.desktop_sdk_upload_id
        return [r for r in self.records.find(where) if r.status.code != "deleted" and filters.admits(r)]

    def update_recording(
        self, workspace: Workspace, recording_id: str, metadata: dict[str, str | None]
    ) -> RecordingRecord:
        recording = self._visible(workspace, recording_id)
        with self.ctx.unit_of_work():
            return self._recordings.put(
                recording.model_copy(update={"metadata": {**recording.metadata, **metadata}})
            )

    def artifacts_of(self, recording_id: str, *, include_deleted: bool = False) -> list[Artifact]:
        found = self.artifacts.find({"recording_id": recording_id})
        return found if include_deleted else [a for a in found if a.status.code != "deleted"]

    def delete_recording(self, workspace: Workspace, recording_id: str) -> None:
        """Deletes the recording's media for good; `recording.deleted` and each artifact's `.deleted`
        event follow. Only a recording that finished (done or failed) can be deleted."""
        recording = self._visible(workspace, recording_id)
        if recording.status.code not in ("done", "failed"):
            raise BadRequest(f"Recording cannot be deleted while it is {recording.status.code}.")
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            for artifact in self.artifacts_of(recording.id):
                self.delete_artifact_record(artifact, recording)
            deleted = self._move(recording, ("done", "failed"), Status(code="deleted", updated_at=now))
            record_event(
                self.ctx,
                workspace.id,
                RECORDING_DELETED,
                deleted.status,
                recording=subject_of(deleted),
                sdk_upload=Subject(id=deleted.sdk_upload_id),
            )
        for artifact in self.artifacts_of(recording.id, include_deleted=True):
            for key in artifact.blobs.values():
                self.ctx.blobs.delete(key)

    def delete_artifact_record(self, artifact: Artifact, recording: RecordingRecord) -> Artifact:
        """Marks an artifact deleted and records its `.deleted` event; the caller removes blobs after
        the unit of work commits, so a failed delete leaves the media in place."""
        if artifact.status.code == "deleted":
            raise InvalidTransition("artifact", artifact.id, artifact.status.code, "deleted")
        status = Status(code="deleted", updated_at=self.ctx.now())
        deleted = self._artifacts.put(artifact.model_copy(update={"status": status}))
        record_event(
            self.ctx,
            artifact.workspace_id,
            artifact_event(artifact.kind, "deleted"),
            status,
            recording=subject_of(recording),
            artifact=subject_of(artifact),
        )
        return deleted


def check_status_code(value: str | None) -> RecordingStatusCode | None:
    if value is None or value == "":
        return None
    if value not in ("processing", "paused", "done", "failed"):
        raise ValidationFailed(
            {"status_code": [f"Select a valid choice. {value} is not one of the available choices."]}
        )
    return value  # type: ignore[return-value]
