"""A bug put in on purpose is caught by the Hypothesis search, shrunk to a minimal scenario, and the
printed replay command reproduces it (and passes once the bug is gone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from typer.testing import CliRunner

import recall_sim.recorder.media.speech as speech
from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.model import Scenario
from recall_sim.scenarios.replay import ScenarioFailed, assert_holds
from recall_sim.scenarios.strategies import scenarios

cli = build_app()

_split = speech._split


def _drops_third_words(participant: Any, words: Any, order: int) -> Any:
    """The bug: an utterance of three or more words loses its third word on its way into the media."""
    return _split(participant, [w for i, w in enumerate(words) if i != 2], order)


def test_a_dropped_word_is_caught_shrunk_and_replayed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RECALL_SIM_FAILURES", str(tmp_path))
    monkeypatch.setattr(speech, "_split", _drops_third_words)
    caught: list[ScenarioFailed] = []

    @settings(
        max_examples=200,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(scenarios(faults=False, max_seconds=30))
    def search(scenario: Scenario) -> None:
        try:
            assert_holds(scenario)
        except ScenarioFailed as failure:
            caught.append(failure)
            raise

    with pytest.raises(ScenarioFailed) as raised:
        search()
    failure = raised.value
    assert any("speech track words" in str(v) for v in failure.violations), failure.violations
    # Shrunk: the smallest meeting that shows the bug has one utterance of exactly three words.
    [utterance] = failure.scenario.meeting.utterances
    assert len(utterance.words) == 3
    assert len(caught) > 1  # the search found it, then shrank through smaller failing scenarios
    assert f"recall-sim scenario run {failure.saved}" in str(failure)

    replayed = CliRunner().invoke(cli, ["scenario", "run", str(failure.saved)])
    assert replayed.exit_code == 1, replayed.output
    assert "speech track words" in replayed.output

    monkeypatch.setattr(speech, "_split", _split)  # the fix
    fixed = CliRunner().invoke(cli, ["scenario", "run", str(failure.saved)])
    assert fixed.exit_code == 0, fixed.output
