"""What a transcript is made from: the recording's uploaded media, its speaker timeline, its platform.

The media is the upload's `media` part as processing checked it (its summary is kept on the upload
token's session). The speaker timeline is the participant_events artifact's download, and the platform
the meeting_metadata artifact's (or, without one, what the desktop app said when it started).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.recordings import Recordings
from recall_sim.simulator.ingest.records import IngestFile
from recall_sim.simulator.records import Reader, RecordingRecord, SdkUploadRecord, UploadToken
from recall_sim.simulator.store import Collection

__all__ = ["NO_PARTICIPANT_DATA", "RecordingMedia", "RecordingSources"]

#: platforms whose recordings carry no participant data: audio only, microphone apart from the rest
NO_PARTICIPANT_DATA = ("desktop-audio", "slack")


@dataclass(frozen=True)
class RecordingMedia:
    blob: str
    kind: str
    duration: float
    has_audio: bool


class RecordingSources:
    def __init__(self, ctx: Context, recordings: Recordings) -> None:
        self.ctx = ctx
        self.recordings = recordings
        self.uploads = Reader(ctx.store, Collection.SDK_UPLOADS, SdkUploadRecord)
        self.tokens = Reader(ctx.store, Collection.UPLOAD_TOKENS, UploadToken)
        self.files = Reader(ctx.store, Collection.INGEST_FILES, IngestFile)

    def _session(self, recording: RecordingRecord) -> dict[str, Any]:
        upload = self.uploads.get(recording.sdk_upload_id)
        token = None if upload is None else self.tokens.get(upload.upload_token)
        return {} if token is None else token.session

    def media_of(self, recording: RecordingRecord) -> RecordingMedia | None:
        """The recording's processed media, or None if it has none (or it is gone)."""
        session = self._session(recording)
        summary = session.get("media")
        file_id = session.get("parts", {}).get("media")
        media = None if file_id is None else self.files.get(file_id)
        if not isinstance(summary, dict) or media is None or not self.ctx.blobs.exists(media.blob):
            return None
        return RecordingMedia(
            blob=media.blob,
            kind=str(summary.get("kind")),
            duration=float(summary.get("duration") or 0.0),
            has_audio=any(stream[0] == "audio" for stream in summary.get("streams", [])),
        )

    def speaker_timeline_of(self, recording: RecordingRecord) -> list[dict[str, Any]]:
        for artifact in self.recordings.artifacts_of(recording.id):
            key = artifact.blobs.get("speaker_timeline")
            done = artifact.kind == "participant_events" and artifact.status.code == "done"
            if done and key and self.ctx.blobs.exists(key):
                timeline: list[dict[str, Any]] = json.loads(self.ctx.blobs.read_bytes(key))
                return timeline
        return []

    def platform_of(self, recording: RecordingRecord) -> str | None:
        for artifact in self.recordings.artifacts_of(recording.id):
            if artifact.kind == "meeting_metadata" and artifact.data.get("platform"):
                return str(artifact.data["platform"])
        platform = self._session(recording).get("platform")
        return None if platform is None else str(platform)

    def has_participant_data(self, recording: RecordingRecord) -> bool:
        return self.platform_of(recording) not in NO_PARTICIPANT_DATA
