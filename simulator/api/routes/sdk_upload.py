"""`/api/v1/sdk_upload/` (also spelled `/api/v1/sdk-upload/`) and `/api/v2/desktop-sdk-upload/{id}/`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException as StarletteHTTPException

from recall_sim.simulator.api.bodies import body_of
from recall_sim.simulator.api.caller import caller
from recall_sim.simulator.api.openapi import request_body
from recall_sim.simulator.api.pages import page_of
from recall_sim.simulator.api.responses import errors_doc
from recall_sim.simulator.api.rest_route import RestRoute
from recall_sim.simulator.render import render_sdk_upload
from recall_sim.simulator.schemas.common import Page
from recall_sim.simulator.schemas.sdk_upload import SdkUpload, SdkUploadCreate

__all__ = ["router"]

router = APIRouter(route_class=RestRoute, tags=["sdk_upload"])

# Both spellings appear in Recall's own material; both are served, the underscore one is canonical.
_PREFIXES = ("/api/v1/sdk_upload", "/api/v1/sdk-upload")


async def _create(request: Request) -> SdkUpload:
    region, ws = caller(request, "sdk_upload_create")
    body = await body_of(request, region, SdkUploadCreate)
    return render_sdk_upload(region.sdk_uploads.create_sdk_upload(ws, body))


async def _list(request: Request, cursor: str | None = None) -> Page[SdkUpload]:
    region, ws = caller(request, "sdk_upload_list")
    return page_of(request, region, region.sdk_uploads.list_sdk_uploads(ws), render_sdk_upload)


async def _retrieve(request: Request, id: str) -> SdkUpload:
    region, ws = caller(request, "sdk_upload_retrieve")
    return render_sdk_upload(region.sdk_uploads.retrieve_sdk_upload(ws, id))


async def _not_allowed(request: Request, id: str) -> None:
    """An upload cannot be changed (Recall's contract names PATCH and PUT). Declared so the document
    says so; answered as any other method the resource lacks (drf_methods.py: 405 with `Allow`), and
    only once the caller is known: Recall's views authenticate before they look for the method's
    handler, so a caller without a valid key hears 401 and never learns which methods exist."""
    caller(request, None)
    raise StarletteHTTPException(status_code=405)


_not_allowed.refuses = True  # type: ignore[attr-defined]  # left out of `Allow`


def _refuse_changes(path: str, operation_id: str) -> None:
    for method in ("PATCH", "PUT"):
        router.add_api_route(
            path,
            _not_allowed,
            methods=[method],
            status_code=405,
            response_model=None,
            operation_id=f"{operation_id}_{method.lower()}",
            summary=f"{method} is not allowed on an upload",
            responses=errors_doc(401, 405),
        )


for _i, _prefix in enumerate(_PREFIXES):
    _suffix = "" if _i == 0 else "_hyphen"
    router.add_api_route(
        f"{_prefix}/",
        _create,
        methods=["POST"],
        status_code=201,
        response_model=SdkUpload,
        operation_id=f"sdk_upload_create{_suffix}",
        summary="Create Desktop SDK Upload",
        openapi_extra=request_body(SdkUploadCreate),
        responses=errors_doc(400, 401, 409, 413, 415, 429),
    )
    router.add_api_route(
        f"{_prefix}/",
        _list,
        methods=["GET"],
        response_model=Page[SdkUpload],
        operation_id=f"sdk_upload_list{_suffix}",
        summary="List Desktop SDK Uploads",
        responses=errors_doc(401, 404, 429),
    )
    router.add_api_route(
        f"{_prefix}/{{id}}/",
        _retrieve,
        methods=["GET"],
        response_model=SdkUpload,
        operation_id=f"sdk_upload_retrieve{_suffix}",
        summary="Retrieve Desktop SDK Upload",
        responses=errors_doc(401, 404, 429),
    )
    _refuse_changes(f"{_prefix}/{{id}}/", f"sdk_upload{_suffix}")

router.add_api_route(
    "/api/v2/desktop-sdk-upload/{id}/",
    _retrieve,
    methods=["GET"],
    response_model=SdkUpload,
    operation_id="desktop_sdk_upload_retrieve",
    summary="Retrieve Desktop SDK Upload (v2)",
    responses=errors_doc(401, 404, 429),
)
_refuse_changes("/api/v2/desktop-sdk-upload/{id}/", "desktop_sdk_upload")
