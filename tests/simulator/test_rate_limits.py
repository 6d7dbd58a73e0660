"""Per-workspace rate limits on the region's (virtual) clock, with DRF's 429 body and `Retry-After`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator.control_plane import WorkspaceCreate
from tests.simulator.factories import build_recording
from tests.support import Sim, make_sim

# The limiter's window lives in the region's memory, except on a store several processes share
# (PostgreSQL), where it is the store's; running hundreds of requests again on SQLite would prove nothing.
pytestmark = pytest.mark.parametrize("store_kind", ["memory", "postgresql"])


def throttled(wait: int) -> tuple[int, dict[str, str], str]:
    unit = "second" if wait == 1 else "seconds"
    return 429, {"detail": f"Request was throttled. Expected available in {wait} {unit}."}, str(wait)


def outcome(response: httpx.Response) -> tuple[int, dict[str, str], str | None]:
    return response.status_code, response.json(), response.headers.get("retry-after")


async def test_the_301st_upload_within_a_minute_is_throttled(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    for _ in range(200):
        assert (await client.post("/api/v1/sdk_upload/")).status_code == 201
    clock.advance(30)
    for _ in range(100):
        assert (await client.post("/api/v1/sdk-upload/")).status_code == 201
    # The window is full until the first 200 are a minute old: 30 more seconds.
    assert outcome(await client.post("/api/v1/sdk_upload/")) == throttled(30)
    assert sim.region.store.count("sdk_uploads") == 300
    clock.advance(29)
    assert outcome(await client.post("/api/v1/sdk-upload/")) == throttled(1)
    clock.advance(1)
    # Those 200 have left the window (refused requests never entered it); the last 100 have not.
    for _ in range(200):
        assert (await client.post("/api/v1/sdk_upload/")).status_code == 201
    assert outcome(await client.post("/api/v1/sdk_upload/")) == throttled(30)
    assert sim.region.store.count("sdk_uploads") == 500


@pytest.mark.parametrize(
    "path",
    ["/api/v1/sdk_upload/", "/api/v1/recording/", "/api/v1/video_mixed/", "/api/v1/transcript/"],
)
async def test_lists_allow_60_a_minute(sim: Sim, clock: VirtualClock, path: str) -> None:
    client = sim.client()
    for i in range(60):
        assert (await client.get(path)).status_code == 200, i
    assert outcome(await client.get(path)) == throttled(60)
    clock.advance(45)
    assert outcome(await client.get(path)) == throttled(15)
    # Other operations have their own budgets.
    assert (await client.post("/api/v1/sdk_upload/")).status_code == 201
    other = "/api/v1/audio_mixed/" if path == "/api/v1/recording/" else "/api/v1/recording/"
    assert (await client.get(other)).status_code == 200
    clock.advance(15)
    assert (await client.get(path)).status_code == 200


async def test_limits_are_per_workspace(sim: Sim) -> None:
    mine = sim.client()
    second_key = sim.control.create_api_key(sim.region.default_workspace.id)
    theirs = sim.client(sim.control.create_workspace(WorkspaceCreate(name="theirs")).api_keys[0])
    for _ in range(60):
        assert (await mine.get("/api/v1/sdk_upload/")).status_code == 200
    assert outcome(await mine.get("/api/v1/sdk_upload/")) == throttled(60)
    # Another key of the same workspace shares its budget...
    assert outcome(await sim.client(second_key).get("/api/v1/sdk_upload/")) == throttled(60)
    # ...another workspace has its own.
    for _ in range(60):
        assert (await theirs.get("/api/v1/sdk_upload/")).status_code == 200
    assert outcome(await theirs.get("/api/v1/sdk_upload/")) == throttled(60)


async def test_unauthenticated_requests_do_not_count(sim: Sim) -> None:
    for _ in range(61):
        response = await sim.client(None).get("/api/v1/recording/")
        assert response.status_code == 401
        response = await sim.client("not-a-key").get("/api/v1/recording/")
        assert response.status_code == 401
    client = sim.client()
    for _ in range(60):
        assert (await client.get("/api/v1/recording/")).status_code == 200


async def test_every_endpoint_counts_against_its_scope(sim: Sim) -> None:
    """Each route is wired to the scope (and so the limit) the contract gives it: fill that scope's
    window directly, and the route answers 429."""
    client = sim.client()
    built = await build_recording(sim.region, client)
    upload_id = built.upload["id"]
    workspace_id = sim.region.default_workspace.id
    routes: list[tuple[str, int, str, str]] = [
        ("sdk_upload_create", 300, "POST", "/api/v1/sdk_upload/"),
        ("sdk_upload_list", 60, "GET", "/api/v1/sdk-upload/"),
        ("sdk_upload_retrieve", 300, "GET", f"/api/v1/sdk_upload/{upload_id}/"),
        ("sdk_upload_retrieve", 300, "GET", f"/api/v2/desktop-sdk-upload/{upload_id}/"),
        ("recording_list", 60, "GET", "/api/v1/recording/"),
        ("recording_retrieve", 300, "GET", f"/api/v1/recording/{built.id}/"),
        ("recording_retrieve", 300, "PATCH", f"/api/v1/recording/{built.id}/"),
        ("recording_retrieve", 300, "DELETE", f"/api/v1/recording/{built.id}/"),
        ("transcript_list", 60, "GET", "/api/v1/transcript/"),
    ]
    transcript = built.artifacts["transcript"].id
    for method in ("GET", "PATCH", "DELETE"):
        routes.append(("transcript_retrieve", 300, method, f"/api/v1/transcript/{transcript}/"))
    for kind in ("video_mixed", "audio_mixed", "participant_events", "meeting_metadata"):
        routes.append(("artifact_list", 60, "GET", f"/api/v1/{kind}/"))
        for method in ("GET", "PATCH", "DELETE"):
            routes.append(("artifact_retrieve", 300, method, f"/api/v1/{kind}/{built.artifacts[kind].id}/"))
    for scope, limit, method, path in routes:
        sim.region.limiter.reset()
        for _ in range(limit - 1):
            sim.region.limiter.check(scope, workspace_id)
        body = {"metadata": {}} if method == "PATCH" else None
        if method != "DELETE":  # the last request within the limit still works (and deletes nothing)
            assert (await client.request(method, path, json=body)).status_code in (200, 201), (method, path)
        else:
            sim.region.limiter.check(scope, workspace_id)
        refused = await client.request(method, path, json=body)
        assert outcome(refused) == throttled(60), (scope, method, path)
    assert (await client.get(f"/api/v1/recording/{built.id}/")).status_code == 200


async def test_limits_can_be_switched_off(clock: VirtualClock, tmp_path: Path, store_kind: str) -> None:
    unlimited = make_sim(clock, tmp_path, store_kind, rate_limits=False)
    try:
        client = unlimited.client()
        for _ in range(61):
            assert (await client.get("/api/v1/sdk_upload/")).status_code == 200
    finally:
        await unlimited.aclose()
        unlimited.close()
