"""The per-artifact endpoints, `/api/v1/<kind>/` for all five kinds: list with `recording_id`, retrieve,
PATCH metadata, DELETE, and another kind's id answering 404.

Each test goes through the five kinds in turn on one region (the assertion messages name the kind):
the endpoints are one pattern, and a region per kind would only repeat the set-up.
"""

from __future__ import annotations

from typing import Any

from recall_sim.seams import VirtualClock
from recall_sim.simulator.records import ARTIFACT_KINDS
from tests.simulator.factories import add_artifact, build_recording
from tests.support import Sim

NOT_FOUND = (404, {"detail": "Not found."})


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["results"]]


async def test_list_filters_by_recording(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    first = await build_recording(sim.region, client)
    clock.advance(1)
    second = await build_recording(sim.region, client)
    clock.advance(1)
    for kind in ARTIFACT_KINDS:
        again = add_artifact(sim.region, first.id, kind)

        async def listed(query: str = "", kind: str = kind) -> list[str]:
            response = await client.get(f"/api/v1/{kind}/{query}")
            assert response.status_code == 200, (kind, response.text)
            page = response.json()
            assert (page["next"], page["previous"]) == (None, None), kind
            return ids(page)

        assert await listed() == [again.id, second.artifacts[kind].id, first.artifacts[kind].id], kind
        assert await listed(f"?recording_id={first.id}") == [again.id, first.artifacts[kind].id], kind
        assert await listed(f"?recording_id={second.id}") == [second.artifacts[kind].id], kind
        assert await listed(f"?recording_id={first.upload['id']}") == [], kind
        assert await listed("?recording_id=") == await listed(), kind
        bad = await client.get(f"/api/v1/{kind}/?recording_id=first")
        assert (bad.status_code, bad.json()) == (400, {"recording_id": ["Enter a valid UUID."]}), kind


async def test_retrieve_renders_the_artifact_with_its_recording(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(
        sim.region, client, upload_body={"recording_config": {"metadata": {"team": "sales"}}}
    )
    shortcuts = (await client.get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"]
    for kind, artifact in built.artifacts.items():
        response = await client.get(f"/api/v1/{kind}/{artifact.id}/")
        assert response.status_code == 200, kind
        body = response.json()
        # The artifact's own endpoint is its shortcut plus the recording it belongs to (plus, for a
        # transcript, when it expires); links minted at the same instant are the same links.
        extra = {"recording": {"id": built.id, "metadata": {"team": "sales"}}}
        if kind == "transcript":
            extra["expires_at"] = "2025-01-13T09:00:00.000000Z"
        assert body == {**shortcuts[kind], **extra}, kind
        assert body["id"] == artifact.id
        assert body["status"] == {
            "code": "done",
            "sub_code": None,
            "updated_at": "2025-01-06T09:00:00.000000Z",
        }


async def test_patch_merges_metadata(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    for kind, artifact in built.artifacts.items():
        url = f"/api/v1/{kind}/{artifact.id}/"
        before = (await client.get(url)).json()
        first = await client.patch(url, json={"metadata": {"a": "1", "b": "2"}})
        assert (first.status_code, first.json()) == (200, {**before, "metadata": {"a": "1", "b": "2"}}), kind
        second = await client.patch(
            url, json={"metadata": {"b": None}, "status": {"code": "failed"}, "data": {}}
        )
        assert (second.status_code, second.json()) == (200, {**before, "metadata": {"a": "1", "b": None}}), (
            kind
        )
        assert (await client.get(url)).json() == second.json(), kind
        invalid = await client.patch(url, json={"metadata": {"a": 1}})
        assert (invalid.status_code, invalid.json()) == (400, {"metadata": {"a": ["Not a valid string."]}}), (
            kind
        )
    shortcuts = (await client.get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"]
    for kind in ARTIFACT_KINDS:
        assert shortcuts[kind]["metadata"] == {"a": "1", "b": None}, kind


async def test_delete_removes_the_artifact_and_its_media(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    for kind in ARTIFACT_KINDS:
        built = await build_recording(sim.region, client)
        artifact = built.artifacts[kind]
        url = f"/api/v1/{kind}/{artifact.id}/"
        clock.advance(5)
        events_before = {e["id"] for e in sim.region.store.find("events")}
        response = await client.delete(url)
        assert (response.status_code, response.content) == (204, b""), kind
        for method in ("GET", "PATCH", "DELETE"):
            gone = await client.request(method, url, json={"metadata": {}} if method == "PATCH" else None)
            assert (gone.status_code, gone.json()) == NOT_FOUND, (kind, method)
        assert ids((await client.get(f"/api/v1/{kind}/?recording_id={built.id}")).json()) == [], kind
        assert not any(sim.region.blobs.exists(key) for key in artifact.blobs.values()), kind
        recording = (await client.get(f"/api/v1/recording/{built.id}/")).json()
        assert recording["media_shortcuts"][kind] is None, kind
        assert recording["status"]["code"] == "done", kind
        # The other artifacts are untouched.
        for other, kept in built.artifacts.items():
            if other != kind:
                assert recording["media_shortcuts"][other]["id"] == kept.id, (kind, other)
                assert all(sim.region.blobs.exists(key) for key in kept.blobs.values()), (kind, other)
        events = [e for e in sim.region.store.find("events") if e["id"] not in events_before]
        assert [(e["type"], e["artifact"], e["recording"]) for e in events] == [
            (f"{kind}.deleted", {"id": artifact.id, "metadata": {}}, {"id": built.id, "metadata": {}})
        ], kind
        deleted_at = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        assert events[0]["status"] == {"code": "deleted", "sub_code": None, "updated_at": deleted_at}, kind


async def test_an_artifact_still_processing_cannot_be_deleted(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client, status="processing")
    for kind, artifact in built.artifacts.items():
        url = f"/api/v1/{kind}/{artifact.id}/"
        before = (await client.get(url)).json()
        response = await client.delete(url)
        assert (response.status_code, response.json()) == (
            400,
            {"detail": f"{kind} cannot be deleted while it is processing."},
        ), kind
        assert (await client.get(url)).json() == before, kind
    assert sim.region.store.count("events") == 0


async def test_another_kinds_id_is_not_found(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    for kind in ARTIFACT_KINDS:
        for other, artifact in built.artifacts.items():
            if other == kind:
                continue
            url = f"/api/v1/{kind}/{artifact.id}/"
            for method in ("GET", "PATCH", "DELETE"):
                body = {"metadata": {"x": "y"}} if method == "PATCH" else None
                response = await client.request(method, url, json=body)
                assert (response.status_code, response.json()) == NOT_FOUND, (kind, method, other)
        listed = await client.get(f"/api/v1/{kind}/?recording_id={built.id}")
        assert ids(listed.json()) == [built.artifacts[kind].id], kind
        for unknown in (built.id, built.upload["id"], "not-an-id"):
            response = await client.get(f"/api/v1/{kind}/{unknown}/")
            assert (response.status_code, response.json()) == NOT_FOUND, (kind, unknown)
    # Nothing was changed or deleted through the wrong endpoint.
    for kind, artifact in built.artifacts.items():
        current = (await client.get(f"/api/v1/{kind}/{artifact.id}/")).json()
        assert current["metadata"] == {}, kind
