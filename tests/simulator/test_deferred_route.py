"""Routes analysed on first use (`DeferredRoute`) answer and document exactly as FastAPI's own routes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.exceptions import FastAPIError
from fastapi.routing import APIRoute
from pydantic import BaseModel

from recall_sim.simulator.api.deferred_route import DeferredRoute


class Greeting(BaseModel):
    text: str
    times: int


async def _shout(loud: bool = Query(False)) -> bool:
    return loud


def _app(route_class: type[APIRoute]) -> tuple[FastAPI, APIRouter]:
    router = APIRouter(prefix="/v1", tags=["greeting"], route_class=route_class)

    @router.get("/greeting/{name}", operation_id="greeting_retrieve")
    async def greeting(name: str, times: int = Query(1, ge=1), loud: bool = Depends(_shout)) -> Greeting:
        return Greeting(text=name.upper() if loud else name, times=times)

    @router.post("/greeting/", status_code=201)
    async def create(body: Greeting) -> dict[str, Any]:
        return {"created": body.text}

    app = FastAPI(title="greeting", version="1")
    app.router.routes.extend(router.routes)  # as the region's app does (app.py)
    return app, router


def _analysed(router: APIRouter) -> list[bool]:
    return ["dependant" in route.__dict__ for route in router.routes]


REQUESTS = [
    ("GET", "/v1/greeting/ada", None),
    ("GET", "/v1/greeting/ada?times=3&loud=true", None),
    ("GET", "/v1/greeting/ada?times=0", None),  # FastAPI's 422
    ("POST", "/v1/greeting/", {"text": "hi", "times": 2}),
    ("POST", "/v1/greeting/", {"text": "hi"}),
    ("DELETE", "/v1/greeting/ada", None),  # 405, with the methods the path answers
    ("GET", "/v1/nothing", None),
]


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://region")


async def test_a_route_is_analysed_on_its_first_request_and_answers_as_fastapis_own() -> None:
    answers: dict[str, list[tuple[int, bytes, str | None]]] = {}
    for route_class in (APIRoute, DeferredRoute):
        app, router = _app(route_class)
        assert _analysed(router) == [route_class is APIRoute] * 2
        async with _client(app) as client:
            answers[route_class.__name__] = []
            for method, url, body in REQUESTS:
                r = await client.request(method, url, json=body)
                answers[route_class.__name__].append((r.status_code, r.content, r.headers.get("allow")))
        assert _analysed(router) == [True, True]
    assert answers["DeferredRoute"] == answers["APIRoute"]
    assert answers["APIRoute"][1][:2] == (200, b'{"text":"ADA","times":3}')


async def test_only_the_route_asked_for_is_analysed() -> None:
    app, router = _app(DeferredRoute)
    copy.deepcopy(router.routes[1])  # probing for `__deepcopy__` and the like needs no analysis
    assert _analysed(router) == [False, False]
    async with _client(app) as client:
        assert (await client.get("/v1/greeting/ada")).status_code == 200
    assert _analysed(router) == [True, False]


def test_the_openapi_document_is_the_same_byte_for_byte() -> None:
    documents = []
    for route_class in (APIRoute, DeferredRoute):
        app, router = _app(route_class)
        documents.append(json.dumps(app.openapi()).encode())
        assert _analysed(router) == [True, True]
    assert documents[0] == documents[1]
    assert b"greeting_retrieve" in documents[0]


class NotAField:
    pass


def test_a_route_fastapi_cannot_analyse_fails_at_its_first_use_and_every_use_after() -> None:
    async def broken() -> NotAField:
        return NotAField()

    route = DeferredRoute("/broken", broken, methods=["GET"])
    assert (route.path, route.methods, route.name) == ("/broken", {"GET"}, "broken")
    for _ in range(2):  # not left half-analysed: the second use fails the same way
        with pytest.raises(FastAPIError):
            _ = route.dependant
    with pytest.raises(FastAPIError):
        APIRoute("/broken", broken, methods=["GET"])


_DOCUMENT = """
import sys
import httpx
from recall_sim.simulator.serve import served
from recall_sim.simulator.settings import Settings

# The first request analyses its route, the document every route: on a busy machine that outlasts
# httpx's default five seconds.
with served(Settings(seed=1)) as region, httpx.Client(base_url=region.base_url, timeout=60) as client:
    for path in sys.argv[1:]:
        assert client.get(path, headers={"Authorization": "Token nobody"}).status_code < 500
    sys.stdout.buffer.write(client.get("/_simulator/openapi.json").content)
"""


@pytest.mark.served
def test_the_regions_document_does_not_depend_on_which_routes_answered_first() -> None:
    # Routes are shared by every app of a process, so each order needs a process of its own.
    def document(*first: str) -> bytes:
        command = [sys.executable, "-c", _DOCUMENT, *first]
        done = subprocess.run(command, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout

    fresh = document()
    assert json.loads(fresh)["paths"]
    assert document("/_simulator/health", "/api/v1/recording/", "/api/v1/sdk_upload/") == fresh
