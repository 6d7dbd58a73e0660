"""`/_simulator/docs`: the interactive API docs (Swagger UI), served from this package's own files.

FastAPI's default page loads Swagger UI from a CDN, so a machine without internet (a plane, a locked-down
CI runner) got a blank page. The assets come from the `swagger-ui-py` package instead, read from where it
is installed (never imported: `serve` loads only what it needs), and the page names no other host:
Swagger UI's online validator badge is turned off.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from recall_sim.simulator.api.deferred_route import DeferredRoute
from recall_sim.simulator.errors import NotFound

__all__ = ["ASSETS_PATH", "DOCS_PATH", "router"]

DOCS_PATH = "/_simulator/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
OPENAPI_PATH = "/_simulator/openapi.json"

#: the assets the page uses, and their media types
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}

router = APIRouter(include_in_schema=False, route_class=DeferredRoute)


@cache
def assets_dir() -> Path:
    """Swagger UI's `static` folder in the installed `swagger-ui-py` distribution."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install swagger-ui-py")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@router.get(DOCS_PATH, response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=OPENAPI_PATH,
        title="recall-sim: API docs",
        swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get(ASSETS_PATH + "/{name}")
async def asset(name: str) -> FileResponse:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound()
    # Immutable for as long as this version is installed: a browser need not ask again within a day.
    return FileResponse(
        assets_dir() / name, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"}
    )
