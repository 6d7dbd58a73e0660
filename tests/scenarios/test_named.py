"""The named scenarios, as a matrix: every one runs the whole lifecycle and meets every invariant."""

from __future__ import annotations

import pytest

from recall_sim.scenarios.invariants import check
from recall_sim.scenarios.named import named_scenarios, scenario_names
from recall_sim.scenarios.runner import run_scenario

NAMED = named_scenarios()


def test_the_library_has_the_cases_the_matrix_promises() -> None:
    promised = {
        "happy-path",
        "desktop-audio",
        "stop-early",
        "pause",
        "streaming-transcript",
        "webhook-outage",
        "network-drop-mid-upload",
        "recorder-crash",
        "simulator-restart",
        "token-reuse",
        "corrupt-upload",
    }
    assert promised <= set(scenario_names())


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_scenario(name: str) -> None:
    run = run_scenario(NAMED[name])
    violations = check(run)
    assert not violations, "\n".join(map(str, violations))
