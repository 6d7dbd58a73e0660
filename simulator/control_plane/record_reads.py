"""The control plane's reads of what the region stores, `ControlPlane(region).records`: uploads,
recordings, their artifacts and tokens, and the event history, across every workspace.

The dashboard's pages are made of these. Unlike the API, nothing here is scoped to a workspace or
shaped for a profile: it is the region's own view, for the machine running the tests.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from recall_sim.simulator.backend.events import DomainEvent
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.records import Artifact, Reader, RecordingRecord, SdkUploadRecord, UploadToken
from recall_sim.simulator.store import Collection

if TYPE_CHECKING:
    from recall_sim.simulator.region import Region

__all__ = ["RecordReads"]

#: how much of a stored JSON part is read at a time
_CHUNK = 256 * 1024


class RecordReads:
    def __init__(self, region: Region) -> None:
        self.region = region

    def sdk_uploads(self) -> list[SdkUploadRecord]:
        """Every sdk upload, oldest first."""
        return self.region.sdk_uploads.records.find()

    def sdk_upload(self, sdk_upload_id: str) -> SdkUploadRecord:
        found = self.region.sdk_uploads.records.get(sdk_upload_id)
        if found is None:
            raise NotFound()
        return found

    def upload_token(self, token: str) -> UploadToken | None:
        """The upload token an sdk upload was made with (None once it is gone)."""
        return self.region.sdk_uploads.tokens.tokens.get(token)

    def recordings(self) -> list[RecordingRecord]:
        """Every recording, oldest first."""
        return self.region.recordings.records.find()

    def recording(self, recording_id: str) -> RecordingRecord:
        found = self.region.recordings.records.get(recording_id)
        if found is None:
            raise NotFound()
        return found

    def artifacts_of(self, recording_id: str) -> list[Artifact]:
        """The recording's artifacts, deleted ones included, oldest first."""
        return self.region.recordings.artifacts_of(recording_id, include_deleted=True)

    def events(self) -> list[DomainEvent]:
        """Every status change the region recorded, oldest first (what webhooks are made from)."""
        return Reader(self.region.store, Collection.EVENTS, DomainEvent).find()

    def artifact_json(self, artifact: Artifact, part: str) -> Any:
        """A done artifact's stored JSON part (`download`, `speaker_timeline`, ...); None if it has none."""
        key = artifact.blobs.get(part)
        if artifact.status.code != "done" or key is None or not self.region.blobs.exists(key):
            return None
        return json.loads(b"".join(self.region.blobs.iter_chunks(key, _CHUNK)))
