"""`/ingest/v1/...`: the SDK ingest protocol over HTTP (README: "The SDK ingest protocol").

Lifecycle calls under `/ingest/v1/recording/`, tus 1.0 under `/ingest/v1/files/`. The upload token is the
credential: `Authorization: UploadToken <token>`.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from starlette.requests import ClientDisconnect

from recall_sim.simulator.api.bodies import StrictJSONRoute
from recall_sim.simulator.api.deps import base_url, get_region, links
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.api.routes.recording import render_for
from recall_sim.simulator.errors import ClientGone, PreconditionFailed, UnsupportedMediaType
from recall_sim.simulator.ingest.records import IngestFile
from recall_sim.simulator.ingest.session import EndRecording, FinalizeManifest, StartRecording
from recall_sim.simulator.ingest.tokens import UploadTokenAuth
from recall_sim.simulator.ingest.tus import TUS_EXTENSIONS, TUS_VERSION
from recall_sim.simulator.ingest.upload_headers import CHECKSUM_ALGORITHMS, parse_checksum, parse_metadata
from recall_sim.simulator.region import Region
from recall_sim.simulator.render import Links

__all__ = ["FILES_PATH", "router"]

router = APIRouter(route_class=StrictJSONRoute, prefix="/ingest/v1", tags=["ingest"])

FILES_PATH = "/ingest/v1/files/"
REALTIME_PATH = "/ingest/v1/realtime"


#: tus requests must name the protocol version (checked by `tus_request`, declared here)
TUS_RESUMABLE: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "Tus-Resumable",
            "required": True,
            "schema": {"type": "string", "enum": [TUS_VERSION]},
        }
    ]
}


async def upload_auth(request: Request, region: Region = Depends(get_region)) -> UploadTokenAuth:
    return region.upload_tokens.authenticate(
        request.headers.get("authorization"), request.query_params.get("token")
    )


async def tus_request(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise PreconditionFailed(headers={"Tus-Version": TUS_VERSION})


def _files_url(request: Request, region: Region) -> str:
    return base_url(request, region).rstrip("/") + FILES_PATH


def _file_headers(record: IngestFile, region: Region) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(record.offset),
        "Upload-Length": str(record.length),
        "Cache-Control": "no-store",
    }
    if not record.complete:
        headers["Upload-Expires"] = format_datetime(record.expires_at, usegmt=True)
    if record.concat == "partial":
        headers["Upload-Concat"] = "partial"
    elif record.concat == "final":
        headers["Upload-Concat"] = "final;" + " ".join(FILES_PATH + p for p in record.parts)
    return headers


# -- the recording lifecycle --------------------------------------------------------------------


@router.post(
    "/recording/start",
    status_code=201,
    operation_id="ingest_recording_start",
    responses=errors_doc(400, 401, 409),
)
async def start_recording(
    request: Request,
    body: StartRecording | None = Body(default=None),
    auth: UploadTokenAuth = Depends(upload_auth),
    region: Region = Depends(get_region),
) -> dict[str, Any]:
    recording = region.sessions.start(auth, body or StartRecording())
    root = base_url(request, region).rstrip("/")
    return {
        "sdk_upload_id": auth.upload.id,
        "recording_id": recording.id,
        "files_url": root + FILES_PATH,
        "realtime_url": root.replace("http", "ws", 1) + REALTIME_PATH,
        **region.realtime.start_info(recording),
    }


@router.post("/recording/pause", operation_id="ingest_recording_pause", responses=errors_doc(401, 409))
async def pause_recording(
    auth: UploadTokenAuth = Depends(upload_auth), region: Region = Depends(get_region)
) -> dict[str, Any]:
    return {"recording_status": region.sessions.pause(auth).status.model_dump(mode="json")}


@router.post("/recording/resume", operation_id="ingest_recording_resume", responses=errors_doc(401, 409))
async def resume_recording(
    auth: UploadTokenAuth = Depends(upload_auth), region: Region = Depends(get_region)
) -> dict[str, Any]:
    return {"recording_status": region.sessions.resume(auth).status.model_dump(mode="json")}


@router.post("/recording/end", operation_id="ingest_recording_end", responses=errors_doc(400, 401, 409))
async def end_recording(
    body: EndRecording | None = Body(default=None),
    auth: UploadTokenAuth = Depends(upload_auth),
    region: Region = Depends(get_region),
) -> dict[str, Any]:
    return {"recording_status": region.sessions.end(auth, body).status.model_dump(mode="json")}


@router.post(
    "/recording/finalize",
    status_code=202,
    operation_id="ingest_recording_finalize",
    responses=errors_doc(400, 401, 409),
)
async def finalize_recording(
    body: FinalizeManifest, auth: UploadTokenAuth = Depends(upload_auth), region: Region = Depends(get_region)
) -> dict[str, Any]:
    upload = region.sessions.finalize(auth, body)
    return {
        "sdk_upload_id": upload.id,
        "recording_id": upload.recording_id,
        "status": upload.status.model_dump(mode="json"),
    }


@router.get("/recording/", operation_id="ingest_recording_status", responses=errors_doc(401))
async def recording_status(
    auth: UploadTokenAuth = Depends(upload_auth),
    region: Region = Depends(get_region),
    link: Links = Depends(links),
) -> dict[str, Any]:
    status = region.sessions.status(auth)
    # What the token's own recording produced, with fresh download links, as the REST API shows it:
    # the desktop app can show its user the result without holding an API key.
    recording = region.recordings.records.get(auth.upload.recording_id)
    rendered = None if recording is None else render_for(region, recording, link)
    status["recording_media_shortcuts"] = (
        None if rendered is None else rendered.model_dump(mode="json")["media_shortcuts"]
    )
    return status


# -- tus ------------------------------------------------------------------------------------------


@router.options("/files/", status_code=204, operation_id="ingest_files_options")
async def tus_options(region: Region = Depends(get_region)) -> Response:
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(region.settings.ingest_max_size),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


async def _body_stream(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        raise ClientGone() from None


def _content_length(request: Request) -> int | None:
    """The declared body length (the HTTP server has already refused a malformed one)."""
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def _check_patch_content_type(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/offset+octet-stream":
        raise UnsupportedMediaType(media_type)


@router.post(
    "/files/",
    status_code=201,
    operation_id="ingest_file_create",
    dependencies=[Depends(tus_request)],
    openapi_extra=TUS_RESUMABLE,
    responses=errors_doc(400, 401, 403, 409, 412, 413, 415),
)
async def tus_create(
    request: Request,
    upload_length: str | None = Header(default=None),
    upload_defer_length: str | None = Header(default=None),
    upload_metadata: str | None = Header(default=None),
    upload_concat: str | None = Header(default=None),
    upload_checksum: str | None = Header(default=None),
    auth: UploadTokenAuth = Depends(upload_auth),
    region: Region = Depends(get_region),
) -> Response:
    region.upload_tokens.for_upload(auth)
    final = upload_concat is not None and upload_concat.startswith("final;")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    with_body = (bool(_content_length(request)) or chunked) and not final
    checksum = None
    if with_body:  # creation-with-upload: the POST body is the first chunk; refuse it before creating
        _check_patch_content_type(request)
        checksum = parse_checksum(upload_checksum)
    metadata = parse_metadata(upload_metadata)
    if with_body:
        record = await region.tus.create_with_upload(
            auth,
            length=upload_length,
            defer_length=upload_defer_length,
            metadata=metadata,
            concat=upload_concat,
            checksum=checksum,
            body=_body_stream(request),
            content_length=_content_length(request),
        )
    else:
        record = region.tus.create(
            auth,
            length=upload_length,
            defer_length=upload_defer_length,
            metadata=metadata,
            concat=upload_concat,
        )
    headers = _file_headers(record, region)
    headers["Location"] = _files_url(request, region) + record.id
    return Response(status_code=201, headers=headers)


@router.head(
    "/files/{file_id}",
    operation_id="ingest_file_head",
    dependencies=[Depends(tus_request)],
    openapi_extra=TUS_RESUMABLE,
    responses=errors_doc(401, 404, 410, 412),
)
async def tus_head(
    file_id: str, auth: UploadTokenAuth = Depends(upload_auth), region: Region = Depends(get_region)
) -> Response:
    record = region.tus.get(auth, file_id)
    headers = _file_headers(record, region)
    if record.metadata:
        headers["Upload-Metadata"] = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in record.metadata.items()
        )
    return Response(status_code=200, headers=headers)


@router.patch(
    "/files/{file_id}",
    status_code=204,
    operation_id="ingest_file_patch",
    dependencies=[Depends(tus_request)],
    openapi_extra=TUS_RESUMABLE,
    responses=errors_doc(400, 401, 403, 404, 409, 410, 412, 413, 415, 460),
)
async def tus_patch(
    request: Request,
    file_id: str,
    upload_offset: str | None = Header(default=None),
    upload_checksum: str | None = Header(default=None),
    auth: UploadTokenAuth = Depends(upload_auth),
    region: Region = Depends(get_region),
) -> Response:
    region.upload_tokens.for_upload(auth)
    _check_patch_content_type(request)
    record = await region.tus.append(
        auth,
        file_id,
        offset=upload_offset,
        checksum=parse_checksum(upload_checksum),
        body=_body_stream(request),
        content_length=_content_length(request),
    )
    return Response(status_code=204, headers=_file_headers(record, region))


@router.delete(
    "/files/{file_id}",
    status_code=204,
    operation_id="ingest_file_delete",
    dependencies=[Depends(tus_request)],
    openapi_extra=TUS_RESUMABLE,
    responses=errors_doc(401, 404, 409, 410, 412),
)
async def tus_delete(
    file_id: str, auth: UploadTokenAuth = Depends(upload_auth), region: Region = Depends(get_region)
) -> Response:
    region.upload_tokens.for_upload(auth)
    region.tus.terminate(auth, file_id)
    return Response(status_code=204)
