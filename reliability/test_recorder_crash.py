"""Recorder crash trials: the desktop app killed (SIGKILL) at seeded moments while it records and while
a restarted app uploads; the SDK started once more finishes every recording. Each recording must end
`done` with exactly the media journaled before the first kill, and nothing may reach the region twice.

Trial i runs with seed base + i (base from RECALL_SIM_CRASH_SEED, default below); a failing trial
prints its seed and how to run it alone.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served
from reliability._crash_recorder import RecorderTrial, replay_hint, run_trial

pytestmark = pytest.mark.served

BASE_SEED = int(os.environ.get("RECALL_SIM_CRASH_SEED", "7000"))
_TEST = "reliability/test_recorder_crash.py"


def _completions(base_url: str) -> Counter[str]:
    """How many times each upload was completed on the region (its `sdk_upload.complete` events)."""
    state = httpx.get(f"{base_url}/_simulator/state", timeout=30).json()
    found: Counter[str] = Counter()
    for event in state["collections"].get("events", []):
        if event.get("type") == "sdk_upload.complete":
            found[str((event.get("sdk_upload") or {}).get("id"))] += 1
    return found


def _trials(count: int, tmp_path: Path) -> tuple[list[RecorderTrial], int, list[str]]:
    """`count` trials on one served region; returns them, the duplicates the region shows and the
    problems found across trials."""
    problems: list[str] = []
    with (
        served(Settings(seed=5, delays="instant")) as region,
        httpx.Client(
            base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"}, timeout=30
        ) as api,
    ):
        trials = []
        for i in range(count):
            seed = BASE_SEED + i
            work = tmp_path / f"trial-{seed}"
            work.mkdir()
            trial = run_trial(seed, region.base_url, api, work)
            if trial.failed:
                print(f"recorder crash trial failed: {trial.describe()}\n  {replay_hint(seed, _TEST)}")
            trials.append(trial)
        uploads = _all(api, "/api/v1/sdk_upload/")
        recordings = _all(api, "/api/v1/recording/")
        completions = _completions(region.base_url)
    duplicates = max(0, len(uploads) - count) + max(0, len(recordings) - count)
    twice = {upload: n for upload, n in completions.items() if n > 1}
    duplicates += sum(n - 1 for n in twice.values())
    if len(uploads) != count or len(recordings) != count:
        problems.append(f"{len(uploads)} uploads and {len(recordings)} recordings for {count} trials")
    if twice:
        problems.append(f"uploads completed more than once: {twice}")
    if sum(completions.values()) != count - sum(t.lost for t in trials):
        problems.append(f"{sum(completions.values())} completions for {count} trials")
    return trials, duplicates, problems


def _all(api: httpx.Client, path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    url: str | None = path
    while url:
        page = api.get(url).json()
        found += page["results"]
        url = page.get("next")
    return found


def _run(count: int, tmp_path: Path, figures: Any, part: str) -> None:
    trials, duplicates, problems = _trials(count, tmp_path)
    failed = [t for t in trials if t.failed]
    figures.record(
        part,
        tries=len(trials),
        failures=len(failed) + bool(problems),
        lost=sum(t.lost for t in trials),
        duplicates=duplicates + sum(t.duplicates for t in trials),
        upload_kills=sum(t.upload_kills for t in trials),
    )
    assert not failed, "\n".join(f"{t.describe()}\n  {replay_hint(t.seed, _TEST)}" for t in failed)
    assert not problems, problems
    assert duplicates == 0


@pytest.mark.quick
def test_recorder_crash_trials(tmp_path: Path, figures: Any) -> None:
    _run(3, tmp_path, figures, "recorder crash trials")


@pytest.mark.thorough
def test_recorder_crash_trials_thorough(tmp_path: Path, figures: Any) -> None:
    count = int(os.environ.get("RECALL_SIM_CRASH_TRIALS", "50"))
    _run(count, tmp_path, figures, "recorder crash trials (thorough)")
