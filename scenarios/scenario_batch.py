"""Running many named scenarios at once for CI: `recall-sim scenario run --all [-n auto] [--junitxml F]`.

Each scenario runs in a worker process of its own when `workers > 1` (a scenario is one deterministic
virtual-time run, so workers share nothing), and the outcomes come back in the scenarios' order. A JUnit
XML report, as pytest writes one, lets CI systems show each scenario as a test case.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Outcome", "parse_workers", "run_all", "run_named", "write_junit"]


@dataclass(frozen=True)
class Outcome:
    name: str
    seed: int
    seconds: float
    violations: list[str] = field(default_factory=list)
    #: where the failing scenario was saved for replay
    saved: str | None = None
    #: the run itself raised (a bug of the runner, not a broken invariant)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.violations and self.error is None


def parse_workers(value: str) -> int:
    """`auto` (one per core) or a positive number."""
    if value == "auto":
        return os.cpu_count() or 1
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise ValueError(f"{value!r} is neither auto nor a positive number")


def run_named(name: str) -> Outcome:
    """Run one named scenario and check its invariants (in whichever process calls it)."""
    from recall_sim.scenarios.invariants import check
    from recall_sim.scenarios.named import load
    from recall_sim.scenarios.replay import save_failure
    from recall_sim.scenarios.runner import run_scenario

    started = time.perf_counter()
    scenario = load(name)
    try:
        violations = check(run_scenario(scenario))
    except Exception as error:
        return Outcome(
            name, scenario.seed, time.perf_counter() - started, error=f"{type(error).__name__}: {error}"
        )
    saved = str(save_failure(scenario)) if violations else None
    return Outcome(name, scenario.seed, time.perf_counter() - started, [str(v) for v in violations], saved)


def run_all(names: Sequence[str], workers: int, on_done: Callable[[Outcome], None]) -> list[Outcome]:
    """Every scenario of `names`, `workers` at a time; `on_done` hears of each as it finishes, in order."""
    outcomes: list[Outcome] = []
    if workers <= 1 or len(names) <= 1:
        for name in names:
            outcomes.append(run_named(name))
            on_done(outcomes[-1])
        return outcomes
    # Spawned, not forked: the parent may hold threads (rich's live display) that a fork would copy mid-step.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(names)), mp_context=context) as pool:
        for outcome in pool.map(run_named, names):
            outcomes.append(outcome)
            on_done(outcome)
    return outcomes


def write_junit(path: Path, outcomes: Sequence[Outcome], seconds: float) -> None:
    """A JUnit XML report: one test case per scenario, a failure per broken scenario."""
    failures = sum(1 for o in outcomes if o.violations)
    errors = sum(1 for o in outcomes if o.error is not None)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="recall-sim scenarios",
        tests=str(len(outcomes)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for outcome in outcomes:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="recall-sim.scenario",
            name=outcome.name,
            time=f"{outcome.seconds:.3f}",
        )
        if outcome.error is not None:
            ET.SubElement(case, "error", message=outcome.error).text = outcome.error
        elif outcome.violations:
            failure = ET.SubElement(case, "failure", message=f"{len(outcome.violations)} invariant(s) broken")
            failure.text = (
                "\n".join(outcome.violations) + f"\nreplay with: recall-sim scenario run {outcome.saved}"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
