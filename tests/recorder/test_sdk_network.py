"""The SDK against a network that fails: an outage it rides out (`network-status` disconnected, then
reconnected, and the region gets exactly the media captured), and one longer than its retry budget (it
gives up with an `error`, keeps the recording, and a later `init` on the same folder finishes it)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

import pytest

from recall_sim.recorder.retry import RetryPolicy
from recall_sim.recorder.storage import RecordingStore
from recall_sim.seams import VirtualClock
from recall_sim.simulator.faults import FaultRuleCreate
from tests.recorder.support import API_URL, Rig, download, recording_of, rig, standup
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])

#: the tasks that end the outages (held so that they are not collected while they wait)
_healers: set[asyncio.Task[None]] = set()


def _outage(sim: Sim, clock: VirtualClock, seconds: float, route: str = "/ingest/v1/*") -> None:
    """Every ingest call drops its connection for the next `seconds`."""
    rule = sim.control.add_fault(FaultRuleCreate(route=route, drop=True))

    async def heal() -> None:
        await clock.sleep(seconds)
        sim.control.remove_fault(rule.id)

    task = asyncio.get_running_loop().create_task(heal())
    _healers.add(task)
    task.add_done_callback(_healers.discard)


async def _recorded(r: Rig, clock: VirtualClock, seconds: float) -> tuple[str, dict[str, Any]]:
    """Record the one meeting until it closes after `seconds`."""
    window, upload = await r.recording()
    r.sdk._recordings.sessions[window].uploader.chunk_size = 4096
    await clock.sleep(seconds)
    await r.sdk.settle()
    return window, upload


async def _media_matches_local(sim: Sim, r: Rig, window: str, upload: dict[str, Any]) -> bytes:
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    media = await download(sim, recording, "video_mixed")
    assert hashlib.sha256(media).hexdigest() == r.sdk._recordings.sessions[window].local.media_sha256()
    return media


async def test_an_outage_during_the_seed_upload_is_ridden_out(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=12.0)])
    window, upload = await _recorded(r, clock, 13)
    _outage(sim, clock, 45, route="/ingest/v1/files/*")
    await r.sdk.upload_recording(window)
    await r.sdk.settle()
    await clock.sleep(1)
    assert r.of("network-status") == [{"status": "disconnected"}, {"status": "reconnected"}]
    down, up = r.at("network-status")
    assert (down, up - down >= 45) == (13.0, True)
    assert r.of("error") == []
    progress = [p["progress"] for p in r.of("upload-progress")]
    assert progress == sorted(set(progress))
    assert (progress[0], progress[-1]) == (0, 100)
    assert r.at("upload-progress")[-1] >= up  # it finished after the network came back
    await _media_matches_local(sim, r, window, upload)


async def test_an_outage_during_a_current_mode_recording_does_not_stop_the_capture(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=40.0)], mode="current")
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(0)
    [window] = r.window_ids()
    upload = await r.create_upload()
    await r.sdk.start_recording(window, upload["upload_token"])
    await clock.sleep(5)
    _outage(sim, clock, 30)  # segment uploads at 11 s, 21 s and 31 s fail, and the pause below
    await r.sdk.pause_recording(window)
    await clock.sleep(2)
    await r.sdk.resume_recording(window)
    await clock.sleep(40)
    await r.sdk.settle()
    await clock.sleep(1)  # processing, after the finalize
    assert r.of("network-status") == [{"status": "disconnected"}, {"status": "reconnected"}]
    assert r.at("network-status")[0] == 5.0
    assert r.at("network-status")[1] >= 35.0
    assert r.of("error") == []
    states = [p["sdk"]["state"]["code"] for p in r.of("sdk-state-change")]
    assert states == ["recording", "paused", "recording", "idle"]
    # The backlog goes up once the network is back; calls still backing off follow within a minute.
    [ended] = r.at("recording-ended")
    assert r.at("network-status")[1] <= ended < 40.0 + 60
    local = r.sdk._recordings.sessions[window].local
    assert len(local.segments()) == 4
    assert len(local.all("segment_uploaded")) == 4
    media = await _media_matches_local(sim, r, window, upload)
    assert len(media) == local.media_size()


async def test_an_outage_longer_than_the_budget_keeps_the_recording_for_the_next_init(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=12.0)], retry=RetryPolicy(budget=60))
    window, upload = await _recorded(r, clock, 13)
    rule = sim.control.add_fault(FaultRuleCreate(route="/ingest/v1/files/*", methods=["PATCH"], drop=True))
    started = clock.timestamp()
    await r.sdk.upload_recording(window)  # resolves: given up
    await r.sdk.settle()
    assert 60 <= clock.timestamp() - started <= 60 + 36
    [error] = r.of("error")
    assert error["type"] == "upload_failed"
    assert error["window"] == {"id": window}
    assert "kept failing for 60 s" in error["message"]
    assert r.of("network-status") == [{"status": "disconnected"}]
    assert [(s.window_id, s.finalized) for s in r.sdk.finished] == [(window, False)]
    assert [p["progress"] for p in r.of("upload-progress")] == [0]  # not a byte went up
    [kept] = RecordingStore(tmp_path).unfinished()
    assert kept.has("upload_failed")
    captured = kept.media_sha256()
    assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "processing"
    await r.sdk.shutdown()

    sim.control.remove_fault(rule.id)
    again = rig(sim, clock, tmp_path, [])
    await again.sdk.init(api_url=API_URL)
    await again.sdk.settle()
    await clock.sleep(1)
    assert again.of("error") == []
    progress = [p["progress"] for p in again.of("upload-progress")]
    assert (progress[0], progress[-1]) == (0, 100)
    assert {p["window"]["id"] for p in again.of("upload-progress")} == {window}
    assert RecordingStore(tmp_path).unfinished() == []
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    media = await download(sim, recording, "video_mixed")
    assert hashlib.sha256(media).hexdigest() == captured
    uploads = (await sim.client().get("/api/v1/sdk_upload/")).json()["results"]
    recordings = (await sim.client().get("/api/v1/recording/")).json()["results"]
    assert ([u["id"] for u in uploads], [x["id"] for x in recordings]) == (
        [upload["id"]],
        [upload["recording_id"]],
    )
