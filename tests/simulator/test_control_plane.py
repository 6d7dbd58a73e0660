"""The control plane over HTTP (`/_simulator/...`, no API key): health, reset and seed, the clock,
workspaces and their keys, and the state dump."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator.errors import NotFound
from recall_sim.simulator.store import COLLECTIONS
from tests.simulator.factories import build_recording
from tests.support import Sim

NO_QUIRKS = {"legacy_uploading_event": False, "duplicate_complete_alias": False}


def control(sim: Sim) -> httpx.AsyncClient:
    return sim.client(None)


async def ok(response_or_call: Any, status: int = 200) -> Any:
    response = await response_or_call
    assert response.status_code == status, response.text
    return response.json()


async def test_health(sim: Sim) -> None:
    response = await control(sim).get("/_simulator/health")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "region": "us-east-1", "version": "0.1.0"},
    )


async def test_reset_forgets_everything_but_starts_the_same(sim: Sim) -> None:
    cp = control(sim)
    key, secret = sim.api_key, sim.region.default_workspace.webhook_secret
    workspace_id = sim.region.default_workspace.id
    client = sim.client()
    built = await build_recording(sim.region, client)
    other = await ok(cp.post("/_simulator/workspaces", json={"name": "other"}), 201)
    await ok(cp.post("/_simulator/faults", json={"route": "/nowhere", "status": 500}), 201)
    await client.post("/api/v1/sdk_upload/", headers={"Idempotency-Key": "k"})
    for _ in range(60):
        sim.region.limiter.check("recording_list", workspace_id)
    blob_keys = [key for artifact in built.artifacts.values() for key in artifact.blobs.values()]

    summary = await ok(cp.post("/_simulator/reset"))
    assert summary == {
        "region": "us-east-1",
        "seed": 1234,
        "default_workspace": {
            "id": workspace_id,
            "name": "Default workspace",
            "region": "us-east-1",
            "profile": "seed",
            "api_keys": [key],
            "webhook_secret": secret,
            "quirks": NO_QUIRKS,
        },
        "api_key": key,
    }
    # The same key still works, on an empty workspace.
    assert (await client.get("/api/v1/sdk_upload/")).json()["results"] == []
    assert (await client.get(f"/api/v1/recording/{built.id}/")).status_code == 404
    assert (await client.get("/api/v1/recording/")).status_code == 200  # the rate limits restarted too
    assert (await sim.client(other["api_keys"][0]).get("/api/v1/sdk_upload/")).status_code == 401
    assert await ok(cp.get("/_simulator/faults")) == []
    assert not any(sim.region.blobs.exists(key) for key in blob_keys)
    state = await ok(cp.get("/_simulator/state"))
    non_empty = {name: len(docs) for name, docs in state["collections"].items() if docs}
    assert non_empty == {"workspaces": 1, "api_keys": 1}
    # The Idempotency-Key was forgotten with everything else.
    fresh = await client.post("/api/v1/sdk_upload/", headers={"Idempotency-Key": "k"})
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers


async def test_reset_with_a_seed_and_seed_start_again_from_that_seed(sim: Sim) -> None:
    cp = control(sim)
    original = sim.api_key
    nine = await ok(cp.post("/_simulator/reset", json={"seed": 9}))
    assert nine["seed"] == 9
    assert nine["api_key"] != original
    assert sim.api_key == nine["api_key"]
    upload_under_nine = (await sim.client().post("/api/v1/sdk_upload/")).json()["id"]
    # A reset without a seed keeps the current one.
    assert (await ok(cp.post("/_simulator/reset")))["api_key"] == nine["api_key"]
    # `seed` is a reset with that seed: the same seed gives the same region, ids included.
    seeded = await ok(cp.post("/_simulator/seed", json={"seed": 9}))
    assert seeded == nine
    assert (await sim.client().post("/api/v1/sdk_upload/")).json()["id"] == upload_under_nine
    back = await ok(cp.post("/_simulator/seed", json={"seed": 1234}))
    assert back["api_key"] == original
    for path, body, field in [
        ("/_simulator/seed", {}, "seed"),
        ("/_simulator/seed", {"seed": "nine"}, "seed"),
        ("/_simulator/reset", {"seed": 9, "also": 1}, "also"),
    ]:
        refused = await cp.post(path, json=body)
        assert refused.status_code == 400, (path, body)
        assert list(refused.json()) == [field]
    assert sim.api_key == original


async def test_the_clock_reads_and_advances(sim: Sim, clock: VirtualClock) -> None:
    cp = control(sim)
    assert await ok(cp.get("/_simulator/clock")) == {
        "now": "2025-01-06T09:00:00.000000Z",
        "timestamp": 1736154000.0,
        "kind": "virtual",
        "time_scale": None,
    }
    woke: list[float] = []

    async def sleeper(seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(clock.timestamp())

    sleepers = [asyncio.ensure_future(sleeper(s)) for s in (30, 89.5, 120)]
    advanced = await ok(cp.post("/_simulator/clock", json={"advance": 90}))
    assert advanced["now"] == "2025-01-06T09:01:30.000000Z"
    assert advanced["timestamp"] == 1736154090.0
    # Everything due on the way ran at its own moment; what is due later still waits.
    assert woke == [1736154030.0, 1736154089.5]
    assert not sleepers[2].done()
    # (Left waiting, it would let the loop jump to its moment whenever the test itself waits.)
    sleepers[2].cancel()
    created = (await sim.client().post("/api/v1/sdk_upload/")).json()
    assert created["created_at"] == "2025-01-06T09:01:30.000000Z"
    for body in ({"advance": -1}, {}, {"advance": "soon"}):
        refused = await cp.post("/_simulator/clock", json=body)
        assert (refused.status_code, list(refused.json())) == (400, ["advance"]), body
    assert clock.timestamp() == 1736154090.0


async def test_workspaces_are_created_listed_read_and_updated(sim: Sim) -> None:
    cp = control(sim)
    default = await ok(cp.post("/_simulator/workspaces"), 201)
    assert default["name"] == "Workspace"
    assert (default["region"], default["profile"], default["quirks"]) == ("us-east-1", "seed", NO_QUIRKS)
    assert re.fullmatch(r"[0-9a-f]{40}", default["api_keys"][0])
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{32}", default["webhook_secret"])
    fixed = await ok(
        cp.post(
            "/_simulator/workspaces",
            json={
                "name": "Acme",
                "profile": "current",
                "api_key": "acme-key-1",
                "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                "quirks": {"duplicate_complete_alias": True},
            },
        ),
        201,
    )
    assert {k: v for k, v in fixed.items() if k != "id"} == {
        "name": "Acme",
        "region": "us-east-1",
        "profile": "current",
        "api_keys": ["acme-key-1"],
        "webhook_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "quirks": {"legacy_uploading_event": False, "duplicate_complete_alias": True},
    }
    listed = await ok(cp.get("/_simulator/workspaces"))
    assert [w["id"] for w in listed] == [sim.region.default_workspace.id, default["id"], fixed["id"]]
    assert await ok(cp.get(f"/_simulator/workspaces/{fixed['id']}")) == fixed
    # The fixed key is a working API key of a `current` workspace.
    acme = sim.client("acme-key-1")
    streaming = {"recording_config": {"transcript": {"provider": {"assembly_ai_streaming": {}}}}}
    assert (await acme.post("/api/v1/sdk_upload/", json=streaming)).status_code == 400
    # Switching its profile changes what its API accepts.
    updated = await ok(cp.patch(f"/_simulator/workspaces/{fixed['id']}", json={"profile": "seed"}))
    assert {**updated, "profile": "current"} == fixed
    assert (await acme.post("/api/v1/sdk_upload/", json=streaming)).status_code == 201
    quirky = await ok(
        cp.patch(f"/_simulator/workspaces/{fixed['id']}", json={"quirks": {"legacy_uploading_event": True}})
    )
    assert quirky["quirks"] == {"legacy_uploading_event": True, "duplicate_complete_alias": False}
    assert quirky["profile"] == "seed"


async def test_workspace_requests_are_validated(sim: Sim) -> None:
    cp = control(sim)
    for body, expected in [
        ({"region": "mars-1"}, {"region": ['"mars-1" is not a valid choice.']}),
        ({"profile": "future"}, {"profile": ['"future" is not a valid choice.']}),
        ({"webhook_secret": "secret"}, {"webhook_secret": ['Webhook secrets start with "whsec_".']}),
        ({"api_key": "two words"}, {"api_key": ["API keys cannot be blank or contain spaces."]}),
        ({"api_key": " "}, {"api_key": ["API keys cannot be blank or contain spaces."]}),
        ({"api_key": sim.api_key}, {"api_key": ["This API key is already in use."]}),
        ({"colour": "red"}, {"colour": ["Extra inputs are not permitted"]}),
    ]:
        response = await cp.post("/_simulator/workspaces", json=body)
        assert (response.status_code, response.json()) == (400, expected), body
    assert len(await ok(cp.get("/_simulator/workspaces"))) == 1
    workspace_id = sim.region.default_workspace.id
    refused = await cp.patch(f"/_simulator/workspaces/{workspace_id}", json={"region": "eu-central-1"})
    assert (refused.status_code, refused.json()) == (400, {"region": ["Extra inputs are not permitted"]})
    for method, path in [
        ("GET", "/_simulator/workspaces/nope"),
        ("PATCH", "/_simulator/workspaces/nope"),
        ("POST", "/_simulator/workspaces/nope/api_keys"),
    ]:
        response = await cp.request(method, path, json={} if method == "PATCH" else None)
        assert (response.status_code, response.json()) == (404, {"detail": "Not found."}), (method, path)


async def test_api_keys_are_added_to_a_workspace(sim: Sim) -> None:
    cp = control(sim)
    workspace_id = sim.region.default_workspace.id
    created = await ok(cp.post(f"/_simulator/workspaces/{workspace_id}/api_keys"), 201)
    assert list(created) == ["api_key"]
    new_key = created["api_key"]
    assert re.fullmatch(r"[0-9a-f]{40}", new_key)
    assert new_key != sim.api_key
    workspace = await ok(cp.get(f"/_simulator/workspaces/{workspace_id}"))
    assert workspace["api_keys"] == [sim.api_key, new_key]
    # Both keys act for the same workspace.
    upload = (await sim.client(new_key).post("/api/v1/sdk_upload/")).json()
    assert (await sim.client().get(f"/api/v1/sdk_upload/{upload['id']}/")).json() == upload


async def test_state_dumps_everything_the_region_holds(sim: Sim) -> None:
    cp = control(sim)
    built = await build_recording(sim.region, sim.client())
    rule = await ok(cp.post("/_simulator/faults", json={"route": "/nowhere", "status": 500}), 201)
    state = await ok(cp.get("/_simulator/state"))
    assert set(state) == {"region", "seed", "clock", "collections", "faults"}
    assert (state["region"], state["seed"]) == ("us-east-1", 1234)
    assert state["clock"] == await ok(cp.get("/_simulator/clock"))
    assert set(state["collections"]) == set(COLLECTIONS)
    collections = state["collections"]
    assert [u["id"] for u in collections["sdk_uploads"]] == [built.upload["id"]]
    assert [r["id"] for r in collections["recordings"]] == [built.id]
    assert {a["id"] for a in collections["artifacts"]} == {a.id for a in built.artifacts.values()}
    # Media is listed by blob key, not content.
    video = next(a for a in collections["artifacts"] if a["kind"] == "video_mixed")
    assert video["blobs"] == built.artifacts["video_mixed"].blobs
    assert state["faults"] == [rule]
    assert state == sim.control.state()


async def test_python_calls_answer_as_their_routes_do(sim: Sim) -> None:
    """Routes, dashboard and in-process callers share one ControlPlane: what it reads is what the state
    dump shows, and what it does not know is NotFound in Python and 404 over HTTP."""
    cp = control(sim)
    built = await build_recording(sim.region, sim.client())
    endpoint = await ok(cp.post("/_simulator/webhooks/endpoints", json={"url": "http://receiver.test/"}), 201)
    collections = (await ok(cp.get("/_simulator/state")))["collections"]

    records = sim.control.records
    assert [u.id for u in records.sdk_uploads()] == [u["id"] for u in collections["sdk_uploads"]]
    assert [r.id for r in records.recordings()] == [built.id]
    assert records.recording(built.id).sdk_upload_id == built.upload["id"]
    assert records.sdk_upload(built.upload["id"]).recording_id == built.id
    assert {a.id for a in records.artifacts_of(built.id)} == {a.id for a in built.artifacts.values()}
    assert [e.id for e in records.events()] == [e["id"] for e in collections["events"]]
    assert [w.model_dump(mode="json") for w in sim.control.list_workspaces()] == await ok(
        cp.get("/_simulator/workspaces")
    )
    assert sim.control.webhooks.endpoint_attempts(endpoint["id"]) == []
    assert await ok(cp.get(f"/_simulator/webhooks/endpoints/{endpoint['id']}/attempts")) == []

    hooks = sim.control.webhooks
    for call, path in (
        (lambda: hooks.endpoint_attempts("ep_missing"), "webhooks/endpoints/ep_missing/attempts"),
        (lambda: hooks.message_attempts("msg_missing"), "webhooks/messages/msg_missing/attempts"),
        (lambda: sim.control.realtime.delivery("missing"), "realtime/deliveries/missing"),
        (lambda: sim.control.get_workspace("missing"), "workspaces/missing"),
    ):
        with pytest.raises(NotFound):
            call()
        assert (await cp.get(f"/_simulator/{path}")).status_code == 404
    with pytest.raises(NotFound):
        records.recording("missing")
