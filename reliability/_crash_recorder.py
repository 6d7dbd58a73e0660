"""One recorder crash trial: a desktop app killed (SIGKILL) while it records, and, in some trials, the
app started again and killed again while it uploads; then a last run finishes. The region must end up
with exactly what was journaled before the first kill, once.

The victim is tests/recorder/crash_recorder.py (one long Zoom call on a clock 20 times real time, never
stopped); the app started again is reliability/_crash_sdk.py. Every choice a trial makes comes from its
seed, so `replay(seed)` runs the same trial again (up to the operating system's timing).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recall_sim.recorder.ingest import IngestClient
from recall_sim.recorder.storage import LocalRecording
from reliability._crash_sdk import recover

ROOT = Path(__file__).resolve().parents[1]
_POLL = 0.01


@dataclass
class RecorderTrial:
    seed: int
    mode: str = ""
    #: segments journaled before the recording is killed
    segments_at_kill: int = 0
    #: how many times the restarted app is killed while uploading
    upload_kills: int = 0
    problems: list[str] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def describe(self) -> str:
        return (
            f"seed {self.seed} ({self.mode}, killed after {self.segments_at_kill} segments, "
            f"{self.upload_kills} kills while uploading): {'; '.join(self.problems)}"
        )


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def _kill(process: subprocess.Popen[bytes]) -> bool:
    """SIGKILL; whether the process was still running when it came (it may have finished first)."""
    alive = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    return alive and process.returncode == -signal.SIGKILL


def _entries(directory: Path) -> list[dict[str, Any]]:
    """The journal's whole lines, read without touching the file (LocalRecording would cut off a line
    the running process is still appending)."""
    try:
        raw = (directory / "journal.jsonl").read_bytes()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in raw.split(b"\n")[:-1]]


def _journaled(recordings: Path, segments: int, mode: str) -> Path | None:
    """The victim's recording once it journaled `segments` segments (in `current` mode: and uploaded
    all but the last, so some trials die with an upload in flight)."""
    if not recordings.exists():
        return None
    for directory in sorted(recordings.iterdir()):
        types = [e["type"] for e in _entries(directory)]
        enough = types.count("segment") >= segments
        if enough and (mode == "seed" or types.count("segment_uploaded") >= segments - 1):
            return directory
    return None


def _wait_done(api: httpx.Client, recording_id: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        recording: dict[str, Any] = api.get(f"/api/v1/recording/{recording_id}/").json()
        if recording["status"]["code"] in ("done", "failed") or time.monotonic() > deadline:
            return recording
        time.sleep(0.05)


async def _status(base_url: str, token: str) -> dict[str, Any]:
    async with IngestClient(base_url, token) as client:
        return await client.status()


def run_trial(seed: int, base_url: str, api: httpx.Client, work: Path) -> RecorderTrial:
    """One trial against the served region at `base_url` (`api`: its REST API with a key)."""
    rng = random.Random(seed)
    trial = RecorderTrial(seed, mode=rng.choice(["seed", "current"]))
    trial.segments_at_kill = rng.randint(1, 3)
    extra_wait = rng.uniform(0.0, 0.45)  # a segment takes 0.5 s: anywhere inside the next one
    # Each restarted app dies after journaling a chosen number of new entries (of the upload's:
    # stopped, media file or segments, parts, finalized), a moment later: mid-upload by construction.
    upload_kills = [(rng.randint(1, 4), rng.uniform(0.0, 0.03)) for _ in range(rng.choice([0, 1, 1, 2]))]
    recordings = work / "recordings"
    log = work / "processes.log"
    upload = api.post("/api/v1/sdk_upload/").json()

    victim = _spawn(
        ["tests.recorder.crash_recorder", base_url, upload["upload_token"], str(recordings), trial.mode], log
    )
    try:
        deadline = time.monotonic() + 30
        while (directory := _journaled(recordings, trial.segments_at_kill, trial.mode)) is None:
            if victim.poll() is not None or time.monotonic() > deadline:
                trial.problems.append(f"the recording never journaled: {log.read_text()[-2000:]}")
                return trial
            time.sleep(_POLL)
        time.sleep(extra_wait)
    finally:
        _kill(victim)
    kept = LocalRecording(directory)  # the journal as the kill left it
    captured, segments = kept.media_sha256(), [s.sha256 for s in kept.segments()]
    if kept.has("stopped"):
        trial.problems.append("the victim stopped by itself")

    for entries, delay in upload_kills:
        target = len(_entries(directory)) + entries
        again = _spawn(["reliability._crash_sdk", base_url, str(recordings), str(seed)], log)
        deadline = time.monotonic() + 30
        while len(_entries(directory)) < target and again.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        trial.upload_kills += _kill(again)
    delivered = asyncio.run(recover(base_url, recordings, seed))

    recording = _wait_done(api, upload["recording_id"])
    after = LocalRecording(directory)
    if recording["status"]["code"] != "done":
        trial.problems.append(f"recording {recording['id']} ended {recording['status']}")
        trial.lost += 1
    else:
        link = recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]
        media = httpx.get(link, timeout=30).content
        if hashlib.sha256(media).hexdigest() != captured:
            trial.problems.append(f"the region's media ({len(media)} bytes) is not what was journaled")
            trial.lost += 1
    if [s.sha256 for s in after.segments()] != segments:
        trial.problems.append("the recovered recording's segments differ from what the kill left")
    if not after.has("finalized"):
        trial.problems.append("the local recording is not finalized")
    names = [name for name, _ in delivered]
    errors = [payload for name, payload in delivered if name == "error"]
    if errors:
        trial.problems.append(f"the SDK reported errors: {errors}")

    # Once: one upload and one recording for this token, every final part once, one finalize.
    status = asyncio.run(_status(base_url, upload["upload_token"]))
    parts = sorted(f["part"] for f in status["files"] if f["concat"] != "partial")
    expected = ["media", "meeting_metadata", "participant_events"]
    if parts != expected:
        trial.problems.append(f"final parts {parts}, expected {expected}")
        trial.duplicates += max(0, len(parts) - len(expected))
    if trial.mode == "current":
        # A segment's upload cut by a kill is resumed (or its unjournaled file adopted), never redone.
        partials = [f for f in status["files"] if f["concat"] == "partial"]
        if len(partials) != len(segments):
            trial.problems.append(f"{len(partials)} partial files for {len(segments)} segments")
            trial.duplicates += max(0, len(partials) - len(segments))
    if "shutdown" not in names:
        trial.problems.append("the restarted SDK never shut down")
    return trial


def replay_hint(seed: int, test: str) -> str:
    """How to run the one trial with `seed` again."""
    return (
        f"replay: RECALL_SIM_CRASH_SEED={seed} RECALL_SIM_CRASH_TRIALS=1 "
        f"pytest {test} -m thorough --thorough -p no:randomly -s"
    )
