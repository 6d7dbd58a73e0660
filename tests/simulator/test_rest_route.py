"""The REST routes answer without FastAPI's per-request handler (simulator/api/rest_route.py), byte for byte
as that handler answers; and what stands between the server and the routes is one layer of ours, no
`BaseHTTPMiddleware` anywhere."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, request_response
from starlette.middleware.base import BaseHTTPMiddleware

from recall_sim.simulator.api.region_middleware import RegionMiddleware
from recall_sim.simulator.api.rest_route import RestRoute, is_lean
from tests.simulator.factories import build_recording
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])


def _route(sim: Sim, path: str, method: str) -> RestRoute:
    found = [r for r in sim.app.routes if isinstance(r, RestRoute) and r.path == path and method in r.methods]
    assert len(found) == 1, (path, method)
    return found[0]


async def _both(sim: Sim, route: RestRoute, send: Any) -> tuple[httpx.Response, httpx.Response]:
    """The answer of the lean route, then of FastAPI's own handler for the same route."""
    assert route.app == route._answer  # lean
    lean = await send()
    route.app = request_response(APIRoute.get_route_handler(route))
    try:
        fastapi = await send()
    finally:
        route.app = route._answer
    return lean, fastapi


def _same(lean: httpx.Response, fastapi: httpx.Response) -> None:
    assert lean.status_code == fastapi.status_code
    assert lean.headers.multi_items() == fastapi.headers.multi_items()
    assert lean.content == fastapi.content


async def test_the_hot_routes_are_lean(sim: Sim) -> None:
    assert is_lean(_route(sim, "/api/v1/sdk_upload/", "POST"))
    assert is_lean(_route(sim, "/api/v1/recording/{id}/", "GET"))
    # Query parameters that are optional strings are handed over too.
    assert is_lean(_route(sim, "/api/v1/recording/", "GET"))


async def test_a_recording_answers_as_fastapi_answers_it(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client, upload_body={"metadata": {"team": "a"}})
    route = _route(sim, "/api/v1/recording/{id}/", "GET")
    lean, fastapi = await _both(sim, route, lambda: client.get(f"/api/v1/recording/{built.id}/"))
    assert lean.status_code == 200
    assert lean.json()["media_shortcuts"]["video_mixed"]["data"]["download_url"]
    _same(lean, fastapi)
    # An unknown id: the same 404, rendered by the app's exception handlers either way.
    lean, fastapi = await _both(sim, route, lambda: client.get("/api/v1/recording/nope/"))
    assert lean.status_code == 404
    _same(lean, fastapi)


async def test_a_list_with_its_query_answers_as_fastapi_answers_it(sim: Sim) -> None:
    client = sim.client()
    first = await build_recording(sim.region, client)
    await build_recording(sim.region, client)
    route = _route(sim, "/api/v1/recording/", "GET")
    for query in ("", f"?desktop_sdk_upload_id={first.upload['id']}", "?status_code=bogus&bot_id=x"):
        lean, fastapi = await _both(sim, route, lambda q=query: client.get(f"/api/v1/recording/{q}"))
        _same(lean, fastapi)
    assert lean.status_code == 400


async def test_a_created_upload_answers_as_fastapi_answers_it(sim: Sim) -> None:
    client = sim.client()
    route = _route(sim, "/api/v1/sdk_upload/", "POST")
    lean, fastapi = await _both(sim, route, lambda: client.post("/api/v1/sdk_upload/", json={}))
    assert lean.status_code == fastapi.status_code == 201
    assert lean.headers.multi_items() == fastapi.headers.multi_items()
    # Two uploads: the same shape, other ids.
    assert lean.json().keys() == fastapi.json().keys()
    assert lean.json()["id"] != fastapi.json()["id"]


async def test_one_layer_of_ours_and_no_base_http_middleware(sim: Sim) -> None:
    await sim.client().get("/_simulator/health")  # the stack is built at the first request
    assert [m.cls for m in sim.app.user_middleware] == [RegionMiddleware]
    layers = []
    app: Any = sim.app.middleware_stack
    while app is not None and not isinstance(app, type(sim.app.router)):
        layers.append(app)
        app = getattr(app, "app", None)
    assert not any(isinstance(layer, BaseHTTPMiddleware) for layer in layers)
    assert sum(isinstance(layer, RegionMiddleware) for layer in layers) == 1
