"""The whole region at once: an upload through ingest and processing reaches a receiver as signed
webhooks, in the contract's order, shaped for the workspace's profile and valid against the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.scenarios.sample_media import events_part, make_mp4
from recall_sim.seams import VirtualClock
from recall_sim.simulator.records import Quirks
from recall_sim.simulator.settings import ApiProfile
from recall_sim.simulator.webhooks import verify
from tests.simulator.ingest.helpers import create_upload, record_and_upload
from tests.simulator.receiving import receiving_region
from tests.simulator.webhooks.support import validate

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
    clock: VirtualClock, tmp_path: Path, profile: ApiProfile
) -> None:
    async with receiving_region(clock, tmp_path, profile) as region:
        sim, receiver = region.sim, region.receiver
        upload = await create_upload(sim, api_key=region.api_key)
        await record_and_upload(
            sim, make_mp4(2.0), upload=upload, events=events_part(2.0), metadata={"title": "1:1"}
        )
        await clock.sleep(60)
        bodies = receiver.bodies()
        assert [b["event"] for b in bodies] == EXPECTED[profile]
        for request, body in zip(receiver.deliveries, bodies, strict=True):
            verify(region.endpoint.secret, request.headers, request.raw, now=request.at)
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


async def test_quirks_add_the_legacy_uploading_event_and_the_complete_alias(
    clock: VirtualClock, tmp_path: Path
) -> None:
    quirks = Quirks(legacy_uploading_event=True, duplicate_complete_alias=True)
    async with receiving_region(clock, tmp_path, "current", quirks=quirks) as region:
        upload = await create_upload(region.sim, api_key=region.api_key)
        await record_and_upload(region.sim, make_mp4(1.0), upload=upload)
        await clock.sleep(60)
        events = [b["event"] for b in region.receiver.bodies()]
        assert events[:3] == [
            "sdk_upload.recording_started",
            "sdk_upload.uploading",
            "sdk_upload.recording_ended",
        ]
        assert events[-2:] == ["sdk_upload.complete", "sdk_upload.completed"]


async def test_a_failed_upload_sends_the_failure_webhooks(clock: VirtualClock, tmp_path: Path) -> None:
    async with receiving_region(clock, tmp_path) as region:
        await record_and_upload(region.sim, make_mp4(2.0)[:-400])
        await clock.sleep(60)
        bodies = region.receiver.bodies()
        assert [b["event"] for b in bodies] == ["recording.failed", "sdk_upload.failed"]
        assert bodies[-1]["data"]["sdk_upload"]["recording_id"] is None
        assert bodies[-1]["data"]["sdk_upload"]["status"]["code"] == "failed"
        for body in bodies:
            validate(body)
