"""A recording stopped the instant it started (the state machine's `machine-0`, pinned as the named
scenario `stop-at-start`): the blink is still a recording, its audio the codec's shortest, and the host
found at the start is in its participant events."""

from __future__ import annotations

import dataclasses

import pytest

from recall_sim.scenarios.invariants import check
from recall_sim.scenarios.named import load
from recall_sim.scenarios.reference import predict
from recall_sim.scenarios.runner import Run, run_scenario


@pytest.fixture(scope="module")
def run() -> Run:
    return run_scenario(load("stop-at-start"))


def test_the_model_predicts_an_empty_recording_that_saw_the_host_join() -> None:
    prediction = predict(load("stop-at-start"))
    assert prediction.duration == 0.0
    assert prediction.spans == [(0.0, 0.0)]
    assert prediction.participant_events == [("join", 100, 0.0)]
    assert prediction.recording_status == "done"


def test_the_blink_meets_every_invariant(run: Run) -> None:
    violations = check(run)
    assert not violations, "\n".join(map(str, violations))


def test_the_duration_check_still_catches_media_of_the_wrong_length(run: Run) -> None:
    longer = dataclasses.replace(predict(run.scenario), stopped_at=1.0)
    assert [v.invariant for v in check(run, longer)] == ["recorded duration"]


def test_the_participant_events_check_still_catches_a_missing_join(run: Run) -> None:
    nobody = dataclasses.replace(predict(run.scenario), participant_events=[])
    assert [v.invariant for v in check(run, nobody)] == ["participant events"]
