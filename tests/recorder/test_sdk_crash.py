"""A desktop app killed (SIGKILL) in the middle of a recording: a fresh SDK on the same recordings folder
uploads what was journaled, byte for byte, once."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from recall_sim.recorder.config import SdkConfig, UploadMode
from recall_sim.recorder.ingest import IngestClient
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.recorder.storage import LocalRecording, RecordingStore
from recall_sim.scenarios.sample_media import media_duration
from recall_sim.seams import Randomness, RealClock
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served

pytestmark = pytest.mark.served

ROOT = Path(__file__).resolve().parents[2]
SEGMENTS = 2


def _journaled(recordings: Path, mode: UploadMode) -> LocalRecording | None:
    """The victim's recording once it has journaled enough (in `current` mode: and uploaded it)."""
    for local in RecordingStore(recordings).all():
        enough = len(local.segments()) >= SEGMENTS
        if enough and (mode == "seed" or len(local.all("segment_uploaded")) >= SEGMENTS):
            return local
    return None


async def _recover(base_url: str, recordings: Path, mode: UploadMode) -> list[tuple[str, dict[str, Any]]]:
    clock = RealClock(scale=20)
    randomness = Randomness(12)
    config = SdkConfig(
        desktop=SimulatedDesktop(clock, randomness.derive("desktop")),
        clock=clock,
        randomness=randomness.derive("sdk"),
        recordings_dir=recordings,
        upload_mode=mode,
    )
    sdk = RecallAiSdk(config)
    await sdk.init(api_url=base_url)
    await sdk.settle()
    await sdk.shutdown()
    return sdk.dispatcher.delivered


def _wait_done(api: httpx.Client, recording_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        recording: dict[str, Any] = api.get(f"/api/v1/recording/{recording_id}/").json()
        if recording["status"]["code"] in ("done", "failed"):
            return recording
        time.sleep(0.05)
    raise AssertionError(f"recording {recording_id} still {recording['status']}")


@pytest.mark.parametrize("mode", ["seed", "current"])
def test_a_killed_recording_is_finished_by_the_next_sdk(tmp_path: Path, mode: UploadMode) -> None:
    recordings = tmp_path / "recordings"
    with (
        served(Settings(seed=5)) as region,
        httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"}) as api,
    ):
        upload = api.post("/api/v1/sdk_upload/").json()
        output = tmp_path / "victim.log"
        victim_args = [region.base_url, upload["upload_token"], str(recordings), mode]
        with output.open("wb") as log:
            victim = subprocess.Popen(
                [sys.executable, "-m", "tests.recorder.crash_recorder", *victim_args],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 15
            while (local := _journaled(recordings, mode)) is None:
                assert victim.poll() is None, output.read_text()
                assert time.monotonic() < deadline, f"no segments journaled in time: {output.read_text()}"
                time.sleep(0.02)
        finally:
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
        assert victim.returncode == -signal.SIGKILL
        kept = LocalRecording(local.directory)  # as the journal stands after the kill
        assert not kept.has("stopped")
        captured = kept.media_sha256()
        segments = kept.segments()
        uploaded_before = {e["index"]: e["url"] for e in kept.all("segment_uploaded")}

        delivered = asyncio.run(_recover(region.base_url, recordings, mode))

        recording = _wait_done(api, upload["recording_id"])
        assert recording["status"]["code"] == "done"
        media = httpx.get(recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]).content
        assert hashlib.sha256(media).hexdigest() == captured
        assert abs(media_duration(media) - 10.0 * len(segments)) < 0.5
        after = LocalRecording(local.directory)
        assert after.finished
        assert [s.sha256 for s in after.segments()] == [s.sha256 for s in segments]  # nothing re-recorded
        # Nothing went up twice: one upload and one recording, every part once.
        assert [u["id"] for u in api.get("/api/v1/sdk_upload/").json()["results"]] == [upload["id"]]
        assert [r["id"] for r in api.get("/api/v1/recording/").json()["results"]] == [upload["recording_id"]]
        status = asyncio.run(_status(region.base_url, upload["upload_token"]))
        parts = sorted(f["part"] for f in status["files"] if f["concat"] != "partial")
        assert parts == ["media", "meeting_metadata", "participant_events"]
        if mode == "current":
            uploaded_after = {e["index"]: e["url"] for e in after.all("segment_uploaded")}
            assert uploaded_after.items() >= uploaded_before.items()  # kept, not sent again
            assert sorted(uploaded_after) == [s.index for s in segments]
            partials = [f for f in status["files"] if f["concat"] == "partial"]
            # At most one more: a segment whose upload the kill interrupted before it was journaled.
            assert len(segments) <= len(partials) <= len(segments) + 1
        else:
            assert len(after.all("media_file")) == 1
        names = [n for n, _ in delivered]
        assert names[-1] == "shutdown"
        assert ("log", "resuming an unfinished recording") in [(n, p.get("message")) for n, p in delivered]
        assert ("recording-ended" in names) == (mode == "current")
        assert ("upload-progress" in names) == (mode == "seed")
        assert "error" not in names


async def _status(base_url: str, token: str) -> dict[str, Any]:
    async with IngestClient(base_url, token) as client:
        return await client.status()
