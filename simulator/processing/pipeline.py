"""The processing pipeline, as durable jobs on the region's clock.

finalize ──(processing_start)──▶ process_upload: decode and check every part, write the downloads, create
the artifacts (`processing`), `recording.processing` ──(artifact delay)──▶ artifact_done per artifact
(`<kind>.done`) ──(finish)──▶ finish_recording: `recording.done`, then the upload `complete`.
A part that fails its checks fails the recording and the upload instead, with a sub_code that says why.

Every handler checks the state it moves from, so a job re-run after a crash changes nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from recall_sim.seams import isoformat
from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.events import (
    RECORDING_DONE,
    RECORDING_FAILED,
    RECORDING_PROCESSING,
    SDK_UPLOAD_COMPLETE,
    SDK_UPLOAD_FAILED,
    Subject,
    artifact_event,
    record_event,
)
from recall_sim.simulator.backend.recordings import Recordings, subject_of
from recall_sim.simulator.backend.sdk_uploads import SdkUploads
from recall_sim.simulator.ingest.records import IngestFile
from recall_sim.simulator.ingest.session import PROCESS_UPLOAD
from recall_sim.simulator.ingest.tokens import UploadTokens
from recall_sim.simulator.processing.containers import MediaRejected
from recall_sim.simulator.processing.media import MediaReport, analyse_media, transcode_to_mp3
from recall_sim.simulator.processing.participants import derive_participant_downloads, parse_events
from recall_sim.simulator.realtime.records import RealtimeSession
from recall_sim.simulator.realtime.transcript import streamed_transcript
from recall_sim.simulator.records import (
    Artifact,
    ArtifactKind,
    Reader,
    RecordingRecord,
    SdkUploadRecord,
    Status,
    UploadToken,
)
from recall_sim.simulator.store import Collection
from recall_sim.simulator.transcription.jobs import transcript_blob_keys
from recall_sim.simulator.transcription.option_rules import REFUSED_SUB_CODE, streaming_refusal
from recall_sim.simulator.transcription.provider_data import provider_error

__all__ = ["ARTIFACT_DONE", "FINISH_RECORDING", "Processing"]

ARTIFACT_DONE = "artifact_done"
FINISH_RECORDING = "finish_recording"


@dataclass
class Product:
    kind: ArtifactKind
    blobs: dict[str, str]
    data: dict[str, Any]
    format: str | None = None
    metadata: dict[str, str | None] | None = None
    #: transcripts only
    provider: dict[str, Any] | None = None
    diarization: dict[str, Any] | None = None
    #: the artifact's id, when it had to be known before the artifact exists
    id: str | None = None


class Processing:
    def __init__(
        self, ctx: Context, sdk_uploads: SdkUploads, upload_tokens: UploadTokens, recordings: Recordings
    ) -> None:
        self.ctx = ctx
        self.sdk_uploads = sdk_uploads
        self.upload_tokens = upload_tokens
        self.recordings = recordings
        self.uploads = sdk_uploads.records
        self.tokens = upload_tokens.tokens
        self.files = Reader(ctx.store, Collection.INGEST_FILES, IngestFile)
        self.sessions = Reader(ctx.store, Collection.REALTIME_SESSIONS, RealtimeSession)
        ctx.scheduler.register(PROCESS_UPLOAD, self.process_upload)
        ctx.scheduler.register(ARTIFACT_DONE, self.artifact_done)
        ctx.scheduler.register(FINISH_RECORDING, self.finish_recording)

    # -- process_upload ------------------------------------------------------------------------

    async def process_upload(self, job: Any) -> None:
        upload = self.uploads.get(job.payload["sdk_upload_id"])
        if upload is None or upload.status.code != "uploading":
            return
        recording = self.recordings.records.get(upload.recording_id)
        token = self.tokens.get(upload.upload_token)
        if recording is None or token is None or self.recordings.artifacts_of(recording.id):
            return
        parts = {name: self.files.get(file_id) for name, file_id in token.session.get("parts", {}).items()}
        try:
            products, report = await self._produce(upload, recording, token, parts)
        except MediaRejected as rejected:
            self._fail(upload, recording, rejected.sub_code)
            return
        delays = self.ctx.settings.status_delays
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            recording = self.recordings.start_processing(recording, now)
            self.upload_tokens.note_media(token, _report_summary(report))
            record_event(
                self.ctx,
                upload.workspace_id,
                RECORDING_PROCESSING,
                recording.status,
                recording=subject_of(recording),
                sdk_upload=Subject(id=upload.id, metadata=upload.metadata),
            )
            for product in products:
                # Real-time events named some artifacts while recording: they keep those ids.
                artifact = Artifact(
                    id=product.id or recording.artifact_ids.get(product.kind) or self.ctx.ids.uuid(),
                    workspace_id=upload.workspace_id,
                    recording_id=recording.id,
                    kind=product.kind,
                    created_at=now,
                    status=Status(code="processing", updated_at=now),
                    metadata=product.metadata or {},
                    format=product.format,
                    blobs=product.blobs,
                    data=product.data,
                    provider=product.provider,
                    diarization=product.diarization,
                    expires_at=recording.expires_at,
                )
                self.recordings.add_artifact(artifact)
                delay = delays.artifact + delays.per_media_second * report.duration
                self.ctx.scheduler.schedule(ARTIFACT_DONE, {"artifact_id": artifact.id}, delay=delay)
            if not products:
                self.ctx.scheduler.schedule(
                    FINISH_RECORDING, {"recording_id": recording.id}, delay=delays.finish
                )

    async def _produce(
        self,
        upload: SdkUploadRecord,
        recording: RecordingRecord,
        token: UploadToken,
        parts: dict[str, IngestFile | None],
    ) -> tuple[list[Product], MediaReport]:
        media = parts.get("media")
        if media is None:
            raise MediaRejected("media_missing", "The upload was finalized without media.")
        media_path = self.ctx.blobs.path(media.blob)
        report = await self.ctx.offload(analyse_media, media_path)
        config = upload.recording_config or {}
        base = f"recordings/{recording.id}"
        products: list[Product] = []

        def artifact_metadata(key: str) -> dict[str, str | None]:
            value = config.get(key)
            return dict(value.get("metadata") or {}) if isinstance(value, dict) else {}

        if report.kind == "mp4" and config.get("video_mixed_mp4") is not None:
            products.append(
                Product(
                    "video_mixed", {"download": media.blob}, {}, "mp4", artifact_metadata("video_mixed_mp4")
                )
            )
        if report.kind == "mp3":
            products.append(
                Product(
                    "audio_mixed", {"download": media.blob}, {}, "mp3", artifact_metadata("audio_mixed_mp3")
                )
            )
        elif config.get("audio_mixed_mp3") is not None and report.has_audio:
            key = f"{base}/audio_mixed.mp3"
            target = self.ctx.blobs.path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            await self.ctx.offload(transcode_to_mp3, media_path, target)
            products.append(
                Product("audio_mixed", {"download": key}, {}, "mp3", artifact_metadata("audio_mixed_mp3"))
            )

        if config.get("participant_events") is not None:
            events_file = parts.get("participant_events")
            events = parse_events(self.ctx.blobs.read_bytes(events_file.blob)) if events_file else []
            started = recording.started_at or recording.created_at
            downloads = derive_participant_downloads(events, started, report.duration)
            blobs = {}
            for name, content in downloads.items():
                key = f"{base}/participant_events/{name}.json"
                self.ctx.blobs.write_bytes(key, json.dumps(content).encode())
                blobs[name] = key
            products.append(
                Product("participant_events", blobs, {}, None, artifact_metadata("participant_events"))
            )

        if config.get("meeting_metadata") is not None:
            meta = self._meeting_metadata(token, parts.get("meeting_metadata"))
            products.append(
                Product("meeting_metadata", {}, meta, None, artifact_metadata("meeting_metadata"))
            )

        transcript = config.get("transcript")
        if isinstance(transcript, dict):
            products.append(self._streamed_transcript(recording, transcript))

        self.ctx.blobs.write_bytes(speech_key(recording.id), json.dumps(report.utterances).encode())
        return products, report

    def _streamed_transcript(self, recording: RecordingRecord, config: dict[str, Any]) -> Product:
        """The words streamed during the recording, as the transcript of the upload's streaming provider."""
        provider = dict(config.get("provider") or {})
        name = next(iter(provider), "")
        transcript_id = recording.artifact_ids.get("transcript") or self.ctx.ids.uuid()
        keys = transcript_blob_keys(recording.id, transcript_id)
        refused = streaming_refusal(config)
        data: dict[str, Any] = {}
        if refused is not None:
            # The provider refused the options when the stream opened: nothing was transcribed, the
            # transcript fails, and its provider data is the provider's error.
            keys = {"provider_data": keys["provider_data"]}
            error = provider_error(name, refused[1], "")
            self.ctx.blobs.write_bytes(keys["provider_data"], json.dumps(error).encode())
            data["failure_sub_code"] = REFUSED_SUB_CODE
        else:
            session = self.sessions.get(recording.id)
            download, provider_data = streamed_transcript(
                session, recording.started_at or recording.created_at, name
            )
            self.ctx.blobs.write_bytes(keys["download"], json.dumps(download).encode())
            self.ctx.blobs.write_bytes(keys["provider_data"], json.dumps(provider_data).encode())
        diarization = dict(config.get("diarization") or {})
        diarization.setdefault("use_separate_streams_when_available", False)
        metadata = dict(config.get("metadata") or {})
        return Product(
            "transcript",
            keys,
            data,
            None,
            metadata,
            provider=provider,
            diarization=diarization,
            id=transcript_id,
        )

    def _meeting_metadata(self, token: UploadToken, part: IngestFile | None) -> dict[str, Any]:
        session = token.session
        data: dict[str, Any] = {
            "platform": session.get("platform"),
            "title": session.get("title"),
            "url": session.get("url"),
        }
        zoom_uuid = None
        if part is not None:
            try:
                uploaded = json.loads(self.ctx.blobs.read_bytes(part.blob))
            except (ValueError, UnicodeDecodeError):
                raise MediaRejected(
                    "meeting_metadata_invalid", "The meeting metadata part is not JSON."
                ) from None
            if not isinstance(uploaded, dict):
                raise MediaRejected("meeting_metadata_invalid", "The meeting metadata part is not an object.")
            for key in ("platform", "title", "url"):
                if uploaded.get(key) is not None:
                    data[key] = uploaded[key]
            zoom = uploaded.get("zoom")
            zoom_uuid = zoom.get("meeting_uuid") if isinstance(zoom, dict) else None
        data["zoom"] = {"meeting_uuid": zoom_uuid} if data.get("platform") == "zoom" else None
        return data

    def _fail(self, upload: SdkUploadRecord, recording: RecordingRecord, sub_code: str) -> None:
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            status = Status(code="failed", sub_code=sub_code, updated_at=now)
            recording = self.recordings.fail(recording, status)
            upload = self.sdk_uploads.fail(upload, status)
            upload_subject = Subject(id=upload.id, metadata=upload.metadata)
            record_event(
                self.ctx,
                upload.workspace_id,
                RECORDING_FAILED,
                status,
                recording=subject_of(recording),
                sdk_upload=upload_subject,
            )
            record_event(
                self.ctx,
                upload.workspace_id,
                SDK_UPLOAD_FAILED,
                status,
                sdk_upload=upload_subject,
                extra={"created_at": isoformat(upload.created_at), "recording_id": None},
            )

    # -- artifact_done / finish_recording ------------------------------------------------------

    async def artifact_done(self, job: Any) -> None:
        artifact = self.recordings.artifacts.get(job.payload["artifact_id"])
        if artifact is None or artifact.status.code != "processing":
            return
        recording = self.recordings.records.get(artifact.recording_id)
        if recording is None:
            return
        # A streamed transcript whose provider refused its options ends failed (see _streamed_transcript).
        sub_code = artifact.data.get("failure_sub_code")
        with self.ctx.unit_of_work():
            status = Status(
                code="failed" if sub_code else "done", sub_code=sub_code, updated_at=self.ctx.now()
            )
            artifact = self.recordings.finish_artifact(artifact, status)
            record_event(
                self.ctx,
                artifact.workspace_id,
                artifact_event(artifact.kind, status.code),
                status,
                recording=subject_of(recording),
                artifact=subject_of(artifact),
            )
            pending = [a for a in self.recordings.artifacts_of(recording.id) if a.status.code == "processing"]
            if not pending and recording.status.code == "processing":
                delay = self.ctx.settings.status_delays.finish
                self.ctx.scheduler.schedule(FINISH_RECORDING, {"recording_id": recording.id}, delay=delay)

    async def finish_recording(self, job: Any) -> None:
        recording = self.recordings.records.get(job.payload["recording_id"])
        if recording is None or recording.status.code != "processing":
            return
        upload = self.uploads.get(recording.sdk_upload_id)
        if upload is None:
            return
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            recording = self.recordings.complete(recording, now)
            upload_subject = Subject(id=upload.id, metadata=upload.metadata)
            record_event(
                self.ctx,
                upload.workspace_id,
                RECORDING_DONE,
                recording.status,
                recording=subject_of(recording),
                sdk_upload=upload_subject,
            )
            upload = self.sdk_uploads.complete(upload, now)
            record_event(
                self.ctx,
                upload.workspace_id,
                SDK_UPLOAD_COMPLETE,
                upload.status,
                sdk_upload=upload_subject,
                recording=subject_of(recording),
                extra={"created_at": isoformat(upload.created_at), "recording_id": recording.id},
            )


def _report_summary(report: MediaReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "size": report.size,
        "duration": report.duration,
        "streams": [list(s) for s in report.streams],
        "utterances": len(report.utterances),
    }


def speech_key(recording_id: str) -> str:
    return f"recordings/{recording_id}/speech.json"
