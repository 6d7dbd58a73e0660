"""What the plugin's `recall_scenario` fixture gives a test: whole-lifecycle scenarios, run and checked.

    run = recall_scenario.run("happy-path", seed=7)     # scenarios.runner.run_scenario
    recall_scenario.check("webhook-outage")             # scenarios.replay.assert_holds

A scenario is a named one (scenarios/library) or a `scenarios.model.Scenario`. Its seed and profile are,
first to last: the call's arguments, `@pytest.mark.recall_scenario(...)`, `--recall-seed` /
`--recall-profile`, the scenario's own. Each run has a virtual-time loop of its own, so these calls
belong in plain `def` tests.
"""

from __future__ import annotations

import asyncio
import dataclasses

from recall_sim.scenarios.model import Scenario
from recall_sim.scenarios.named import load
from recall_sim.scenarios.options import ApiProfile, Defaults, ScenarioOptions
from recall_sim.scenarios.replay import assert_holds
from recall_sim.scenarios.runner import Run, run_scenario

__all__ = ["ScenarioRuns"]


class ScenarioRuns:
    """Runs scenarios (run_scenario) and checks their invariants (assert_holds) for one test."""

    def __init__(self, options: ScenarioOptions, defaults: Defaults) -> None:
        self.options = options
        self.defaults = defaults
        #: every run this test made, in order
        self.runs: list[Run] = []

    def scenario(
        self, name_or_scenario: str | Scenario, *, seed: int | None = None, profile: ApiProfile | None = None
    ) -> Scenario:
        """The scenario as it will run: loaded by name or path, with the seed and profile chosen."""
        scenario = load(name_or_scenario) if isinstance(name_or_scenario, str) else name_or_scenario
        chosen_seed = next((s for s in (seed, self.options.seed, self.defaults.seed) if s is not None), None)
        chosen_profile = profile or self.options.profile or self.defaults.profile
        changes: dict[str, object] = {}
        if chosen_seed is not None:
            changes["seed"] = chosen_seed
        if chosen_profile is not None:
            changes["profile"] = chosen_profile
        return dataclasses.replace(scenario, **changes) if changes else scenario  # type: ignore[arg-type]

    def _outside_a_loop(self) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        raise RuntimeError(
            "recall_scenario runs each scenario on a virtual-time loop of its own: "
            "use it in a plain `def` test"
        )

    def run(
        self, name_or_scenario: str | Scenario, *, seed: int | None = None, profile: ApiProfile | None = None
    ) -> Run:
        """Run the scenario to its end and return what happened (scenarios.runner.Run)."""
        self._outside_a_loop()
        run = run_scenario(self.scenario(name_or_scenario, seed=seed, profile=profile))
        self.runs.append(run)
        return run

    def check(
        self, name_or_scenario: str | Scenario, *, seed: int | None = None, profile: ApiProfile | None = None
    ) -> Run:
        """Run the scenario and check every invariant; on a violation raise scenarios.replay.
        ScenarioFailed, which names the violations and the command that replays the saved scenario."""
        self._outside_a_loop()
        run = assert_holds(self.scenario(name_or_scenario, seed=seed, profile=profile))
        self.runs.append(run)
        return run
