"""What the ingest side stores: one record per tus file."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from recall_sim.simulator.records import Record

__all__ = ["PARTS", "IngestFile", "Part"]

Part = Literal["media", "segment", "participant_events", "meeting_metadata", "speech_header"]
PARTS: tuple[Part, ...] = ("media", "segment", "participant_events", "meeting_metadata", "speech_header")


class IngestFile(Record):
    """A tus upload. Its bytes live in the blob store under `blob`; `offset` is what has been accepted."""

    sdk_upload_id: str
    workspace_id: str
    part: Part
    metadata: dict[str, str] = Field(default_factory=dict)
    #: total size; known at creation (a final concatenation sums its partials)
    length: int
    offset: int = 0
    blob: str
    concat: Literal["none", "partial", "final"] = "none"
    #: a final upload's partial files, in order
    parts: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    terminated: bool = False

    @property
    def complete(self) -> bool:
        return self.offset == self.length
