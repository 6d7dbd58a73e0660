"""Upload-token rules: one recording per token, not after finalize or expiry, only in its own region and
workspace; every refusal is a clear 4xx that changes nothing."""

from __future__ import annotations

import pytest

from recall_sim.recorder.ingest import IngestError, PartRef
from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.simulator.control_plane import WorkspaceCreate
from tests.simulator.ingest.helpers import create_upload, ingest_client, record_and_upload
from tests.support import Sim


async def _state(sim: Sim) -> dict[str, list[dict[str, object]]]:
    state = sim.control.state()["collections"]
    return {k: v for k, v in state.items() if k != "jobs"}


async def test_a_token_starts_one_recording_only(sim: Sim) -> None:
    upload = await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform="zoom")
        before = await _state(sim)
        with pytest.raises(IngestError) as refused:
            await client.start(platform="zoom")
    assert refused.value.status == 409
    assert refused.value.body == {"detail": "This upload token has already been used to start a recording."}
    assert await _state(sim) == before


async def test_a_spent_token_is_refused_everywhere(sim: Sim) -> None:
    upload, _ = await record_and_upload(sim, make_mp4(1.0))
    await sim.clock.sleep(1)  # processing done: nothing else is moving
    async with ingest_client(sim, upload["upload_token"]) as client:
        before = await _state(sim)
        for call in (
            client.start(platform="zoom"),
            client.end(1.0),
            client.create_file(10, part="media"),
            client.pause(),
        ):
            with pytest.raises(IngestError) as refused:
                await call
            assert refused.value.status == 409
            assert "finalized" in refused.value.body["detail"]
        assert await _state(sim) == before


async def test_an_expired_token_cannot_start(sim: Sim) -> None:
    upload = await create_upload(sim)
    sim.clock.advance(24 * 3600 + 1)
    async with ingest_client(sim, upload["upload_token"]) as client:
        with pytest.raises(IngestError) as refused:
            await client.start(platform="zoom")
    assert (refused.value.status, refused.value.body) == (401, {"detail": "Upload token has expired."})
    assert (await sim.client().get(f"/api/v1/sdk_upload/{upload['id']}/")).json()["status"][
        "code"
    ] == "pending"


async def test_a_started_recording_keeps_uploading_past_the_token_expiry(sim: Sim) -> None:
    upload = await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform="zoom")
        sim.clock.advance(25 * 3600)  # a very long meeting
        ref = await client.upload_bytes(make_mp4(1.0), part="media")
        await client.finalize(ref)


async def test_unknown_tokens_and_tokens_of_other_regions_are_invalid(sim: Sim) -> None:
    other = sim.control.create_workspace(WorkspaceCreate(region="eu-central-1"))
    foreign = sim.region.sdk_uploads.create_sdk_upload(sim.region.workspaces.get_workspace(other.id), None)
    for token in ("made-up", foreign.upload_token):
        async with ingest_client(sim, token) as client:
            with pytest.raises(IngestError) as refused:
                await client.start(platform="zoom")
        assert (refused.value.status, refused.value.body) == (401, {"detail": "Invalid upload token."})
    response = await sim.client(None).post(
        "/ingest/v1/recording/start", headers={"Authorization": f"Token {sim.api_key}"}
    )
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid upload token."})


async def test_parts_cannot_be_uploaded_before_the_recording_starts(sim: Sim) -> None:
    upload = await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        with pytest.raises(IngestError) as refused:
            await client.create_file(10, part="media")
    assert refused.value.status == 409


async def test_another_uploads_file_is_not_found(sim: Sim) -> None:
    mine, theirs = await create_upload(sim), await create_upload(sim)
    async with (
        ingest_client(sim, theirs["upload_token"]) as them,
        ingest_client(sim, mine["upload_token"]) as me,
    ):
        await them.start(platform="zoom")
        await me.start(platform="zoom")
        their_file = await them.create_file(100, part="media")
        for call in (me.offset(their_file), me.patch(their_file, 0, b"x"), me.terminate(their_file)):
            with pytest.raises(IngestError) as refused:
                await call
            assert refused.value.status == 404
        with pytest.raises(IngestError) as refused:
            await me.finalize(PartRef(their_file, "0" * 64))
        assert refused.value.status == 400
        assert refused.value.body == {"media": {"file": ["No such upload for this token."]}}
