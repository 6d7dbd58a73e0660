"""Checking a scenario, and making any failure replayable.

`assert_holds(scenario)` runs the scenario, checks every invariant and, on a violation, saves the
scenario as YAML and raises `ScenarioFailed` with the violations, the scenario and the one command that
replays it. A trace replays itself: its first record carries the whole scenario, so
`replay_trace(path)` runs it again and says whether the new trace is byte-identical.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from recall_sim.scenarios.invariants import Violation, check
from recall_sim.scenarios.model import Scenario, dump_yaml
from recall_sim.scenarios.runner import Run, run_scenario
from recall_sim.scenarios.trace import read_trace, without_verdict

__all__ = [
    "FAILURES_DIR",
    "Replayed",
    "ScenarioFailed",
    "assert_holds",
    "replay_trace",
    "save_failure",
    "scenario_of_trace",
]

#: where failing scenarios are saved (the environment variable RECALL_SIM_FAILURES overrides it)
FAILURES_DIR = Path("recall-sim-failures")


class ScenarioFailed(AssertionError):
    def __init__(self, scenario: Scenario, violations: list[Violation], saved: Path) -> None:
        self.scenario = scenario
        self.violations = violations
        self.saved = saved
        listed = "\n".join(f"  - {v}" for v in violations)
        super().__init__(
            f"scenario {scenario.name!r} broke {len(violations)} invariant(s):\n{listed}\n\n"
            f"The scenario:\n{dump_yaml(scenario)}\n"
            f"Replay it with:\n  recall-sim scenario run {saved}\n"
        )


def _failures_dir() -> Path:
    return Path(os.environ.get("RECALL_SIM_FAILURES", FAILURES_DIR))


def save_failure(scenario: Scenario) -> Path:
    """Save a failing scenario as YAML where `recall-sim scenario run` can replay it; returns the path."""
    folder = _failures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / f"{scenario.name}.yaml"
    saved.write_text(dump_yaml(scenario))
    return saved


def assert_holds(scenario: Scenario) -> Run:
    """Run `scenario` and check it; raise ScenarioFailed (scenario saved for replay) on any violation."""
    run = run_scenario(scenario)
    violations = check(run)
    if violations:
        raise ScenarioFailed(scenario, violations, save_failure(scenario))
    return run


def scenario_of_trace(path: Path) -> Scenario:
    records = read_trace(path)
    if not records or records[0].get("kind") != "scenario" or "scenario" not in records[0]:
        raise ValueError(f"{path} is not a recall-sim trace (its first record names no scenario)")
    return Scenario.from_dict(records[0]["scenario"])


@dataclass(frozen=True)
class Replayed:
    run: Run
    identical: bool
    #: the first line (1-based) where the traces differ, or None
    first_difference: int | None


def replay_trace(path: Path) -> Replayed:
    """Run the trace's scenario again; compare the new trace with the old one, byte for byte."""
    old = without_verdict(path.read_text())
    run = run_scenario(scenario_of_trace(path))
    new = run.trace.dumps()
    if new == old:
        return Replayed(run, True, None)
    for line, (a, b) in enumerate(zip(old.splitlines(), new.splitlines(), strict=False), start=1):
        if a != b:
            return Replayed(run, False, line)
    return Replayed(run, False, min(len(old.splitlines()), len(new.splitlines())) + 1)
