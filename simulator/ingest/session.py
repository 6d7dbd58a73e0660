"""The recording lifecycle calls of the ingest protocol: start, pause, resume, end, finalize, status.

They move the upload and its recording through their statuses and record the domain events the webhook
emitter turns into `sdk_upload.*` and `recording.*` webhooks, in the order the live service sends them.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.seams import isoformat
from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.events import (
    RECORDING_PAUSED,
    RECORDING_PROCESSING,
    SDK_UPLOAD_RECORDING_ENDED,
    SDK_UPLOAD_RECORDING_STARTED,
    SDK_UPLOAD_UPLOADING,
    Subject,
    record_event,
)
from recall_sim.simulator.backend.recordings import Recordings, subject_of
from recall_sim.simulator.backend.sdk_uploads import SdkUploads
from recall_sim.simulator.errors import BadRequest, Conflict, ValidationFailed
from recall_sim.simulator.ingest.records import IngestFile
from recall_sim.simulator.ingest.tokens import UploadTokenAuth, UploadTokens
from recall_sim.simulator.ingest.tus import TusFiles
from recall_sim.simulator.ingest.upload_headers import file_id_from_url
from recall_sim.simulator.records import RecordingRecord, SdkUploadRecord, Status

__all__ = ["PROCESS_UPLOAD", "FinalizeManifest", "IngestSessions", "ManifestPart", "StartRecording"]

PROCESS_UPLOAD = "process_upload"


#: how the desktop app uploads: after the meeting (`seed`, the late-2024 SDK) or while it runs
#: (`current`); the same two words as the API profiles, a different thing
UploadMode = Literal["seed", "current"]


class StartRecording(BaseModel):
    model_config = ConfigDict(extra="ignore")

    platform: Literal["zoom", "google-meet", "teams", "slack", "desktop-audio", "unknown"] = "unknown"
    title: str | None = None
    url: str | None = None
    upload_mode: UploadMode = "seed"
    media_format: Literal["mp4", "mp3"] = "mp4"


class EndRecording(BaseModel):
    model_config = ConfigDict(extra="ignore")

    duration: float | None = Field(default=None, ge=0)


class ManifestPart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str = Field(description="The tus file's id or URL")
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class FinalizeManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    media: ManifestPart
    participant_events: ManifestPart | None = None
    meeting_metadata: ManifestPart | None = None


def _upload_subject(upload: SdkUploadRecord) -> Subject:
    return Subject(id=upload.id, metadata=upload.metadata)


class IngestSessions:
    def __init__(
        self,
        ctx: Context,
        tokens: UploadTokens,
        sdk_uploads: SdkUploads,
        recordings: Recordings,
        files: TusFiles,
    ) -> None:
        self.ctx = ctx
        self.tokens = tokens
        self.sdk_uploads = sdk_uploads
        self.recordings = recordings
        self.files = files
        self.uploads = sdk_uploads.records

    def _upload_event(
        self, upload: SdkUploadRecord, event_type: str, status: Status, recording: RecordingRecord | None
    ) -> None:
        record_event(
            self.ctx,
            upload.workspace_id,
            event_type,
            status,
            sdk_upload=_upload_subject(upload),
            recording=None if recording is None else subject_of(recording),
            extra={"created_at": isoformat(upload.created_at), "recording_id": upload.recording_id},
        )

    def _recording(self, auth: UploadTokenAuth) -> RecordingRecord:
        recording = self.recordings.records.get(auth.upload.recording_id)
        if recording is None:  # pragma: no cover - a started token always has its recording
            raise Conflict("No recording has been started with this upload token.")
        return recording

    def start(self, auth: UploadTokenAuth, body: StartRecording) -> RecordingRecord:
        self.tokens.for_start(auth)
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            recording = self.recordings.create_recording(auth.upload)
            upload = self.sdk_uploads.start_uploading(auth.upload, now)
            self.tokens.mark_started(auth.token, body.model_dump(), now)
            self._upload_event(
                upload,
                SDK_UPLOAD_RECORDING_STARTED,
                Status(code="recording_started", updated_at=now),
                recording,
            )
            self._upload_event(upload, SDK_UPLOAD_UPLOADING, upload.status, recording)
        return recording

    def _set_recording_status(self, auth: UploadTokenAuth, code: str, event: str) -> RecordingRecord:
        self.tokens.for_upload(auth)
        recording = self._recording(auth)
        if auth.token.recording_ended_at is not None:
            raise Conflict("The recording has already ended.")
        if recording.status.code == code:
            return recording
        with self.ctx.unit_of_work():
            now = self.ctx.now()
            if code == "paused":
                recording = self.recordings.pause(recording, now)
            else:
                recording = self.recordings.resume(recording, now)
            record_event(
                self.ctx,
                recording.workspace_id,
                event,
                recording.status,
                recording=subject_of(recording),
                sdk_upload=_upload_subject(auth.upload),
            )
        return recording

    def pause(self, auth: UploadTokenAuth) -> RecordingRecord:
        return self._set_recording_status(auth, "paused", RECORDING_PAUSED)

    def resume(self, auth: UploadTokenAuth) -> RecordingRecord:
        return self._set_recording_status(auth, "processing", RECORDING_PROCESSING)

    def end(self, auth: UploadTokenAuth, body: EndRecording | None = None) -> RecordingRecord:
        """The desktop app stopped recording; parts may keep uploading (the real SDK allows minutes)."""
        self.tokens.for_upload(auth)
        recording = self._recording(auth)
        if auth.token.recording_ended_at is not None:
            return recording
        with self.ctx.unit_of_work():
            self._end(auth, recording, body or EndRecording())
        return recording

    def _end(self, auth: UploadTokenAuth, recording: RecordingRecord, body: EndRecording) -> None:
        now = self.ctx.now()
        self.tokens.mark_ended(auth.token, body.duration, now)
        if recording.status.code == "paused":
            self.recordings.resume(recording, now)
        self._upload_event(
            auth.upload,
            SDK_UPLOAD_RECORDING_ENDED,
            Status(code="recording_ended", updated_at=now),
            recording,
        )

    def finalize(self, auth: UploadTokenAuth, manifest: FinalizeManifest) -> SdkUploadRecord:
        """Check every part (complete, this upload's own, matching its sha256), spend the token, and
        hand the upload to processing. A refused manifest changes nothing."""
        self.tokens.for_upload(auth)
        recording = self._recording(auth)
        parts: dict[str, IngestFile] = {}
        errors: dict[str, Any] = {}
        for name in ("media", "participant_events", "meeting_metadata"):
            spec: ManifestPart | None = getattr(manifest, name)
            if spec is None:
                continue
            record = self.files.files.get(file_id_from_url(spec.file))
            if record is None or record.sdk_upload_id != auth.upload.id or record.terminated:
                errors[name] = {"file": ["No such upload for this token."]}
            elif not record.complete:
                errors[name] = {"file": [f"Upload is incomplete ({record.offset} of {record.length} bytes)."]}
            elif record.concat == "partial":
                errors[name] = {
                    "file": ["A partial upload cannot be a part; concatenate it into a final upload."]
                }
            elif self._sha256(record) != spec.sha256.lower():
                errors[name] = {"sha256": ["Does not match the uploaded bytes."]}
            else:
                parts[name] = record
        if errors:
            raise ValidationFailed(errors)
        if len({p.id for p in parts.values()}) != len(parts):
            raise BadRequest("Each part must be a different upload.")
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            if auth.token.recording_ended_at is None:
                self._end(auth, recording, EndRecording())
            token = self.tokens.tokens.get(auth.token.id) or auth.token
            self.tokens.mark_finalized(token, {name: record.id for name, record in parts.items()}, now)
            delay = self.ctx.settings.status_delays.processing_start
            self.ctx.scheduler.schedule(PROCESS_UPLOAD, {"sdk_upload_id": auth.upload.id}, delay=delay)
        return self.uploads.get(auth.upload.id) or auth.upload

    def _sha256(self, record: IngestFile) -> str:
        digest = hashlib.sha256()
        for chunk in self.ctx.blobs.iter_chunks(record.blob):
            digest.update(chunk)
        return digest.hexdigest()

    def status(self, auth: UploadTokenAuth) -> dict[str, Any]:
        upload = self.uploads.get(auth.upload.id) or auth.upload
        recording = self.recordings.records.get(upload.recording_id)
        return {
            "sdk_upload_id": upload.id,
            "recording_id": upload.recording_id,
            # The SDK generation the workspace's uploads expect: a `current` workspace's desktop app
            # streams parts during the meeting, a `seed` one uploads after it.
            "upload_mode": auth.workspace.profile,
            "upload_status": upload.status.model_dump(mode="json"),
            "recording_status": None if recording is None else recording.status.model_dump(mode="json"),
            "recording_started": auth.token.recording_started_at is not None,
            "recording_ended": auth.token.recording_ended_at is not None,
            "finalized": auth.token.finalized_at is not None,
            "files": [
                {"id": f.id, "part": f.part, "length": f.length, "offset": f.offset, "concat": f.concat}
                for f in self.files.files_of(upload.id)
                if not f.terminated
            ],
        }
