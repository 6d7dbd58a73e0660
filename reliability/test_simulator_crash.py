"""Simulator crash trials: `recall-sim serve --data-dir D` killed with SIGKILL mid-request, mid tus
PATCH, during processing and while webhook retries are pending, and started again on the same directory
(reliability/_crash_simulator.py). Nothing acknowledged may be lost: uploads resume at the acknowledged
offset, processing completes, every pending webhook is delivered (verified with `svix`), Idempotency-Key
retries replay (the work was committed before the kill) or run (it was not), never making a resource
twice, and the region's clock never goes back.

Trial i runs with seed base + i (base from RECALL_SIM_CRASH_SEED); a failing trial prints its seed and
how to run it alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from reliability._crash_simulator import SimulatorTrial, replay_hint, run_trial

pytestmark = pytest.mark.served

BASE_SEED = int(os.environ.get("RECALL_SIM_CRASH_SEED", "9100"))
_TEST = "reliability/test_simulator_crash.py"


def _run(count: int, tmp_path: Path, figures: Any, part: str) -> None:
    trials: list[SimulatorTrial] = []
    for i in range(count):
        seed = BASE_SEED + i
        work = tmp_path / f"trial-{seed}"
        work.mkdir()
        trial = run_trial(seed, work)
        if trial.failed:
            print(f"simulator crash trial failed: {trial.describe()}\n  {replay_hint(seed, _TEST)}")
        trials.append(trial)
    failed = [t for t in trials if t.failed]
    figures.record(
        part,
        tries=len(trials),
        failures=len(failed),
        lost=sum(t.lost for t in trials),
        duplicates=sum(t.duplicates for t in trials),
        kills=sum(t.kills for t in trials),
        lost_uploads=sum(t.lost_uploads for t in trials),
        lost_recordings=sum(t.lost_recordings for t in trials),
        lost_webhooks=sum(t.lost_webhooks for t in trials),
        idempotent_reruns=sum(t.reruns for t in trials),
        replayed_after_commit=sum(t.replayed_after_commit for t in trials),
        reruns_after_commit=f"{sum(t.duplicated_after_commit for t in trials)} duplicated",
    )
    assert not failed, "\n".join(f"{t.describe()}\n  {replay_hint(t.seed, _TEST)}" for t in failed)


@pytest.mark.quick
def test_simulator_crash_trials(tmp_path: Path, figures: Any) -> None:
    _run(2, tmp_path, figures, "simulator crash trials")


@pytest.mark.thorough
def test_simulator_crash_trials_thorough(tmp_path: Path, figures: Any) -> None:
    count = int(os.environ.get("RECALL_SIM_CRASH_TRIALS", "20"))
    _run(count, tmp_path, figures, "simulator crash trials (thorough)")
