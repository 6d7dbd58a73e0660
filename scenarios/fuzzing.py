"""The search behind `recall-sim scenario fuzz`: Hypothesis generates scenarios, each one is run from its
first request to its last webhook and checked against the reference model, and a failure is shrunk.

    search(examples=50, seed=0, faults=True, max_seconds=90, database=None)

`benchmarks/scenario_fuzz.py` measures this same function, so the figure it prints is the command's.
Needs the `property` extra (Hypothesis, Faker).
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.database import ExampleDatabase

from recall_sim.scenarios.invariants import Violation, check
from recall_sim.scenarios.model import Scenario
from recall_sim.scenarios.runner import Run, run_scenario
from recall_sim.scenarios.strategies import scenarios

__all__ = ["Broken", "search"]


class Broken(AssertionError):
    """A generated scenario broke invariants; raised once Hypothesis has shrunk it to the smallest."""

    def __init__(self, scenario: Scenario, violations: list[Violation]) -> None:
        super().__init__(f"{len(violations)} invariant(s) broken")
        self.scenario = scenario
        self.violations = violations


def search(
    *,
    examples: int,
    seed: int,
    faults: bool,
    max_seconds: int,
    database: ExampleDatabase | None,
    on_example: Callable[[Scenario, bool], None] = lambda scenario, shrinking: None,
    runner: Callable[[Scenario], Run] = run_scenario,
    checker: Callable[[Run], list[Violation]] = check,
) -> int:
    """Run `examples` generated scenarios, each checked; returns how many ran. `on_example` hears of
    each one before it runs (`shrinking`: a failure was found and this is a smaller variant of it).
    `runner` runs one (a benchmark wraps `run_scenario` to note each trace), `checker` judges the
    run (the reference model's invariants). Raises `Broken` with
    the shrunk scenario. With a `database`, its saved failures come first and
    `seed` is not used (Hypothesis searches at random when it has a database to replay)."""
    ran = 0
    failing: list[Scenario] = []

    # No health checks: generated meetings are large by design, and each example is slow on purpose
    # (a whole lifecycle), which is what the checks would complain about.
    @settings(
        max_examples=examples, deadline=None, database=database, suppress_health_check=list(HealthCheck)
    )
    @given(scenarios(faults=faults, max_seconds=max_seconds))
    def run(scenario: Scenario) -> None:
        nonlocal ran
        ran += 1
        on_example(scenario, bool(failing))
        violations = checker(runner(scenario))
        if violations:
            failing.append(scenario)
            raise Broken(scenario, violations)

    if database is None:
        run = hypothesis_seed(seed)(run)
    run()
    return ran
