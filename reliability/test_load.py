"""Load: many recorders recording and uploading at once to one served region (reliability/_load_run.py).

Everything must complete (every recording `done` with every artifact it should have), every webhook the
region made must reach the receiver verified by the `svix` library although the receiver fails a third
of its attempts, and no REST call may answer a 5xx. The figures give the latency of every REST call the
recorders and the backend made (to the response's headers), p50 and p99.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recall_sim.recorder.meetings import load_meeting
from reliability._load_run import run_load

pytestmark = pytest.mark.served

SEED = 4242


def _run(tmp_path: Path, figures: Any, part: str, *, recorders: int, meeting: str, scale: float) -> None:
    result = run_load(tmp_path, recorders=recorders, meeting=load_meeting(meeting), scale=scale, seed=SEED)
    figures.record(part, tries=recorders, failures=len(result.problems), lost=result.lost, **result.figures())
    print(
        f"{part}: {result.figures()}, region messages {result.region_messages}, "
        f"receiver attempts {result.receiver_attempts}, duplicates {result.duplicates}"
    )
    for route, (count, p50, p99) in result.routes.items():
        print(f"  {route:<48} {count:>5} requests  p50 {p50:>8} ms  p99 {p99:>8} ms")
    assert not result.problems, f"seed {SEED}:\n" + "\n".join(result.problems[:20])
    assert result.server_errors == 0
    assert result.webhooks == result.region_messages > 0
    assert result.receiver_failures == result.receiver_attempts // 3 > 0


@pytest.mark.quick
def test_twenty_recorders_at_once_all_complete_and_every_webhook_arrives(
    tmp_path: Path, figures: Any
) -> None:
    # one-on-one: a 20 s meeting played at 4x, so each recording takes 5 s of real time
    _run(tmp_path, figures, "load", recorders=20, meeting="one-on-one", scale=4.0)


@pytest.mark.thorough
def test_fifty_recorders_with_longer_meetings(tmp_path: Path, figures: Any) -> None:
    # standup: a 30 s meeting played at 2x
    _run(tmp_path, figures, "load (thorough)", recorders=50, meeting="standup", scale=2.0)
