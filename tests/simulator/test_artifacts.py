"""The per-artifact endpoints, `/api/v1/<kind>/` for all five kinds: list with `recording_id`, retrieve,
PATCH metadata, DELETE, and another kind's id answering 404."""

from __future__ import annotations

from typing import Any

import pytest

from seams import VirtualClock
from simulator.records import ARTIFACT_KINDS, ArtifactKind
from tests.simulator.factories import add_artifact, build_recording
from tests.support import Sim

NOT_FOUND = (404, {"detail": "Not found."})

pytestmark = pytest.mark.parametrize("kind", ARTIFACT_KINDS)


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["results"]]


async def test_list_filters_by_recording(sim: Sim, clock: VirtualClock, kind: ArtifactKind) -> None:
    client = sim.client()
    first = await build_recording(sim.region, client)
    clock.advance(1)
    second = await build_recording(sim.region, client)
    clock.advance(1)
    again = add_artifact(sim.region, first.id, kind)

    async def listed(query: str = "") -> list[str]:
        response = await client.get(f"/api/v1/{kind}/{query}")
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["next"], page["previous"]) == (None, None)
        return ids(page)

    assert await listed() == [again.id, second.artifacts[kind].id, first.artifacts[kind].id]
    assert await listed(f"?recording_id={first.id}") == [again.id, first.artifacts[kind].id]
    assert await listed(f"?recording_id={second.id}") == [second.artifacts[kind].id]
    assert await listed(f"?recording_id={first.upload['id']}") == []
    assert await listed("?recording_id=") == await listed()
    bad = await client.get(f"/api/v1/{kind}/?recording_id=first")
    assert (bad.status_code, bad.json()) == (400, {"recording_id": ["Enter a valid UUID."]})


async def test_retrieve_renders_the_artifact_with_its_recording(sim: Sim, kind: ArtifactKind) -> None:
    client = sim.client()
    built = await build_recording(
        sim.region, client, upload_body={"recording_config": {"metadata": {"team": "sales"}}}
    )
    artifact = built.artifacts[kind]
    response = await client.get(f"/api/v1/{kind}/{artifact.id}/")
    assert response.status_code == 200
    body = response.json()
    shortcut = (await client.get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"][kind]
    # The artifact's own endpoint is its shortcut plus the recording it belongs to (plus, for a
    # transcript, when it expires).
    extra = {"recording": {"id": built.id, "metadata": {"team": "sales"}}}
    if kind == "transcript":
        extra["expires_at"] = "2025-01-13T09:00:00Z"
    assert body == {**shortcut, **extra}
    assert body["id"] == artifact.id
    assert body["status"] == {"code": "done", "sub_code": None, "updated_at": "2025-01-06T09:00:00Z"}


async def test_patch_merges_metadata(sim: Sim, kind: ArtifactKind) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    url = f"/api/v1/{kind}/{built.artifacts[kind].id}/"
    before = (await client.get(url)).json()
    first = await client.patch(url, json={"metadata": {"a": "1", "b": "2"}})
    assert (first.status_code, first.json()) == (200, {**before, "metadata": {"a": "1", "b": "2"}})
    second = await client.patch(url, json={"metadata": {"b": None}, "status": {"code": "failed"}, "data": {}})
    assert (second.status_code, second.json()) == (200, {**before, "metadata": {"a": "1", "b": None}})
    assert (await client.get(url)).json() == second.json()
    invalid = await client.patch(url, json={"metadata": {"a": 1}})
    assert (invalid.status_code, invalid.json()) == (400, {"metadata": {"a": ["Not a valid string."]}})
    shortcut = (await client.get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"][kind]
    assert shortcut["metadata"] == {"a": "1", "b": None}


async def test_delete_removes_the_artifact_and_its_media(
    sim: Sim, clock: VirtualClock, kind: ArtifactKind
) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    artifact = built.artifacts[kind]
    url = f"/api/v1/{kind}/{artifact.id}/"
    clock.advance(5)
    events_before = {e["id"] for e in sim.region.store.find("events")}
    response = await client.delete(url)
    assert (response.status_code, response.content) == (204, b"")
    for method in ("GET", "PATCH", "DELETE"):
        gone = await client.request(method, url, json={"metadata": {}} if method == "PATCH" else None)
        assert (gone.status_code, gone.json()) == NOT_FOUND, method
    assert ids((await client.get(f"/api/v1/{kind}/?recording_id={built.id}")).json()) == []
    assert not any(sim.region.blobs.exists(key) for key in artifact.blobs.values())
    recording = (await client.get(f"/api/v1/recording/{built.id}/")).json()
    assert recording["media_shortcuts"][kind] is None
    assert recording["status"]["code"] == "done"
    # The other artifacts are untouched.
    for other, kept in built.artifacts.items():
        if other != kind:
            assert recording["media_shortcuts"][other]["id"] == kept.id
            assert all(sim.region.blobs.exists(key) for key in kept.blobs.values())
    events = [e for e in sim.region.store.find("events") if e["id"] not in events_before]
    assert [(e["type"], e["artifact"], e["recording"]) for e in events] == [
        (f"{kind}.deleted", {"id": artifact.id, "metadata": {}}, {"id": built.id, "metadata": {}})
    ]
    assert events[0]["status"] == {"code": "deleted", "sub_code": None, "updated_at": "2025-01-06T09:00:05Z"}


async def test_an_artifact_still_processing_cannot_be_deleted(sim: Sim, kind: ArtifactKind) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client, status="processing")
    url = f"/api/v1/{kind}/{built.artifacts[kind].id}/"
    before = (await client.get(url)).json()
    response = await client.delete(url)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": f"{kind} cannot be deleted while it is processing."},
    )
    assert (await client.get(url)).json() == before
    assert sim.region.store.count("events") == 0


async def test_another_kinds_id_is_not_found(sim: Sim, kind: ArtifactKind) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    for other, artifact in built.artifacts.items():
        if other == kind:
            continue
        url = f"/api/v1/{kind}/{artifact.id}/"
        for method in ("GET", "PATCH", "DELETE"):
            body = {"metadata": {"x": "y"}} if method == "PATCH" else None
            response = await client.request(method, url, json=body)
            assert (response.status_code, response.json()) == NOT_FOUND, (method, other)
        listed = await client.get(f"/api/v1/{kind}/?recording_id={built.id}")
        assert ids(listed.json()) == [built.artifacts[kind].id]
    # Nothing was changed or deleted through the wrong endpoint.
    for other, artifact in built.artifacts.items():
        current = (await client.get(f"/api/v1/{other}/{artifact.id}/")).json()
        assert current["metadata"] == {}, other
    for unknown in (built.id, built.upload["id"], "not-an-id"):
        response = await client.get(f"/api/v1/{kind}/{unknown}/")
        assert (response.status_code, response.json()) == NOT_FOUND, unknown
