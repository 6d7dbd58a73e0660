"""`/api/v1/recording/`: list with Recall's filters, retrieve, patch metadata, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Query, Request, Response

from recall_sim.simulator.api.bodies import body_of
from recall_sim.simulator.api.caller import caller
from recall_sim.simulator.api.deps import links_of, parse_datetime_param, parse_uuid_param
from recall_sim.simulator.api.openapi import request_body
from recall_sim.simulator.api.pages import page_of
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.api.rest_route import RestRoute
from recall_sim.simulator.backend.recordings import RecordingFilters, check_status_code
from recall_sim.simulator.errors import ValidationFailed
from recall_sim.simulator.records import RecordingRecord as RecordingRecord
from recall_sim.simulator.region import Region
from recall_sim.simulator.render import Links, render_artifact, render_recording
from recall_sim.simulator.schemas.common import Page
from recall_sim.simulator.schemas.recording import (
    Recording,
    RecordingPatch,
    TranscriptArtifact,
    TranscriptCreate,
)

__all__ = ["render_for", "router"]

router = APIRouter(route_class=RestRoute, prefix="/api/v1/recording", tags=["recording"])

T = TypeVar("T")

STATUS_CODES = ("processing", "paused", "done", "failed")


def render_for(region: Region, recording: RecordingRecord, link: Links) -> Recording:
    upload = region.sdk_uploads.records.get(recording.sdk_upload_id)
    return render_recording(recording, region.recordings.artifacts_of(recording.id), link, upload)


@router.get(
    "/",
    response_model=Page[Recording],
    operation_id="recording_list",
    summary="List Recordings",
    responses=errors_doc(400, 401, 404, 429),
)
async def recording_list(
    request: Request,
    # Declared as Recall's document declares them; checked below, so a bad one answers DRF's 400.
    desktop_sdk_upload_id: str | None = Query(None, json_schema_extra={"format": "uuid"}),
    status_code: str | None = Query(None, json_schema_extra={"enum": list(STATUS_CODES)}),
    created_at_after: str | None = Query(None, json_schema_extra={"format": "date-time"}),
    created_at_before: str | None = Query(None, json_schema_extra={"format": "date-time"}),
    bot_id: str | None = Query(None, json_schema_extra={"format": "uuid"}),
    cursor: str | None = None,
) -> Page[Recording]:
    region, ws = caller(request, "recording_list")
    link = links_of(request, region)
    # django-filter validates the whole filter form, so one 400 names every bad parameter.
    errors: dict[str, Any] = {}

    def valid(check: Callable[[], T | None]) -> T | None:
        try:
            return check()
        except ValidationFailed as invalid:
            errors.update(invalid.body)
            return None

    filters = RecordingFilters(
        desktop_sdk_upload_id=valid(lambda: parse_uuid_param("desktop_sdk_upload_id", desktop_sdk_upload_id)),
        status_code=valid(lambda: check_status_code(status_code)),
        created_at_after=valid(lambda: parse_datetime_param("created_at_after", created_at_after)),
        created_at_before=valid(lambda: parse_datetime_param("created_at_before", created_at_before)),
        bot_id=valid(lambda: parse_uuid_param("bot_id", bot_id)),
    )
    if errors:
        raise ValidationFailed(errors)
    found = region.recordings.list_recordings(ws, filters)
    return page_of(request, region, found, lambda r: render_for(region, r, link))


@router.get(
    "/{id}/",
    response_model=Recording,
    operation_id="recording_retrieve",
    summary="Retrieve Recording",
    responses=errors_doc(401, 404, 429),
)
async def recording_retrieve(request: Request, id: str) -> Recording:
    region, ws = caller(request, "recording_retrieve")
    return render_for(region, region.recordings.retrieve_recording(ws, id), links_of(request, region))


@router.patch(
    "/{id}/",
    response_model=Recording,
    operation_id="recording_partial_update",
    summary="Update Recording metadata",
    openapi_extra=request_body(RecordingPatch),
    responses=errors_doc(400, 401, 404, 409, 413, 415, 429),
)
async def recording_partial_update(request: Request, id: str) -> Recording:
    region, ws = caller(request, "recording_retrieve")
    body = await body_of(request, region, RecordingPatch)
    metadata = body.metadata if body is not None else {}
    recording = region.recordings.update_recording(ws, id, metadata)
    return render_for(region, recording, links_of(request, region))


@router.delete(
    "/{id}/",
    status_code=204,
    response_class=Response,
    operation_id="recording_destroy",
    summary="Delete Recording",
    responses=errors_doc(400, 401, 404, 429),
)
async def recording_destroy(request: Request, id: str) -> Response:
    region, ws = caller(request, "recording_retrieve")
    region.recordings.delete_recording(ws, id)
    return Response(status_code=204)


@router.post(
    "/{id}/create_transcript/",
    response_model=TranscriptArtifact,
    operation_id="recording_create_transcript_create",
    summary="Create Async Transcript",
    openapi_extra=request_body(TranscriptCreate),
    responses=errors_doc(400, 401, 404, 409, 413, 415, 429),
)
async def recording_create_transcript(request: Request, id: str) -> Any:
    region, ws = caller(request, None)
    # Recall limits transcript creation per recording (5 a minute), not per workspace.
    region.limiter.check("create_transcript", f"{ws.id}:{id}")
    body = await body_of(request, region, TranscriptCreate)
    if body is None:
        raise ValidationFailed({"provider": ["This field is required."]})
    transcript = region.transcripts.create_transcript(
        ws, id, provider=body.provider, diarization=body.diarization, metadata=body.metadata
    )
    recording = region.recordings.records.get(transcript.recording_id)
    return render_artifact(transcript, recording, links_of(request, region))
