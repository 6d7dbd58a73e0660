"""Workspaces and regions keep their rooms apart: another workspace's ids are 404 on every endpoint, and
a key of a workspace in another region is an invalid token on every endpoint."""

from __future__ import annotations

from typing import Any

import httpx

from recall_sim.simulator.control_plane import WorkspaceCreate
from recall_sim.simulator.records import ARTIFACT_KINDS
from tests.simulator.factories import Built, build_recording
from tests.support import Sim

NOT_FOUND = (404, {"detail": "Not found."})


def endpoints_of(built: Built) -> list[tuple[str, str, Any]]:
    """Every (method, path, body) that names one of `built`'s resources by id."""
    upload = built.upload["id"]
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"/api/v1/sdk_upload/{upload}/", None),
        ("GET", f"/api/v1/sdk-upload/{upload}/", None),
        ("GET", f"/api/v2/desktop-sdk-upload/{upload}/", None),
        ("GET", f"/api/v1/recording/{built.id}/", None),
        ("PATCH", f"/api/v1/recording/{built.id}/", {"metadata": {"taken": "yes"}}),
        ("DELETE", f"/api/v1/recording/{built.id}/", None),
    ]
    for kind, artifact in built.artifacts.items():
        calls += [
            ("GET", f"/api/v1/{kind}/{artifact.id}/", None),
            ("PATCH", f"/api/v1/{kind}/{artifact.id}/", {"metadata": {"taken": "yes"}}),
            ("DELETE", f"/api/v1/{kind}/{artifact.id}/", None),
        ]
    return calls


async def snapshot(client: httpx.AsyncClient, built: Built) -> list[Any]:
    """What the owner sees of its resources (download links left out: they are minted per read)."""
    seen = []
    for method, path, _ in endpoints_of(built):
        if method == "GET":
            body = (await client.get(path)).json()
            body.pop("media_shortcuts", None)
            body.pop("data", None)
            seen.append(body)
    return seen


async def test_another_workspaces_ids_are_not_found_everywhere(sim: Sim) -> None:
    owner = sim.client()
    built = await build_recording(sim.region, owner, upload_body={"metadata": {"owner": "me"}})
    before = await snapshot(owner, built)
    for profile in ("seed", "current"):
        other = sim.control.create_workspace(WorkspaceCreate(name=f"other-{profile}", profile=profile))
        intruder = sim.client(other.api_keys[0])
        for method, path, body in endpoints_of(built):
            response = await intruder.request(method, path, json=body)
            assert (response.status_code, response.json()) == NOT_FOUND, (profile, method, path)
        # Lists and filters show none of it either.
        lists = [
            "/api/v1/sdk_upload/",
            "/api/v1/recording/",
            f"/api/v1/recording/?desktop_sdk_upload_id={built.upload['id']}",
            *(f"/api/v1/{kind}/" for kind in ARTIFACT_KINDS),
            *(f"/api/v1/{kind}/?recording_id={built.id}" for kind in ARTIFACT_KINDS),
        ]
        for path in lists:
            response = await intruder.get(path)
            assert (response.status_code, response.json()["results"]) == (200, []), path
    # Nothing was changed or deleted, and the owner still sees everything.
    assert await snapshot(owner, built) == before
    assert (await owner.get(f"/api/v1/recording/{built.id}/")).json()["metadata"] == {}


async def test_a_key_of_another_region_is_an_invalid_token_everywhere(sim: Sim) -> None:
    owner = sim.client()
    built = await build_recording(sim.region, owner)
    before = await snapshot(owner, built)
    # The control plane can create it (a fixture for multi-region tests), but this region does not
    # serve it: each Recall region is a separate deployment.
    foreign = sim.control.create_workspace(WorkspaceCreate(name="frankfurt", region="eu-central-1"))
    assert foreign.region == "eu-central-1"
    calls = [
        *endpoints_of(built),
        ("POST", "/api/v1/sdk_upload/", None),
        ("POST", "/api/v1/sdk-upload/", {"metadata": {}}),
        ("GET", "/api/v1/sdk_upload/", None),
        ("GET", "/api/v1/sdk-upload/", None),
        ("GET", "/api/v1/recording/", None),
        *(("GET", f"/api/v1/{kind}/", None) for kind in ARTIFACT_KINDS),
    ]
    for header in (f"Token {foreign.api_keys[0]}", foreign.api_keys[0]):
        client = sim.client(None, Authorization=header)
        for method, path, body in calls:
            response = await client.request(method, path, json=body)
            assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."}), (
                method,
                path,
            )
            # An Idempotency-Key changes nothing about that.
            keyed = await client.request(method, path, json=body, headers={"Idempotency-Key": "k"})
            assert keyed.status_code == 401, (method, path)
    assert sim.region.store.count("sdk_uploads") == 1
    assert sim.region.store.count("idempotency") == 0
    assert await snapshot(owner, built) == before
