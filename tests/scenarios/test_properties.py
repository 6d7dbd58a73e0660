"""Generated scenarios: whatever Hypothesis draws, the system agrees with the reference model.

A failure shows the shrunk scenario as YAML and the `recall-sim scenario run` command that replays it.
"""

from __future__ import annotations

from hypothesis import given

from recall_sim.scenarios.model import Scenario
from recall_sim.scenarios.replay import assert_holds
from recall_sim.scenarios.strategies import scenarios


@given(scenarios(faults=False))
def test_generated_scenarios_without_faults_meet_every_invariant(scenario: Scenario) -> None:
    assert_holds(scenario)


@given(scenarios())
def test_generated_scenarios_with_faults_meet_every_invariant(scenario: Scenario) -> None:
    assert_holds(scenario)
