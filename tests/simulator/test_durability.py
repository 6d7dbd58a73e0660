"""A region restarted on its SQLite store and blob folder loses nothing: resources, keys, links, and the
position of every id stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from recall_sim.seams import RealClock, VirtualClock
from recall_sim.simulator import Region, Settings
from recall_sim.simulator.control_plane import ControlPlane, WorkspaceCreate
from recall_sim.simulator.records import ARTIFACT_KINDS
from tests.simulator.factories import Built, add_artifact, build_recording, create_upload, start_recording
from tests.support import Sim, make_sim

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"])


@asynccontextmanager
async def restarted(sim: Sim) -> AsyncIterator[Sim]:
    """The region stopped and started again on the same data directory, as a new process would."""
    await sim.region.stop()
    again = sim.restart()
    await again.region.start()
    try:
        yield again
    finally:
        await again.aclose()
        again.close()


async def everything(client: httpx.AsyncClient, built: list[Built]) -> dict[str, Any]:
    """Every list and every resource the API shows for `built`, by path."""
    paths = ["/api/v1/sdk_upload/", "/api/v1/recording/", *(f"/api/v1/{kind}/" for kind in ARTIFACT_KINDS)]
    for b in built:
        paths += [f"/api/v1/sdk_upload/{b.upload['id']}/", f"/api/v1/recording/{b.id}/"]
        paths += [f"/api/v1/{kind}/{a.id}/" for kind, a in b.artifacts.items()]
    seen = {}
    for path in paths:
        response = await client.get(path)
        seen[path] = (response.status_code, response.json())
    return seen


async def test_everything_is_still_there_after_a_restart(sim: Sim) -> None:
    client = sim.client()
    done = await build_recording(sim.region, client, upload_body={"metadata": {"user": "7"}})
    processing = await build_recording(sim.region, client, status="processing")
    deleted = await build_recording(sim.region, client)
    await create_upload(client, {"metadata": {"pending": "yes"}})
    await client.patch(f"/api/v1/recording/{done.id}/", json={"metadata": {"note": "kept"}})
    assert (await client.delete(f"/api/v1/recording/{deleted.id}/")).status_code == 204
    other = sim.control.create_workspace(WorkspaceCreate(name="other", profile="current"))
    other_key = sim.control.create_api_key(other.id)
    theirs = await create_upload(sim.client(other_key))
    built = [done, processing, deleted]
    before = await everything(client, built)
    assert before[f"/api/v1/recording/{deleted.id}/"][0] == 404
    state_before = sim.control.state()
    link = before[f"/api/v1/video_mixed/{done.artifacts['video_mixed'].id}/"][1]["data"]["download_url"]
    key, secret = sim.api_key, sim.region.default_workspace.webhook_secret

    async with restarted(sim) as again:
        assert (again.api_key, again.region.default_workspace.webhook_secret) == (key, secret)
        assert await everything(again.client(), built) == before
        assert again.control.state()["collections"] == state_before["collections"]
        # Links handed out before the restart still work: the signing key was kept too.
        response = await again.client(None).get(link)
        assert response.status_code == 200
        assert response.content == again.region.blobs.read_bytes(
            done.artifacts["video_mixed"].blobs["download"]
        )
        # The other workspace, its profile and both its keys.
        for api_key in [*other.api_keys, other_key]:
            fetched = await again.client(api_key).get(f"/api/v1/sdk_upload/{theirs['id']}/")
            assert (fetched.status_code, fetched.json()) == (200, theirs)
        assert again.control.get_workspace(other.id).profile == "current"


async def test_ids_continue_where_they_stopped(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    before = [await create_upload(sim.client()) for _ in range(3)]
    async with restarted(sim) as again:
        after = [await create_upload(again.client()) for _ in range(2)]
        recording_id = after[0]["recording_id"]
        start_recording(again.region, after[0]["id"])
        artifact = add_artifact(again.region, recording_id, "video_mixed")
    created = before + after
    ids = [u["id"] for u in created] + [u["recording_id"] for u in created] + [artifact.id]
    assert len(set(ids)) == len(ids)
    assert len({u["upload_token"] for u in created}) == 5
    # Exactly what a region that never stopped hands out: the streams resumed, they did not restart.
    unbroken = make_sim(clock, tmp_path / "unbroken", "memory")
    try:
        same = [await create_upload(unbroken.client()) for _ in range(5)]
        assert [(u["id"], u["recording_id"], u["upload_token"]) for u in same] == [
            (u["id"], u["recording_id"], u["upload_token"]) for u in created
        ]
    finally:
        await unbroken.aclose()
        unbroken.close()


def test_a_data_directory_keeps_the_generated_key_and_seed(tmp_path: Path, store_kind: str) -> None:
    # What `recall-sim serve --data-dir` does on each start: no seed, no key given.
    first = Region(Settings(data_dir=tmp_path))
    key, secret, seed = first.default_api_key.id, first.default_workspace.webhook_secret, first.seed
    workspace = first.workspaces.authenticate(f"Token {key}")
    first.close()

    second = Region(Settings(data_dir=tmp_path))
    try:
        assert (second.default_api_key.id, second.default_workspace.webhook_secret, second.seed) == (
            key,
            secret,
            seed,
        )
        assert second.workspaces.authenticate(key) == workspace
        assert len(second.workspaces.list_workspaces()) == 1
    finally:
        second.close()

    # Asking for a fixed key later adds it to the same workspace; the generated one keeps working.
    third = Region(Settings(data_dir=tmp_path, api_key="partner-fixed-key"))
    try:
        assert third.default_api_key.id == "partner-fixed-key"
        assert third.workspaces.authenticate("partner-fixed-key") == workspace
        assert third.workspaces.authenticate(key) == workspace
    finally:
        third.close()


def test_the_clock_goes_on_from_where_it_was_after_a_restart(tmp_path: Path, store_kind: str) -> None:
    # Frozen real clocks, as `serve --time-scale 0` runs: only advances move them.
    first = Region(Settings(data_dir=tmp_path, seed=3), clock=RealClock(scale=0))
    control = ControlPlane(first)
    first.clock.advance(3 * 3600)
    key = control.create_api_key(first.default_workspace.id)  # a unit of work, stamped now
    stamped = first.workspaces.keys.get(key).created_at  # type: ignore[union-attr]
    first.clock.advance(60)
    shown = control.clock()["timestamp"]  # what the control plane showed is kept too
    first.close()

    second = Region(Settings(data_dir=tmp_path, seed=3), clock=RealClock(scale=0))
    try:
        assert second.clock.timestamp() >= shown > stamped.timestamp()
        assert second.clock.timestamp() - shown < 60  # not pushed further than it had gone
    finally:
        second.close()
