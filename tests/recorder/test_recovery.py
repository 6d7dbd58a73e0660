"""A recorder killed before it journaled anything: the next SDK still ends the upload, as a failure
the region can explain, in both upload modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.recorder.config import UploadMode
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, recording_of, rig, standup
from tests.support import Sim


@pytest.mark.parametrize("store_kind", ["memory"])
@pytest.mark.parametrize("mode", ["seed", "current"])
async def test_a_crash_before_the_first_segment_ends_the_upload_as_media_empty(
    sim: Sim, clock: VirtualClock, tmp_path: Path, mode: UploadMode
) -> None:
    first = rig(sim, clock, tmp_path, [standup(duration=30.0)], mode=mode)
    await first.sdk.init(api_url=API_URL)
    await clock.sleep(0)
    [window] = first.window_ids()
    upload = await first.create_upload()
    await first.sdk.start_recording(window, upload["upload_token"])
    await clock.sleep(2)  # a tiny-profile segment is 10 s: nothing is whole yet
    await first.sdk.abandon()
    assert first.sdk._recordings.sessions[window].local.segments() == []

    second = rig(sim, clock, tmp_path, [], mode=mode)
    await second.sdk.init(api_url=API_URL)
    await second.sdk.settle()
    await clock.sleep(5)  # processing
    api = sim.client()
    status = (await api.get(f"/api/v1/sdk_upload/{upload['id']}/")).json()["status"]
    assert (status["code"], status["sub_code"]) == ("failed", "media_empty")
    assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "failed"
    await second.sdk.shutdown()
