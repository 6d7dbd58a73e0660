"""`/api/v1/recording/` and the per-artifact endpoints, in the shapes of Recall's OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.schemas.common import (
    ArtifactStatus,
    Metadata,
    Minimal,
    RecordingStatus,
    Shape,
    Timestamp,
)

__all__ = [
    "AudioMixedArtifact",
    "AudioMixedArtifactShortcut",
    "MediaDownload",
    "MeetingMetadataArtifact",
    "MeetingMetadataArtifactShortcut",
    "MeetingMetadataData",
    "ParticipantEventsArtifact",
    "ParticipantEventsArtifactShortcut",
    "ParticipantEventsData",
    "Recording",
    "RecordingPatch",
    "RecordingShortcuts",
    "TranscriptArtifact",
    "TranscriptArtifactShortcut",
    "TranscriptCreate",
    "TranscriptData",
    "VideoMixedArtifact",
    "VideoMixedArtifactShortcut",
]


class MediaDownload(Shape):
    download_url: str | None


class TranscriptData(Shape):
    download_url: str | None
    provider_data_download_url: str | None


class ParticipantEventsData(Shape):
    participant_events_download_url: str | None
    speaker_timeline_download_url: str | None
    participants_download_url: str | None


class ZoomData(Shape):
    meeting_uuid: str | None


class MeetingMetadataData(Shape):
    title: str | None
    zoom: ZoomData | None


class ArtifactBase(Shape):
    id: str
    created_at: Timestamp
    status: ArtifactStatus
    metadata: Metadata


class VideoMixedArtifactShortcut(ArtifactBase):
    data: MediaDownload
    format: Literal["mp4"] = "mp4"


class AudioMixedArtifactShortcut(ArtifactBase):
    data: MediaDownload
    format: Literal["mp3"] = "mp3"


class TranscriptArtifactShortcut(ArtifactBase):
    data: TranscriptData
    #: `use_separate_streams_when_available` always; the seed's `algorithm_priority` when it was given
    diarization: dict[str, Any] | None
    provider: dict[str, dict[str, object]]


class ParticipantEventsArtifactShortcut(ArtifactBase):
    data: ParticipantEventsData


class MeetingMetadataArtifactShortcut(ArtifactBase):
    data: MeetingMetadataData


class VideoMixedArtifact(VideoMixedArtifactShortcut):
    recording: Minimal


class AudioMixedArtifact(AudioMixedArtifactShortcut):
    recording: Minimal


class TranscriptArtifact(TranscriptArtifactShortcut):
    recording: Minimal
    expires_at: Timestamp | None


class ParticipantEventsArtifact(ParticipantEventsArtifactShortcut):
    recording: Minimal


class MeetingMetadataArtifact(MeetingMetadataArtifactShortcut):
    recording: Minimal


class RecordingShortcuts(Shape):
    video_mixed: VideoMixedArtifactShortcut | None
    transcript: TranscriptArtifactShortcut | None
    participant_events: ParticipantEventsArtifactShortcut | None
    meeting_metadata: MeetingMetadataArtifactShortcut | None
    audio_mixed: AudioMixedArtifactShortcut | None


class Recording(Shape):
    id: str
    created_at: Timestamp
    started_at: Timestamp | None
    completed_at: Timestamp | None
    status: RecordingStatus
    media_shortcuts: RecordingShortcuts
    realtime_endpoints: list[Minimal]
    bot: Minimal | None = None
    desktop_sdk_upload: Minimal | None
    expires_at: Timestamp
    metadata: Metadata


class RecordingPatch(BaseModel):
    """PATCH bodies: only `metadata` is writable; its keys are merged into the stored metadata."""

    model_config = ConfigDict(extra="ignore")

    metadata: Metadata = Field(default_factory=dict)


class TranscriptCreate(BaseModel):
    """`create_transcript`'s body: `provider` names one async provider and its options (passed through to
    the provider, which may refuse them while transcribing); `diarization` in the seed's or today's form."""

    model_config = ConfigDict(extra="ignore")

    provider: dict[str, Any]
    diarization: dict[str, Any] | None = None
    metadata: Metadata = Field(default_factory=dict)
