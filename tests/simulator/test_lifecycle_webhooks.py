"""The whole region at once: an upload through ingest and processing reaches a receiver as signed
webhooks, in the contract's order, shaped for the workspace's profile and valid against the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.sample_media import events_part, make_mp4
from recall_sim.seams import VirtualClock
from recall_sim.simulator.control_plane import EndpointCreate, WorkspaceCreate
from recall_sim.simulator.records import Quirks
from recall_sim.simulator.webhooks import verify
from tests.simulator.ingest.helpers import create_upload, record_and_upload
from tests.simulator.webhooks.support import validate
from tests.support import make_sim

EXPECTED = {
    "seed": [
        "recording.processing",
        "video_mixed.done",
        "participant_events.done",
        "meeting_metadata.done",
        "recording.done",
        "sdk_upload.completed",
    ],
    "current": [
        "sdk_upload.recording_started",
        "sdk_upload.recording_ended",
        "recording.processing",
        "video_mixed.done",
        "participant_events.done",
        "meeting_metadata.done",
        "recording.done",
        "sdk_upload.complete",
    ],
}


@pytest.mark.parametrize("profile", ["seed", "current"])
async def test_an_upload_reaches_the_receiver_as_signed_webhooks_in_order(
    clock: VirtualClock, tmp_path: Path, profile: str
) -> None:
    receiver = WebhookReceiver(clock, path=None)
    sim = make_sim(clock, tmp_path, webhook_transport=receiver.transport())
    await sim.region.start()
    try:
        workspace = sim.control.create_workspace(WorkspaceCreate(profile=profile))  # type: ignore[arg-type]
        api_key = workspace.api_keys[0]
        endpoint = sim.control.webhooks.create_endpoint(
            EndpointCreate(url="http://backend.test/recall", workspace_id=workspace.id)  # type: ignore[call-arg]
        )
        secret = sim.control.webhooks.endpoint_secret(endpoint.id)
        upload = await create_upload(sim, api_key=api_key)
        await record_and_upload(
            sim, make_mp4(2.0), upload=upload, events=events_part(2.0), metadata={"title": "1:1"}
        )
        await clock.sleep(60)
        bodies = receiver.bodies()
        assert [b["event"] for b in bodies] == EXPECTED[profile]
        for request, body in zip(receiver.deliveries, bodies, strict=True):
            verify(secret, request.headers, request.raw, now=request.at)
            validate(body)
            family = "svix" if profile == "seed" else "webhook"
            assert f"{family}-signature" in request.headers
        last = bodies[-1]["data"]
        if profile == "seed":
            assert last["sdk_upload"]["id"] == upload["id"]
            assert last["sdk_upload"]["recording_id"] == upload["recording_id"]
            assert last["sdk_upload"]["status"] == {"code": "complete"}
        else:
            assert last["sdk_upload"]["id"] == upload["id"]
            assert last["recording"]["id"] == upload["recording_id"]
            assert last["data"]["code"] == "complete"
    finally:
        await sim.aclose()
        sim.close()


async def test_quirks_add_the_legacy_uploading_event_and_the_complete_alias(
    clock: VirtualClock, tmp_path: Path
) -> None:
    receiver = WebhookReceiver(clock, path=None)
    sim = make_sim(clock, tmp_path, webhook_transport=receiver.transport())
    await sim.region.start()
    try:
        quirks = Quirks(legacy_uploading_event=True, duplicate_complete_alias=True)
        workspace = sim.control.create_workspace(WorkspaceCreate(profile="current", quirks=quirks))
        sim.control.webhooks.create_endpoint(
            EndpointCreate(url="http://backend.test/recall", workspace_id=workspace.id)  # type: ignore[call-arg]
        )
        upload = await create_upload(sim, api_key=workspace.api_keys[0])
        await record_and_upload(sim, make_mp4(1.0), upload=upload)
        await clock.sleep(60)
        events = [b["event"] for b in receiver.bodies()]
        assert events[:3] == [
            "sdk_upload.recording_started",
            "sdk_upload.uploading",
            "sdk_upload.recording_ended",
        ]
        assert events[-2:] == ["sdk_upload.complete", "sdk_upload.completed"]
    finally:
        await sim.aclose()
        sim.close()


async def test_a_failed_upload_sends_the_failure_webhooks(clock: VirtualClock, tmp_path: Path) -> None:
    receiver = WebhookReceiver(clock, path=None)
    sim = make_sim(clock, tmp_path, webhook_transport=receiver.transport())
    await sim.region.start()
    try:
        sim.control.webhooks.create_endpoint(EndpointCreate(url="http://backend.test/recall"))  # type: ignore[call-arg]
        await record_and_upload(sim, make_mp4(2.0)[:-400])
        await clock.sleep(60)
        bodies = receiver.bodies()
        assert [b["event"] for b in bodies] == ["recording.failed", "sdk_upload.failed"]
        assert bodies[-1]["data"]["sdk_upload"]["recording_id"] is None
        assert bodies[-1]["data"]["sdk_upload"]["status"]["code"] == "failed"
        for body in bodies:
            validate(body)
    finally:
        await sim.aclose()
        sim.close()
