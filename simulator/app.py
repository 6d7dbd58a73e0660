"""The FastAPI application for one region: routers, middleware, and the one place errors are rendered."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from recall_sim.seams import Clock
from recall_sim.simulator.api import docs
from recall_sim.simulator.api.openapi import install_openapi
from recall_sim.simulator.api.region_middleware import RegionMiddleware
from recall_sim.simulator.api.responses import error_response
from recall_sim.simulator.api.routes import (
    artifacts,
    control,
    downloads,
    ingest,
    realtime,
    recording,
    sdk_upload,
    webhooks,
)
from recall_sim.simulator.api.routes.ingest import FILES_PATH
from recall_sim.simulator.dashboard import router as dashboard
from recall_sim.simulator.errors import (
    ApiError,
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from recall_sim.simulator.ingest.tus import TUS_VERSION
from recall_sim.simulator.region import Region
from recall_sim.simulator.settings import Settings
from recall_sim.simulator.store import BlobStore, Store
from recall_sim.simulator.validation import drf_errors

if TYPE_CHECKING:
    import httpx  # annotations only: httpx loads when a request goes out

__all__ = ["create_app"]

#: FastAPI's native OpenTelemetry (in its newer releases) asks the global providers on every request and
#: wraps each one in spans; the region exports no telemetry, so it is off wherever FastAPI has it.
_NO_TELEMETRY: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    for error in errors:
        if error.get("type") == "json_invalid":
            reason = error.get("ctx", {}).get("error", "Expecting value")
            return error_response(BadRequest(f"JSON parse error - {reason}"))
    # Locations start with where the value came from ("body", "query", "path"): DRF does not say.
    return error_response(ValidationFailed(drf_errors(errors, strip=1)))


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE and isinstance(route, Route | APIRoute) and route.methods:
            if getattr(route.endpoint, "refuses", False):
                continue  # declared only to document its 405
            methods |= set(route.methods)
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        response = error_response(MethodNotAllowed(request.method))
        response.headers["Allow"] = ", ".join(_allowed_methods(request))
        return response
    if exc.status_code == 404:
        return error_response(NotFound())
    if isinstance(exc.__cause__, PayloadTooLarge):
        # FastAPI turns any error while it reads a body into a 400; this one was the size limit.
        return error_response(exc.__cause__)
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


def create_app(
    settings: Settings | None = None,
    *,
    region: Region | None = None,
    clock: Clock | None = None,
    store: Store | None = None,
    blobs: BlobStore | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    realtime_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """A region's ASGI app. Pass a `region` to share one, or the parts to build one from."""
    region = region or Region(
        settings,
        clock=clock,
        store=store,
        blobs=blobs,
        webhook_transport=webhook_transport,
        realtime_transport=realtime_transport,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await region.start()
        try:
            yield
        finally:
            await region.stop()

    app = FastAPI(
        title="recall-sim",
        summary=f"A simulated Recall.ai region ({region.settings.region})",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/_simulator/openapi.json",
        # Served by simulator/api/docs.py from the package's own Swagger UI files, not FastAPI's CDN page.
        docs_url=None,
        redoc_url=None,
        **_NO_TELEMETRY,
    )
    app.state.region = region
    install_openapi(app)
    # Handlers are coroutines: Starlette runs plain functions in a worker thread, and on virtual time
    # a thread lets the clock jump while it works.
    handlers: dict[Any, Any] = {
        ApiError: _api_error,
        RequestValidationError: _validation_error,
        StarletteHTTPException: _http_error,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
    # One pure-ASGI layer (faults, tus headers, body limit, DRF methods, Idempotency-Key), inside
    # FastAPI's server-error middleware and outside its exception middleware, so it sees every answer.
    app.add_middleware(RegionMiddleware, files_prefix=FILES_PATH, tus_version=TUS_VERSION)
    # The routers are built once, at import, with their full paths; every app shares their routes.
    # (`include_router` would rebuild every route for each app: most of a test suite's time.)
    for router in _ROUTERS:
        app.router.routes.extend(router.routes)
    return app


_ROUTERS = [
    sdk_upload.router,
    recording.router,
    *artifacts.routers,
    downloads.router,
    ingest.router,
    realtime.router,
    control.router,
    webhooks.router,
    # After the control plane's JSON routes: the dashboard's pages answer HTML, outside the document.
    dashboard,
    docs.router,
]
