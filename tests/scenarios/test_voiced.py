"""A scenario with voices on: the meeting is spoken aloud in the media, its transcript is still exact
(the speech track), and the same seed gives a byte-identical trace."""

from __future__ import annotations

from dataclasses import replace

from recall_sim.scenarios.invariants import check
from recall_sim.scenarios.model import Scenario
from recall_sim.scenarios.named import named_scenarios
from recall_sim.scenarios.programs import require_program
from recall_sim.scenarios.runner import run_scenario


def test_a_voiced_scenario_is_exact_and_repeatable() -> None:
    require_program("espeak-ng", "espeak-ng")
    scenario = named_scenarios()["async-transcript"]
    spoken = replace(scenario, voices=True)
    assert Scenario.from_dict(spoken.to_dict()) == spoken
    first, second = run_scenario(spoken), run_scenario(spoken)
    # Every invariant holds, the transcript equal to the words kept among them.
    assert check(first) == []
    assert first.trace.dumps() == second.trace.dumps()
    assert first.captured == second.captured
    placeholder = run_scenario(scenario)
    assert set(first.captured.values()).isdisjoint(placeholder.captured.values())
