"""Records -> the API's JSON shapes. Download links are minted here, fresh on every read, as Recall does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from recall_sim.simulator.downloads import DownloadSigner, downloadable
from recall_sim.simulator.records import Artifact, RecordingRecord, SdkUploadRecord
from recall_sim.simulator.schemas import recording as rs
from recall_sim.simulator.schemas.common import Shape
from recall_sim.simulator.schemas.sdk_upload import SdkUpload as SdkUploadShape

__all__ = ["Links", "render_artifact", "render_recording", "render_sdk_upload"]


@dataclass
class Links:
    """Builds absolute download URLs for one response."""

    base_url: str
    signer: DownloadSigner
    now: float
    ttl: float

    def download(self, artifact: Artifact, kind: str, part: str) -> str | None:
        if not downloadable(artifact.status.code, kind) or part not in artifact.blobs:
            return None
        token = self.signer.sign(artifact.id, kind, self.now + self.ttl)
        return f"{self.base_url.rstrip('/')}/api/v1/download/{kind}?token={token}"


def render_sdk_upload(upload: SdkUploadRecord) -> SdkUploadShape:
    return SdkUploadShape.model_validate(
        {
            "id": upload.id,
            "status": upload.status.model_dump(),
            "recording_id": upload.recording_id,
            "upload_token": upload.upload_token,
            "created_at": upload.created_at,
            "metadata": upload.metadata,
        }
    )


def _base(artifact: Artifact) -> dict[str, Any]:
    return {
        "id": artifact.id,
        "created_at": artifact.created_at,
        "status": artifact.status.model_dump(),
        "metadata": artifact.metadata,
    }


def _video_mixed(a: Artifact, links: Links) -> dict[str, Any]:
    return {**_base(a), "data": {"download_url": links.download(a, "video_mixed", "download")}}


def _audio_mixed(a: Artifact, links: Links) -> dict[str, Any]:
    return {**_base(a), "data": {"download_url": links.download(a, "audio_mixed", "download")}}


def _transcript(a: Artifact, links: Links) -> dict[str, Any]:
    return {
        **_base(a),
        "data": {
            "download_url": links.download(a, "transcript", "download"),
            "provider_data_download_url": links.download(a, "transcript_provider_data", "provider_data"),
        },
        "diarization": a.diarization,
        "provider": a.provider or {},
    }


def _participant_events(a: Artifact, links: Links) -> dict[str, Any]:
    return {
        **_base(a),
        "data": {
            "participant_events_download_url": links.download(a, "participant_events", "participant_events"),
            "speaker_timeline_download_url": links.download(a, "speaker_timeline", "speaker_timeline"),
            "participants_download_url": links.download(a, "participants", "participants"),
        },
    }


def _meeting_metadata(a: Artifact, links: Links) -> dict[str, Any]:
    zoom = a.data.get("zoom")
    return {
        **_base(a),
        "data": {
            "title": a.data.get("title"),
            "zoom": None if zoom is None else {"meeting_uuid": zoom.get("meeting_uuid")},
        },
    }


_FIELDS: dict[str, Callable[[Artifact, Links], dict[str, Any]]] = {
    "video_mixed": _video_mixed,
    "audio_mixed": _audio_mixed,
    "transcript": _transcript,
    "participant_events": _participant_events,
    "meeting_metadata": _meeting_metadata,
}

_SHORTCUTS: dict[str, type[Shape]] = {
    "video_mixed": rs.VideoMixedArtifactShortcut,
    "audio_mixed": rs.AudioMixedArtifactShortcut,
    "transcript": rs.TranscriptArtifactShortcut,
    "participant_events": rs.ParticipantEventsArtifactShortcut,
    "meeting_metadata": rs.MeetingMetadataArtifactShortcut,
}

FULL: dict[str, type[Shape]] = {
    "video_mixed": rs.VideoMixedArtifact,
    "audio_mixed": rs.AudioMixedArtifact,
    "transcript": rs.TranscriptArtifact,
    "participant_events": rs.ParticipantEventsArtifact,
    "meeting_metadata": rs.MeetingMetadataArtifact,
}


def render_artifact(artifact: Artifact, recording: RecordingRecord | None, links: Links) -> Shape:
    """An artifact as its own endpoint returns it: the shortcut's fields plus its recording."""
    fields = _FIELDS[artifact.kind](artifact, links)
    fields["recording"] = {"id": artifact.recording_id, "metadata": recording.metadata if recording else {}}
    if artifact.kind == "transcript":
        fields["expires_at"] = artifact.expires_at
    return FULL[artifact.kind].model_validate(fields)


def render_recording(
    recording: RecordingRecord, artifacts: list[Artifact], links: Links, upload: SdkUploadRecord | None
) -> rs.Recording:
    latest: dict[str, Artifact] = {}
    for artifact in artifacts:  # insertion order: the newest of each kind wins the shortcut
        if artifact.status.code != "deleted":
            latest[artifact.kind] = artifact
    shortcuts = {
        kind: (None if kind not in latest else _FIELDS[kind](latest[kind], links)) for kind in _SHORTCUTS
    }
    # Built as plain data and validated once, as a whole: the same checks as building each nested shape
    # on its own, in one pass of pydantic's validator instead of twenty.
    return rs.Recording.model_validate(
        {
            "id": recording.id,
            "created_at": recording.created_at,
            "started_at": recording.started_at,
            "completed_at": recording.completed_at,
            "status": recording.status.model_dump(),
            "media_shortcuts": shortcuts,
            "realtime_endpoints": [
                {"id": e.id, "metadata": e.metadata} for e in recording.realtime_endpoints
            ],
            "bot": None,
            "desktop_sdk_upload": {
                "id": recording.sdk_upload_id,
                "metadata": upload.metadata if upload else {},
            },
            "expires_at": recording.expires_at,
            "metadata": recording.metadata,
        }
    )
