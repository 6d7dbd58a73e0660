"""`Idempotency-Key` on POST, PATCH and PUT: replays within the hour, 409 while the first request runs,
400 for a different request under the same key, per-workspace keys, failures that are not kept, and a
key a crash cut off, free again after the restart."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx
import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator.api.routes import sdk_upload as sdk_upload_routes
from recall_sim.simulator.control_plane import WorkspaceCreate
from recall_sim.simulator.errors import ServiceUnavailable
from recall_sim.simulator.faults import FaultRuleCreate
from recall_sim.simulator.records import IdempotencyRecord, Repository
from recall_sim.simulator.store import Collection
from tests.simulator.factories import build_recording
from tests.support import Sim

KEY = {"Idempotency-Key": "6a1f0f8e-create-1"}


def count_uploads(sim: Sim) -> int:
    return sim.region.store.count("sdk_uploads")


async def test_a_repeat_replays_the_first_response(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    first = await client.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    clock.advance(3599)
    again = await client.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert count_uploads(sim) == 1
    assert sim.region.store.count("upload_tokens") == 1


async def test_a_refusal_is_replayed_too(sim: Sim) -> None:
    client = sim.client()
    body = {"metadata": {"n": 1}}
    first = await client.post("/api/v1/sdk_upload/", json=body, headers=KEY)
    again = await client.post("/api/v1/sdk_upload/", json=body, headers=KEY)
    assert (first.status_code, again.status_code) == (400, 400)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"


async def test_patch_with_a_key_is_not_applied_twice(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    url = f"/api/v1/recording/{built.id}/"
    first = await client.patch(url, json={"metadata": {"step": "1"}}, headers=KEY)
    assert first.status_code == 200
    # Changed by someone else meanwhile: the replay still answers what the first request answered.
    await client.patch(url, json={"metadata": {"step": "2"}})
    again = await client.patch(url, json={"metadata": {"step": "1"}}, headers=KEY)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert (await client.get(url)).json()["metadata"] == {"step": "2"}


async def test_the_same_key_for_a_different_request_is_refused(sim: Sim) -> None:
    client = sim.client()
    first = await client.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
    assert first.status_code == 201
    built = await build_recording(sim.region, client, kinds=())
    for case, method, path, body in [
        ("other body", "POST", "/api/v1/sdk_upload/", {"metadata": {"a": "2"}}),
        ("no body", "POST", "/api/v1/sdk_upload/", None),
        ("other path", "POST", "/api/v1/sdk-upload/", {"metadata": {"a": "1"}}),
        ("other query", "POST", "/api/v1/sdk_upload/?x=1", {"metadata": {"a": "1"}}),
        ("other method", "PATCH", f"/api/v1/recording/{built.id}/", {"metadata": {"a": "1"}}),
    ]:
        response = await client.request(method, path, json=body, headers=KEY)
        assert (response.status_code, response.json()) == (
            400,
            {"detail": "This Idempotency-Key was already used with a different request."},
        ), case
    assert count_uploads(sim) == 2
    assert (await client.get(f"/api/v1/recording/{built.id}/")).json()["metadata"] == {}


async def test_after_an_hour_the_key_runs_a_new_request(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    first = await client.post("/api/v1/sdk_upload/", headers=KEY)
    clock.advance(3600)
    later = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert later.status_code == 201
    assert "idempotent-replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    assert later.json()["created_at"] == "2025-01-06T10:00:00.000000Z"
    # The new request starts a new hour for the key.
    clock.advance(3599)
    assert (await client.post("/api/v1/sdk_upload/", headers=KEY)).content == later.content
    assert count_uploads(sim) == 2


async def test_keys_are_scoped_to_the_workspace(sim: Sim) -> None:
    mine = sim.client()
    theirs = sim.client(sim.control.create_workspace(WorkspaceCreate(name="theirs")).api_keys[0])
    first = await mine.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
    other = await theirs.post("/api/v1/sdk_upload/", json={"metadata": {"b": "2"}}, headers=KEY)
    assert other.status_code == 201
    assert "idempotent-replayed" not in other.headers
    assert other.json()["id"] != first.json()["id"]
    # Another key of my own workspace shares my keys.
    same_workspace = sim.client(sim.control.create_api_key(sim.region.default_workspace.id))
    replay = await same_workspace.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
    assert replay.content == first.content
    assert replay.headers["idempotent-replayed"] == "true"
    assert count_uploads(sim) == 2


async def test_requests_without_a_key_or_a_workspace_are_not_remembered(sim: Sim) -> None:
    client = sim.client()
    await client.post("/api/v1/sdk_upload/")
    await client.post("/api/v1/sdk_upload/")
    assert count_uploads(sim) == 2
    unauthenticated = await sim.client(None).post("/api/v1/sdk_upload/", headers=KEY)
    assert unauthenticated.status_code == 401
    assert sim.region.store.count("idempotency") == 0
    # GET and DELETE never replay.
    listed = await client.get("/api/v1/sdk_upload/", headers=KEY)
    assert "idempotent-replayed" not in listed.headers
    assert sim.region.store.count("idempotency") == 0


async def test_a_throttled_request_is_not_kept(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    for _ in range(300):
        sim.region.limiter.check("sdk_upload_create", sim.region.default_workspace.id)
    throttled = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert throttled.status_code == 429
    assert sim.region.store.count("idempotency") == 0
    clock.advance(60)
    retried = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert count_uploads(sim) == 1


async def test_a_server_error_is_not_kept(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    client = sim.client()
    create = sim.region.sdk_uploads.create_sdk_upload
    calls = []

    def failing_once(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise ServiceUnavailable()
        return create(*args)

    monkeypatch.setattr(sim.region.sdk_uploads, "create_sdk_upload", failing_once)
    failed = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert failed.status_code == 503
    assert sim.region.store.count("idempotency") == 0
    retried = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert len(calls) == 2


async def test_a_crash_is_not_kept(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    client = sim.client()
    create = sim.region.sdk_uploads.create_sdk_upload

    def crashing(*args: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sim.region.sdk_uploads, "create_sdk_upload", crashing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert sim.region.store.count("idempotency") == 0
    monkeypatch.setattr(sim.region.sdk_uploads, "create_sdk_upload", create)
    assert (await client.post("/api/v1/sdk_upload/", headers=KEY)).status_code == 201


async def test_a_fault_answered_before_the_api_is_not_kept(sim: Sim) -> None:
    client = sim.client()
    sim.control.add_fault(FaultRuleCreate(route="/api/v1/sdk_upload/", status=503, count=1))
    assert (await client.post("/api/v1/sdk_upload/", headers=KEY)).status_code == 503
    retried = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


async def test_a_repeat_while_the_first_is_running_conflicts(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    # The first request is slow to answer: 5 s of latency on the region's clock.
    sim.control.add_fault(FaultRuleCreate(route="/api/v1/sdk_upload/", methods=["POST"], latency=5, count=1))
    started = clock.timestamp()
    arrivals: list[float] = []

    async def post(delay: float) -> httpx.Response:
        await clock.sleep(delay)
        response = await client.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
        arrivals.append(clock.timestamp() - started)
        return response

    first, second = await asyncio.gather(post(0), post(1))
    assert (second.status_code, second.json()) == (
        409,
        {"detail": "A request with this Idempotency-Key is still being processed."},
    )
    assert first.status_code == 201
    assert arrivals == [1.0, 5.0]
    assert count_uploads(sim) == 1
    # Once the first has answered, a repeat replays it.
    replay = await client.post("/api/v1/sdk_upload/", json={"metadata": {"a": "1"}}, headers=KEY)
    assert replay.content == first.content
    assert replay.headers["idempotent-replayed"] == "true"


async def test_keys_survive_a_restart(sim: Sim) -> None:
    client = sim.client()
    first = await client.post("/api/v1/sdk_upload/", headers=KEY)
    await sim.region.stop()
    restarted = sim.restart()
    await restarted.region.start()
    try:
        again = await restarted.client().post("/api/v1/sdk_upload/", headers=KEY)
        assert again.content == first.content
        assert again.headers["idempotent-replayed"] == "true"
        assert count_uploads(restarted) == 1
    finally:
        await restarted.aclose()
        restarted.close()


async def test_a_key_cut_off_by_a_crash_runs_again_after_the_restart(sim: Sim) -> None:
    # The process died while the first request was running: its key is still marked running.
    Repository(sim.region.store, Collection.IDEMPOTENCY, IdempotencyRecord).put(
        IdempotencyRecord(
            id=f"{sim.region.default_workspace.id}:{KEY['Idempotency-Key']}",
            workspace_id=sim.region.default_workspace.id,
            fingerprint="of the request that was cut off",
            state="running",
            created_at=sim.region.ctx.now(),
        )
    )
    assert (await sim.client().post("/api/v1/sdk_upload/", headers=KEY)).status_code == 409
    await sim.region.stop()
    restarted = sim.restart()
    await restarted.region.start()
    try:
        retry = await restarted.client().post("/api/v1/sdk_upload/", headers=KEY)
        assert retry.status_code == 201, retry.text
        assert "idempotent-replayed" not in retry.headers
        again = await restarted.client().post("/api/v1/sdk_upload/", headers=KEY)
        assert again.content == retry.content
        assert again.headers["idempotent-replayed"] == "true"
    finally:
        await restarted.aclose()
        restarted.close()


async def test_a_request_cut_off_after_its_work_replays_that_answer_after_the_restart(
    sim: Sim, clock: VirtualClock
) -> None:
    """The answer is stored in the work's own transaction: a region that dies after committing and
    before answering has the answer to give a retry, and does not do the work a second time."""
    client = sim.client()
    # The answer is held back a minute on the region's clock: the region dies while holding it.
    sim.control.add_fault(FaultRuleCreate(route="/api/v1/sdk_upload/", methods=["POST"], latency=60, count=1))
    body = {"metadata": {"a": "1"}}
    cut_off = asyncio.ensure_future(client.post("/api/v1/sdk_upload/", json=body, headers=KEY))
    await clock.sleep(1)
    assert not cut_off.done()
    record_id = f"{sim.region.default_workspace.id}:{KEY['Idempotency-Key']}"
    stored = Repository(sim.region.store, Collection.IDEMPOTENCY, IdempotencyRecord).get(record_id)
    assert stored is not None
    assert (stored.state, stored.status_code) == ("running", 201)
    assert count_uploads(sim) == 1
    # Meanwhile a repeat hears that the first is still running.
    assert (await sim.client().post("/api/v1/sdk_upload/", json=body, headers=KEY)).status_code == 409

    await sim.region.stop()
    restarted = sim.restart()  # the first process never answers
    await restarted.region.start()
    try:
        retry = await restarted.client().post("/api/v1/sdk_upload/", json=body, headers=KEY)
        assert retry.status_code == 201, retry.text
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.text == stored.body
        assert retry.json()["metadata"] == {"a": "1"}
        assert count_uploads(restarted) == 1
    finally:
        cut_off.cancel()
        with contextlib.suppress(BaseException):
            await cut_off
        await restarted.aclose()
        restarted.close()


async def test_work_that_fails_before_its_answer_is_undone(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    """Work and answer land together or not at all: an upload created by a request whose answer could
    not be made is not kept, so the key's retry makes the only one."""
    client = sim.client()

    def unrenderable(*args: Any) -> Any:
        raise RuntimeError("no answer")

    render = sdk_upload_routes.render_sdk_upload
    monkeypatch.setattr(sdk_upload_routes, "render_sdk_upload", unrenderable)
    with pytest.raises(RuntimeError, match="no answer"):
        await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert count_uploads(sim) == 0
    assert sim.region.store.count("idempotency") == 0
    monkeypatch.setattr(sdk_upload_routes, "render_sdk_upload", render)
    retried = await client.post("/api/v1/sdk_upload/", headers=KEY)
    assert retried.status_code == 201
    assert count_uploads(sim) == 1
