"""The caller of a REST request is resolved once: the Idempotency-Key middleware, the DRF method handling
and the route act for the workspace looked up at the first of them, and each request looks it up anew."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from recall_sim.simulator.control_plane import ControlPlane, WorkspaceCreate
from tests.support import Sim


@pytest.fixture
def key_reads(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each API key is read from the store (the store itself still answers every read).
    Readers read a document's JSON text (`get_json`), parsed and validated in one step."""
    reads: Counter[str] = Counter()
    store = sim.region.store
    read = store.get_json

    def counted(collection: str, doc_id: str) -> Any:
        if collection == "api_keys":
            reads[doc_id] += 1
        return read(collection, doc_id)

    monkeypatch.setattr(store, "get_json", counted)
    return reads


async def test_a_keyed_post_reads_its_api_key_once(sim: Sim, key_reads: Counter[str]) -> None:
    client = sim.client()
    created = await client.post("/api/v1/sdk_upload/", json={}, headers={"Idempotency-Key": "once-1"})
    assert created.status_code == 201
    # Read by the Idempotency-Key middleware, then reused by the route (before: once by each).
    assert key_reads == Counter({sim.api_key: 1})


async def test_a_get_reads_its_api_key_once(sim: Sim, key_reads: Counter[str]) -> None:
    client = sim.client()
    created = (await client.post("/api/v1/sdk_upload/", json={})).json()
    key_reads.clear()
    fetched = await client.get(f"/api/v1/sdk_upload/{created['id']}/")
    assert fetched.status_code == 200
    assert key_reads == Counter({sim.api_key: 1})


async def test_each_request_is_authenticated_anew(sim: Sim, key_reads: Counter[str]) -> None:
    other = ControlPlane(sim.region).create_workspace(WorkspaceCreate(name="Other"))
    mine, theirs = sim.client(), sim.client(other.api_keys[0])
    created = (await mine.post("/api/v1/sdk_upload/", json={})).json()
    assert (await mine.get(f"/api/v1/sdk_upload/{created['id']}/")).status_code == 200
    # Another workspace's key on the next request is that workspace: no answer leaks across requests.
    assert (await theirs.get(f"/api/v1/sdk_upload/{created['id']}/")).status_code == 404
    assert (await sim.client(None).get(f"/api/v1/sdk_upload/{created['id']}/")).status_code == 401
    assert key_reads == Counter({sim.api_key: 2, other.api_keys[0]: 1})
