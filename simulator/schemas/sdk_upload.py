"""`/api/v1/sdk_upload/`: the request that creates an upload and the upload itself."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.schemas.common import Metadata, SdkUploadStatus, Shape, Timestamp

__all__ = [
    "ArtifactConfig",
    "RealtimeEndpointConfig",
    "RecordingConfig",
    "SdkUpload",
    "SdkUploadCreate",
    "TranscriptConfig",
]


class Lenient(BaseModel):
    """Request bodies ignore fields they do not know, as DRF serializers do."""

    model_config = ConfigDict(extra="ignore")


class ArtifactConfig(Lenient):
    metadata: Metadata = Field(default_factory=dict)


class TranscriptConfig(Lenient):
    #: exactly one key: the provider's name, mapping to its options
    provider: dict[str, dict[str, Any]]
    diarization: dict[str, Any] | None = None
    metadata: Metadata = Field(default_factory=dict)


class RealtimeEndpointConfig(Lenient):
    type: Literal["desktop_sdk_callback", "webhook", "websocket"]
    url: str | None = None
    events: list[str]
    metadata: Metadata = Field(default_factory=dict)


class RecordingConfig(Lenient):
    """What the upload's recording should produce. Video and participant events are on by default;
    an audio-only recording sets `video_mixed_mp4: null, audio_mixed_mp3: {}`."""

    video_mixed_mp4: ArtifactConfig | None = Field(default_factory=ArtifactConfig)
    audio_mixed_mp3: ArtifactConfig | None = None
    participant_events: ArtifactConfig | None = Field(default_factory=ArtifactConfig)
    meeting_metadata: ArtifactConfig | None = Field(default_factory=ArtifactConfig)
    transcript: TranscriptConfig | None = None
    realtime_endpoints: list[RealtimeEndpointConfig] = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)


class SdkUploadCreate(Lenient):
    recording_config: RecordingConfig | None = Field(default_factory=RecordingConfig)
    metadata: Metadata = Field(default_factory=dict)


class SdkUpload(Shape):
    id: str
    status: SdkUploadStatus
    recording_id: str
    upload_token: str
    created_at: Timestamp
    metadata: Metadata
