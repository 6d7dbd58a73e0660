"""Recordings and artifacts for API tests, built through the backend the way the ingest pipeline stores them.

The pipeline that turns uploaded bytes into a recording and its artifacts lives elsewhere; these helpers
ask the same writers it asks (the README's Layout lists them): the upload's recording as the desktop app
starts it, artifacts with their blob keys and bytes, and the final statuses. They record no domain events
of their own, so a test that reads the `events` collection sees only what the API under test emitted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from recall_sim.simulator.records import ARTIFACT_KINDS, Artifact, ArtifactKind, RecordingRecord, Status
from recall_sim.simulator.region import Region

__all__ = [
    "BLOB_PARTS",
    "Built",
    "add_artifact",
    "blob_bytes",
    "build_recording",
    "create_upload",
    "set_recording_status",
    "start_recording",
]

#: artifact kind -> {blob part: file extension}, as the download table (simulator/downloads.py) reads them
BLOB_PARTS: dict[ArtifactKind, dict[str, str]] = {
    "video_mixed": {"download": "mp4"},
    "audio_mixed": {"download": "mp3"},
    "transcript": {"download": "json", "provider_data": "json"},
    "participant_events": {
        "participant_events": "json",
        "speaker_timeline": "json",
        "participants": "json",
    },
    "meeting_metadata": {},
}


async def create_upload(client: httpx.AsyncClient, body: Any = None) -> dict[str, Any]:
    """An sdk_upload created through the API, as a partner's backend does."""
    response = await client.post("/api/v1/sdk_upload/", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def start_recording(region: Region, upload_id: str) -> RecordingRecord:
    """The upload's recording, as the ingest `start` call makes it: `processing`, upload `uploading`."""
    upload = region.sdk_uploads.records.get(upload_id)
    assert upload is not None, upload_id
    with region.ctx.unit_of_work():
        recording = region.recordings.create_recording(upload)
        region.sdk_uploads.start_uploading(upload, region.ctx.now())
    return recording


def blob_bytes(kind: ArtifactKind, part: str, artifact_id: str) -> bytes:
    """Distinct, recognisable bytes for each blob, so a download proves it served the right file."""
    if BLOB_PARTS[kind][part] == "json":
        return json.dumps([{"artifact": artifact_id, "part": part}]).encode()
    return f"{kind}:{part}:{artifact_id}:".encode() + bytes(range(256))


def add_artifact(
    region: Region,
    recording_id: str,
    kind: ArtifactKind,
    *,
    status: str = "done",
    metadata: dict[str, str | None] | None = None,
) -> Artifact:
    """One artifact of `recording_id`. A done artifact gets its blobs, bytes written; one still
    processing (or failed) has none yet, and no download links."""
    recording = region.recordings.records.get(recording_id)
    assert recording is not None, recording_id
    now = region.ctx.now()
    with region.ctx.unit_of_work():
        artifact_id = region.ctx.ids.uuid()
        blobs: dict[str, str] = {}
        if status == "done":
            for part, extension in BLOB_PARTS[kind].items():
                key = f"recordings/{recording_id}/{kind}/{artifact_id}/{part}.{extension}"
                region.blobs.write_bytes(key, blob_bytes(kind, part, artifact_id))
                blobs[part] = key
        extra: dict[str, Any] = {}
        if kind == "video_mixed":
            extra["format"] = "mp4"
        elif kind == "audio_mixed":
            extra["format"] = "mp3"
        elif kind == "meeting_metadata":
            extra["data"] = {"title": "Weekly sync", "zoom": {"meeting_uuid": "pbq3Zo0nRxe+Zx4hAw2Nxw=="}}
        elif kind == "transcript":
            extra["provider"] = {"recallai_streaming": {"language_code": "en"}}
            extra["diarization"] = {"use_separate_streams_when_available": False}
            extra["expires_at"] = recording.expires_at
        artifact = Artifact(
            id=artifact_id,
            workspace_id=recording.workspace_id,
            recording_id=recording_id,
            kind=kind,
            created_at=now,
            status=Status(code=status, updated_at=now),
            metadata=metadata or {},
            blobs=blobs,
            **extra,
        )
        return region.recordings.add_artifact(artifact)


def set_recording_status(region: Region, recording_id: str, code: str) -> RecordingRecord:
    """Move a processing recording to `code`; `done` and `failed` also complete the recording and its
    upload."""
    recording = region.recordings.records.get(recording_id)
    assert recording is not None, recording_id
    upload = region.sdk_uploads.records.get(recording.sdk_upload_id)
    assert upload is not None
    now = region.ctx.now()
    with region.ctx.unit_of_work():
        if code == "paused":
            return region.recordings.pause(recording, now)
        if code == "done":
            region.sdk_uploads.complete(upload, now)
            return region.recordings.complete(recording, now)
        if code == "failed":
            failed = Status(code="failed", updated_at=now)
            region.sdk_uploads.fail(upload, failed)
            return region.recordings.fail(recording, failed)
    raise ValueError(f"a recording is made {code} by other means")


@dataclass
class Built:
    """What `build_recording` made: the upload as the API returned it, the recording, its artifacts."""

    upload: dict[str, Any]
    recording: RecordingRecord
    artifacts: dict[ArtifactKind, Artifact] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.recording.id


async def build_recording(
    region: Region,
    client: httpx.AsyncClient,
    *,
    status: str = "done",
    kinds: tuple[ArtifactKind, ...] = ARTIFACT_KINDS,
    artifact_status: str | None = None,
    upload_body: Any = None,
) -> Built:
    """An upload created through the API and its recording with one artifact of each of `kinds`.

    Artifacts are `done` for a done recording and `processing` otherwise, unless `artifact_status` says.
    """
    upload = await create_upload(client, upload_body)
    recording = start_recording(region, upload["id"])
    artifact_code = artifact_status or ("done" if status == "done" else "processing")
    artifacts = {kind: add_artifact(region, recording.id, kind, status=artifact_code) for kind in kinds}
    if status != "processing":
        recording = set_recording_status(region, recording.id, status)
    return Built(upload=upload, recording=recording, artifacts=artifacts)
