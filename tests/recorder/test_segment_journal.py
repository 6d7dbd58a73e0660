"""Each journaled segment says what stretch of the recording its media holds: a recording recovered
from its segments (after a crash) is exactly as long as that, so its parts end where its audio does."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.scenarios.sample_media import decoded_audio_seconds
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, rig, standup
from tests.support import Sim


@pytest.mark.parametrize("store_kind", ["memory"])
@pytest.mark.parametrize("platform", ["zoom", "slack"])  # MP4 fragments, MP3 frames
async def test_every_segment_prefix_decodes_to_the_time_its_journal_entry_names(
    sim: Sim, clock: VirtualClock, tmp_path: Path, platform: str
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=34.0, platform=platform)], mode="current")
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(0)
    [window] = r.window_ids()
    upload = await r.create_upload()
    await r.sdk.start_recording(window, upload["upload_token"])
    await clock.sleep(25)  # two whole 10 s segments, the third still being captured
    local = r.sdk._recordings.sessions[window].local
    segments = local.segments()
    assert len(segments) == 2
    media = b""
    for segment in segments:
        media += segment.path.read_bytes()
        # A frame of audio either way (the MP3 codec's priming and a last partial frame).
        assert decoded_audio_seconds(media) == pytest.approx(segment.end, abs=0.15)
    assert segments[-1].end < 25 - 4  # well short of how far the capture had got
    await r.sdk.abandon()
