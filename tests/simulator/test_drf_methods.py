"""Every REST resource answers methods as Django REST Framework's views do: HEAD as its GET without a
body, OPTIONS with DRF's metadata, 405 with an `Allow` header naming every method (HEAD and OPTIONS
too), each after authentication; and a path without its trailing slash gets Django's APPEND_SLASH 301.

The resources are read from the served OpenAPI document, path by path, so a route added later is
checked without this file changing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from recall_sim.simulator import Settings
from recall_sim.simulator.api.drf_methods import is_rest_path
from recall_sim.simulator.serve import served
from tests.simulator.factories import Built, build_recording
from tests.support import Sim

#: the store cannot matter here
memory = pytest.mark.parametrize("store_kind", ["memory"])

DRF_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
METADATA_KEYS = {"name", "description", "renders", "parses"}
NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}


def resources(document: dict[str, Any]) -> dict[str, set[str]]:
    """REST path -> the methods its operations serve (not those declared only for their 405, nor the
    HEAD and OPTIONS every resource answers)."""
    found: dict[str, set[str]] = {}
    for path, operations in document["paths"].items():
        if not is_rest_path(path):
            continue
        found[path] = {
            method.upper()
            for method, op in operations.items()
            if method not in ("head", "options") and "405" not in op["responses"]
        }
    return found


def expected_allow(methods: set[str]) -> str:
    answered = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(m for m in DRF_ORDER if m in answered)


def concrete(template: str, built: Built) -> str:
    """The template with a real object of the caller's where one is known, else a made-up id."""
    resource = template.split("/")[3]
    ids = {"sdk_upload": built.upload["id"], "sdk-upload": built.upload["id"], "recording": built.id}
    ids["desktop-sdk-upload"] = built.upload["id"]
    ids.update({kind: artifact.id for kind, artifact in built.artifacts.items()})
    return re.sub(r"\{[^}]+\}", ids.get(resource, str(uuid.UUID(int=3))), template)


async def document_and_recording(sim: Sim) -> tuple[dict[str, Any], Built]:
    client = sim.client()
    document = (await client.get("/_simulator/openapi.json")).json()
    return document, await build_recording(sim.region, client)


@memory
async def test_every_resource_answers_options_with_drfs_metadata_after_authentication(sim: Sim) -> None:
    document, built = await document_and_recording(sim)
    client, anonymous = sim.client(), sim.client(None)
    found = resources(document)
    assert len(found) >= 15, sorted(found)
    names = set()
    for template, methods in found.items():
        assert "options" in document["paths"][template], template
        path = concrete(template, built)
        answer = await client.options(path)
        assert answer.status_code == 200, (template, answer.text)
        body = answer.json()
        assert set(body) == METADATA_KEYS, template
        assert body["renders"] == ["application/json", "text/html"]
        assert body["parses"] == [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ]
        assert answer.headers["allow"] == expected_allow(methods), template
        names.add(body["name"])
        refused = await anonymous.options(path)
        assert (refused.status_code, refused.json()) == (401, NO_CREDENTIALS), template
        assert "allow" not in refused.headers, template
    assert {"Sdk Upload List", "Sdk Upload Instance", "Recording List", "Create transcript"} <= names


@memory
async def test_every_resource_with_a_get_answers_head_as_that_get_without_its_body(sim: Sim) -> None:
    document, built = await document_and_recording(sim)
    client, anonymous = sim.client(), sim.client(None)
    with_get = {t: m for t, m in resources(document).items() if "GET" in m}
    assert with_get
    for template in with_get:
        assert "head" in document["paths"][template], template
        path = concrete(template, built)
        got, head = await client.get(path), await client.head(path)
        assert got.status_code == 200, (template, got.text)
        assert head.status_code == got.status_code, template
        assert head.content == b"", template
        for header in ("content-type", "content-length"):
            assert head.headers[header] == got.headers[header], (template, header)
        refused = await anonymous.head(path)
        assert (refused.status_code, refused.content) == (401, b""), template
    # A resource without a GET has no HEAD either.
    for template, methods in resources(document).items():
        if "GET" not in methods:
            assert "head" not in document["paths"][template], template
            head = await client.head(concrete(template, built))
            assert (head.status_code, head.headers["allow"]) == (405, expected_allow(methods)), template


@memory
async def test_every_method_a_resource_lacks_is_405_with_allow_after_authentication(sim: Sim) -> None:
    document, built = await document_and_recording(sim)
    client, anonymous = sim.client(), sim.client(None)
    checked = 0
    for template, methods in resources(document).items():
        path = concrete(template, built)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
            refused = await anonymous.request(method, path, json={})
            assert (refused.status_code, refused.json()) == (401, NO_CREDENTIALS), (method, template)
            answer = await client.request(method, path, json={"metadata": {"k": "v"}})
            assert (answer.status_code, answer.json()) == (
                405,
                {"detail": f'Method "{method}" not allowed.'},
            ), (method, template)
            assert answer.headers["allow"] == expected_allow(methods), (method, template)
            checked += 1
    assert checked >= 30
    # The upload, as observed on the live service.
    upload = await client.patch(f"/api/v1/sdk_upload/{built.upload['id']}/", json={})
    assert upload.headers["allow"] == "GET, HEAD, OPTIONS"


@memory
async def test_a_path_without_its_slash_is_redirected_as_django_appends_it(sim: Sim) -> None:
    document, built = await document_and_recording(sim)
    client, anonymous = sim.client(), sim.client(None)
    for template in resources(document):
        path = concrete(template, built)
        unslashed = path.rstrip("/")
        for method in ("GET", "POST", "PATCH", "OPTIONS"):
            # Before any view runs, so before authentication.
            for caller in (client, anonymous):
                answer = await caller.request(method, unslashed + "?cursor=c1")
                assert answer.status_code == 301, (method, template, answer.status_code)
                assert answer.headers["location"] == path + "?cursor=c1", (method, template)
                assert answer.content == b""
    # A client that follows it gets the resource (a POST turns into a GET, as with Django).
    following = sim.client()
    following.follow_redirects = True
    listed = await following.get("/api/v1/recording")
    assert (listed.status_code, listed.url.path) == (200, "/api/v1/recording/")
    # What no slash can turn into a resource is still a plain 404.
    missing = await client.get("/api/v1/no_such_thing")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})


@pytest.mark.served
def test_head_over_real_http_sends_the_gets_headers_and_no_body() -> None:
    """Through uvicorn too: the length is the GET's, and the connection goes on to the next request."""
    with served(Settings(seed=11)) as handle:
        auth = {"Authorization": f"Token {handle.api_key}"}
        with httpx.Client(base_url=handle.base_url, headers=auth, timeout=10) as client:
            client.post("/api/v1/sdk_upload/").raise_for_status()
            got = client.get("/api/v1/sdk_upload/")
            head = client.head("/api/v1/sdk_upload/")
            assert (head.status_code, head.content) == (200, b"")
            assert head.headers["content-length"] == got.headers["content-length"]
            moved = client.get("/api/v1/sdk_upload")
            assert (moved.status_code, moved.headers["location"]) == (301, "/api/v1/sdk_upload/")
            assert client.get("/api/v1/sdk_upload/").json() == got.json()
