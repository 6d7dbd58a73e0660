"""The request body ceiling (`Settings.max_json_body`) outside tus: counted while the body streams, for
the REST API, the Idempotency-Key path, the ingest calls and the control plane alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.simulator.ingest.helpers import create_upload, ingest_client
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])

TOO_LARGE = (413, {"detail": "Request body too large."})


class Body:
    """A chunked body (no Content-Length) of `chunks` pieces, counting how many the server took."""

    def __init__(self, chunks: int, size: int = 8192) -> None:
        self.chunks, self.size, self.sent = chunks, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.sent += 1
            yield b" " * self.size


def _limit_chunks(sim: Sim) -> int:
    return sim.region.settings.max_json_body // 8192 + 20


async def test_a_chunked_rest_body_is_refused_once_it_passes_the_limit(sim: Sim) -> None:
    body = Body(_limit_chunks(sim))
    response = await sim.client().post(
        "/api/v1/sdk_upload/", content=body, headers={"content-type": "application/json"}
    )
    assert (response.status_code, response.json()) == TOO_LARGE
    # Refused as the limit was passed, not after the whole body was held.
    assert body.sent < body.chunks
    assert sim.region.store.find("sdk_uploads") == []


async def test_an_idempotency_key_with_an_oversize_body_is_refused_and_not_spent(sim: Sim) -> None:
    body = Body(_limit_chunks(sim))
    headers = {"content-type": "application/json", "Idempotency-Key": "k"}
    response = await sim.client().post("/api/v1/sdk_upload/", content=body, headers=headers)
    assert (response.status_code, response.json()) == TOO_LARGE
    assert body.sent < body.chunks
    again = await sim.client().post("/api/v1/sdk_upload/", json={}, headers={"Idempotency-Key": "k"})
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers


async def test_ingest_calls_and_the_control_plane_have_the_same_ceiling(sim: Sim) -> None:
    upload = await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform="zoom")
    token = {"Authorization": f"UploadToken {upload['upload_token']}", "content-type": "application/json"}
    for path, headers in (
        ("/ingest/v1/recording/end", token),
        ("/ingest/v1/recording/finalize", token),
        ("/_simulator/workspaces", {"content-type": "application/json"}),
    ):
        body = Body(_limit_chunks(sim))
        response = await sim.client(None).post(path, content=body, headers=headers)
        assert (response.status_code, response.json()) == TOO_LARGE, path
        assert body.sent < body.chunks, path
    assert len(sim.region.store.find("workspaces")) == 1
    status = await sim.client(None).get("/ingest/v1/recording/", headers=token)
    assert status.json()["recording_ended"] is False


async def test_a_body_under_the_limit_still_reaches_fastapi_parsed_routes(sim: Sim) -> None:
    response = await sim.client(None).post("/_simulator/workspaces", json={"name": "B"})
    assert response.status_code == 201
