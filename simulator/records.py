"""What the region stores, one model per collection. The API shapes are rendered from these (render.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from recall_sim.simulator.settings import ApiProfile, RegionName
from recall_sim.simulator.store import Collection, Store

__all__ = [
    "ARTIFACT_KINDS",
    "ApiKey",
    "Artifact",
    "ArtifactKind",
    "IdempotencyRecord",
    "Quirks",
    "Reader",
    "RealtimeEndpoint",
    "RecordingRecord",
    "Repository",
    "SdkUploadRecord",
    "Status",
    "UploadToken",
    "Workspace",
]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str


class Status(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    sub_code: str | None = None
    updated_at: datetime


class Quirks(BaseModel):
    """Switches for behaviour observed on the live service that not every workspace shows."""

    model_config = ConfigDict(extra="forbid")

    #: `current` workspaces may also get the deprecated `sdk_upload.uploading` event
    legacy_uploading_event: bool = False
    #: a `current` workspace also sends the seed's `sdk_upload.completed`, as was observed live
    duplicate_complete_alias: bool = False


class Workspace(Record):
    name: str
    region: RegionName
    profile: ApiProfile
    #: the `current` profile signs every endpoint with this one workspace secret
    webhook_secret: str
    quirks: Quirks = Field(default_factory=Quirks)
    created_at: datetime


class ApiKey(Record):
    """`id` is the key itself (40 hex characters, like Django REST Framework tokens)."""

    workspace_id: str
    created_at: datetime


class RealtimeEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    type: Literal["desktop_sdk_callback", "webhook", "websocket"]
    url: str | None = None
    events: list[str]
    metadata: dict[str, str | None] = Field(default_factory=dict)


class SdkUploadRecord(Record):
    workspace_id: str
    created_at: datetime
    status: Status
    recording_id: str
    upload_token: str
    metadata: dict[str, str | None] = Field(default_factory=dict)
    #: the normalised recording_config (defaults applied); None only if the client sent null
    recording_config: dict[str, Any] | None = None


class UploadToken(Record):
    """`id` is the token. It authorises one recording of one upload, in one region."""

    sdk_upload_id: str
    workspace_id: str
    region: RegionName
    expires_at: datetime
    #: set when the recording starts; a second start with the same token is refused
    recording_started_at: datetime | None = None
    recording_ended_at: datetime | None = None
    #: what the desktop app said at start: platform, title, url, upload mode, media format
    session: dict[str, Any] = Field(default_factory=dict)
    #: set at finalize; the token is spent from then on
    finalized_at: datetime | None = None


class RecordingRecord(Record):
    workspace_id: str
    sdk_upload_id: str
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    status: Status
    metadata: dict[str, str | None] = Field(default_factory=dict)
    expires_at: datetime
    realtime_endpoints: list[RealtimeEndpoint] = Field(default_factory=list)
    #: artifact ids drawn when the recording starts (participant_events, and transcript when the upload
    #: streams one): real-time events name them before processing creates the artifacts
    artifact_ids: dict[str, str] = Field(default_factory=dict)


ArtifactKind = Literal["video_mixed", "audio_mixed", "participant_events", "meeting_metadata", "transcript"]
ARTIFACT_KINDS: tuple[ArtifactKind, ...] = (
    "video_mixed",
    "audio_mixed",
    "participant_events",
    "meeting_metadata",
    "transcript",
)


class Artifact(Record):
    """A recording's media or data product. Transcripts are artifacts too, as in Recall's API."""

    workspace_id: str
    recording_id: str
    kind: ArtifactKind
    created_at: datetime
    status: Status
    metadata: dict[str, str | None] = Field(default_factory=dict)
    #: `mp4` for video_mixed, `mp3` for audio_mixed, None otherwise
    format: str | None = None
    #: download name -> blob key (e.g. {"download": "recordings/<id>/video_mixed.mp4"})
    blobs: dict[str, str] = Field(default_factory=dict)
    #: meeting_metadata: {"title": ..., "zoom": {...} | None}
    data: dict[str, Any] = Field(default_factory=dict)
    #: transcripts only
    provider: dict[str, Any] | None = None
    diarization: dict[str, Any] | None = None
    expires_at: datetime | None = None


class IdempotencyRecord(Record):
    """`id` is "<workspace id>:<key>". Holds the first response, replayed for an hour.

    `running` while the first request is handled and its answer sent; the answer (`status_code`,
    `body`, `headers`) is stored with the work, so a running record with an answer is one whose work
    is committed."""

    workspace_id: str
    fingerprint: str
    state: Literal["running", "done"]
    created_at: datetime
    status_code: int | None = None
    body: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)


M = TypeVar("M", bound=Record)


class Reader(Generic[M]):
    """Typed reads of one collection: what every module may hold."""

    def __init__(self, store: Store, collection: Collection, model: type[M]) -> None:
        self.store = store
        self.collection = collection
        self.model = model

    # Parsed and validated in one step from the stored JSON text: half the work of `json.loads` and
    # then validating the dict, on every read of every request.

    def get(self, doc_id: str) -> M | None:
        text = self.store.get_json(self.collection, doc_id)
        return None if text is None else self.model.model_validate_json(text)

    def find(
        self, where: Mapping[str, Any] | None = None, *, order_by: str | None = None, limit: int | None = None
    ) -> list[M]:
        texts = self.store.find_json(self.collection, where=where, order_by=order_by, limit=limit)
        return [self.model.model_validate_json(text) for text in texts]

    def count(self, where: Mapping[str, Any] | None = None) -> int:
        return self.store.count(self.collection, where=where)


class Repository(Reader[M]):
    """Typed reads and writes of one collection. Only the collection's writer (README, Layout) makes
    one; everything else reads through a `Reader` and asks the writer for changes."""

    def put(self, record: M) -> M:
        self.store.put(self.collection, record.model_dump(mode="json"))
        return record

    def delete(self, doc_id: str) -> bool:
        return self.store.delete(self.collection, doc_id)
