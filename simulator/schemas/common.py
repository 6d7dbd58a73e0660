"""Shapes shared by every resource: statuses, minimal references, cursor pages, error bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from recall_sim.seams import isoformat

__all__ = [
    "ArtifactStatus",
    "DetailError",
    "Metadata",
    "Minimal",
    "Page",
    "RecordingStatus",
    "SdkUploadStatus",
    "Timestamp",
]

#: A datetime as every body renders it (seams.isoformat): microseconds and `Z`, even when the
#: microseconds are zero (pydantic's own rendering would drop them).
Timestamp = Annotated[
    datetime,
    PlainSerializer(isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

#: Recall's metadata: string keys to string (or null) values.
Metadata = dict[str, str | None]

T = TypeVar("T")


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordingStatus(Shape):
    code: Literal["processing", "paused", "done", "failed", "deleted"]
    sub_code: str | None
    updated_at: Timestamp


class ArtifactStatus(Shape):
    code: Literal["processing", "done", "failed", "deleted"]
    sub_code: str | None
    updated_at: Timestamp


class SdkUploadStatus(Shape):
    code: Literal["pending", "uploading", "complete", "failed"]
    sub_code: str | None
    updated_at: Timestamp


class Minimal(Shape):
    """How one resource names another: `{id, metadata}`."""

    id: str
    metadata: Metadata = Field(default_factory=dict)


class Page(Shape, Generic[T]):
    """A cursor page, as Django REST Framework's CursorPagination renders it."""

    next: str | None
    previous: str | None
    results: list[T]


class DetailError(BaseModel):
    detail: str
