"""`/api/v1/download/{kind}?token=...`: the signed links that artifacts' `download_url`s point at.

No API key: the token is the authorisation, as with the storage links Recall hands out. The body is
streamed from disk in chunks, so a large video costs no memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Path
from fastapi.responses import StreamingResponse

from recall_sim.simulator.api.deferred_route import DeferredRoute
from recall_sim.simulator.api.deps import get_region
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.downloads import DOWNLOADS, downloadable
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.region import Region

__all__ = ["router"]

router = APIRouter(tags=["download"], route_class=DeferredRoute)


@router.get(
    "/api/v1/download/{kind}",
    operation_id="download_retrieve",
    summary="Download an artifact's file (signed link)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {content_type: {} for _, _, content_type, _ in DOWNLOADS.values()}},
        **errors_doc(403, 404),
    },
)
async def download(
    kind: str = Path(json_schema_extra={"enum": list(DOWNLOADS)}),
    token: str = "",
    region: Region = Depends(get_region),
) -> StreamingResponse:
    if kind not in DOWNLOADS:
        raise NotFound()
    artifact_kind, part, content_type, extension = DOWNLOADS[kind]
    target = region.signer.verify(token, kind, region.clock.timestamp())
    artifact = region.artifacts.records.get(target.artifact_id)
    if artifact is None or artifact.kind != artifact_kind:
        raise NotFound()
    if not downloadable(artifact.status.code, kind):
        raise NotFound()
    key = artifact.blobs.get(part)
    if key is None or not region.blobs.exists(key):
        raise NotFound()
    size = region.blobs.size(key)

    # Reads are plain blocking file reads on the event loop: no threads, so scenarios stay
    # deterministic, and chunks are small enough not to stall other requests.
    async def body() -> AsyncIterator[bytes]:
        for chunk in region.blobs.iter_chunks(key, 256 * 1024):
            yield chunk

    return StreamingResponse(
        body(),
        media_type=content_type,
        headers={
            "content-length": str(size),
            "content-disposition": f'attachment; filename="{artifact.recording_id}-{kind}.{extension}"',
        },
    )
