"""The per-artifact endpoints: `/api/v1/<kind>/` for video_mixed, audio_mixed, participant_events,
meeting_metadata and transcript.

They all share one pattern (list with a `recording_id` filter, retrieve, patch metadata, delete), so one
factory builds each router; the response model is the artifact's own shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from recall_sim.simulator.api.bodies import body_of
from recall_sim.simulator.api.caller import caller
from recall_sim.simulator.api.deps import links_of, parse_uuid_param
from recall_sim.simulator.api.openapi import request_body
from recall_sim.simulator.api.pages import page_of
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.api.rest_route import RestRoute
from recall_sim.simulator.records import ARTIFACT_KINDS, Artifact, ArtifactKind
from recall_sim.simulator.region import Region
from recall_sim.simulator.render import FULL, Links, render_artifact
from recall_sim.simulator.schemas.common import Page
from recall_sim.simulator.schemas.recording import RecordingPatch

__all__ = ["routers"]


def _router_for(kind: ArtifactKind) -> APIRouter:
    model: Any = FULL[kind]
    scope = "transcript" if kind == "transcript" else "artifact"
    router = APIRouter(route_class=RestRoute, prefix=f"/api/v1/{kind}", tags=[kind])

    def render(region: Region, artifact: Artifact, link: Links) -> Any:
        return render_artifact(artifact, region.recordings.records.get(artifact.recording_id), link)

    @router.get(
        "/",
        response_model=Page[model],
        operation_id=f"{kind}_list",
        summary=f"List {kind} artifacts",
        responses=errors_doc(400, 401, 404, 429),
    )
    async def list_artifacts(
        request: Request,
        recording_id: str | None = Query(None, json_schema_extra={"format": "uuid"}),
        cursor: str | None = None,
    ) -> Any:
        region, ws = caller(request, f"{scope}_list")
        link = links_of(request, region)
        found = region.artifacts.list_artifacts(ws, kind, parse_uuid_param("recording_id", recording_id))
        return page_of(request, region, found, lambda a: render(region, a, link))

    @router.get(
        "/{id}/",
        response_model=model,
        operation_id=f"{kind}_retrieve",
        summary=f"Retrieve a {kind} artifact",
        responses=errors_doc(401, 404, 429),
    )
    async def retrieve_artifact(request: Request, id: str) -> Any:
        region, ws = caller(request, f"{scope}_retrieve")
        artifact = region.artifacts.retrieve_artifact(ws, kind, id)
        return render(region, artifact, links_of(request, region))

    @router.patch(
        "/{id}/",
        response_model=model,
        operation_id=f"{kind}_partial_update",
        summary=f"Update a {kind} artifact's metadata",
        openapi_extra=request_body(RecordingPatch),
        responses=errors_doc(400, 401, 404, 409, 413, 415, 429),
    )
    async def update_artifact(request: Request, id: str) -> Any:
        region, ws = caller(request, f"{scope}_retrieve")
        body = await body_of(request, region, RecordingPatch)
        metadata = body.metadata if body is not None else {}
        artifact = region.artifacts.update_artifact(ws, kind, id, metadata)
        return render(region, artifact, links_of(request, region))

    @router.delete(
        "/{id}/",
        status_code=204,
        response_class=Response,
        operation_id=f"{kind}_destroy",
        summary=f"Delete a {kind} artifact",
        responses=errors_doc(400, 401, 404, 429),
    )
    async def delete_artifact(request: Request, id: str) -> Response:
        region, ws = caller(request, f"{scope}_retrieve")
        region.artifacts.delete_artifact(ws, kind, id)
        return Response(status_code=204)

    return router


routers = [_router_for(kind) for kind in ARTIFACT_KINDS]
