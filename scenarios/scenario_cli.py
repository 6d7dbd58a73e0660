"""`recall-sim scenario ...`: list, run, replay and fuzz scenarios from the command line.

    recall-sim scenario list
    recall-sim scenario run NAME|FILE [--seed N] [--trace FILE]
    recall-sim scenario replay TRACE|SEED [--name NAME]
    recall-sim scenario fuzz --examples N [--seed N] [--faults/--no-faults]

Every run prints a summary (the SDK's milestones, the upload and recording, the webhooks, the
invariants) and exits 1 when an invariant breaks, with the scenario saved for replay.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from scenarios.invariants import Violation, check
from scenarios.model import Scenario, dump_yaml
from scenarios.named import load, named_scenarios
from scenarios.reference import milestones
from scenarios.replay import ScenarioFailed, assert_holds, replay_trace
from scenarios.runner import Run, run_scenario

__all__ = ["app"]

app = typer.Typer(help="Deterministic scenarios of the whole Desktop SDK lifecycle.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("list")
def list_scenarios() -> None:
    """The named scenarios, with what each one shows."""
    table = Table("name", "seed", "profile", "what it shows")
    for name, scenario in named_scenarios().items():
        table.add_row(name, str(scenario.seed), scenario.profile, scenario.description)
    console.print(table)


def _summary(run: Run, violations: list[Violation], wall: float) -> None:
    s = run.scenario
    console.print(f"[bold]{s.name}[/] seed {s.seed}, profile {s.profile}, region {s.region}")
    table = Table("what", "outcome")
    for index, events in enumerate(run.sdk_events, start=1):
        table.add_row(f"sdk {index} events", " → ".join(milestones(events)) or "(none)")
    for upload in run.uploads:
        status = upload["status"]
        table.add_row("sdk upload", f"{upload['id']}: {status['code']} {status['sub_code'] or ''}".strip())
    for recording in run.recordings:
        table.add_row("recording", f"{recording['id']}: {recording['status']['code']}")
    attempts = Counter(d.msg_id for d in run.backend.deliveries)
    delivered = {
        d.msg_id: d.at - run.origin for d in run.backend.deliveries if d.status == 200 and not d.duplicate
    }
    for message in run.messages:
        at = delivered.get(message["id"])
        outcome = f"delivered at {at:.1f} s" if at is not None else "[red]not delivered[/]"
        table.add_row("webhook", f"{message['event_type']}: {attempts[message['id']]} attempt(s), {outcome}")
    last = run.trace.records[-1]["t"] if run.trace.records else 0.0
    table.add_row("simulated time", f"{last:.1f} s")
    table.add_row("wall time", f"{wall:.2f} s")
    table.add_row("trace", f"{len(run.trace.records)} records")
    console.print(table)
    if violations:
        for violation in violations:
            console.print(f"[red]✗[/] {violation}", soft_wrap=True)
    else:
        console.print("[green]✓ every invariant holds[/]")


def _run_and_report(scenario: Scenario, trace: Path | None) -> bool:
    started = time.perf_counter()
    run = run_scenario(scenario)
    violations = check(run)
    _summary(run, violations, time.perf_counter() - started)
    if trace is not None:
        run.trace.write(trace)
        console.print(f"trace written to {trace}")
    if violations:
        try:
            assert_holds(scenario)
        except ScenarioFailed as failure:
            console.print(f"replay with: recall-sim scenario run {failure.saved}")
    return not violations


@app.command("run")
def run(
    scenario: Annotated[str, typer.Argument(help="A named scenario or a scenario YAML/JSON file")],
    seed: Annotated[Optional[int], typer.Option(help="Run it with this seed instead")] = None,  # noqa: UP045
    trace: Annotated[Optional[Path], typer.Option(help="Write the JSON-lines trace here")] = None,  # noqa: UP045
) -> None:
    """Run one scenario and check every invariant."""
    try:
        chosen = load(scenario)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="SCENARIO") from None
    if seed is not None:
        chosen = chosen.with_seed(seed)
    if not _run_and_report(chosen, trace):
        raise typer.Exit(1)


@app.command("replay")
def replay(
    source: Annotated[str, typer.Argument(help="A trace file, or a seed for the scenario named by --name")],
    name: Annotated[str, typer.Option(help="The named scenario a bare seed applies to")] = "happy-path",
) -> None:
    """Replay a trace (and say whether the new one is byte-identical), or a named scenario at a seed."""
    if source.isdigit():
        if not _run_and_report(load(name).with_seed(int(source)), None):
            raise typer.Exit(1)
        return
    path = Path(source)
    if not path.is_file():
        raise typer.BadParameter("neither a trace file nor a seed", param_hint="SOURCE")
    try:
        replayed = replay_trace(path)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="SOURCE") from None
    violations = check(replayed.run)
    _summary(replayed.run, violations, 0.0)
    if replayed.identical:
        console.print("[green]the trace is byte-identical[/]")
    else:
        console.print(f"[red]the trace differs from line {replayed.first_difference}[/]")
    if violations or not replayed.identical:
        raise typer.Exit(1)


@app.command("fuzz")
def fuzz(
    examples: Annotated[int, typer.Option(help="How many scenarios Hypothesis generates")] = 50,
    seed: Annotated[int, typer.Option(help="Hypothesis's seed, for a repeatable search")] = 0,
    faults: Annotated[
        bool, typer.Option(help="Include faults (network drops, crashes, restarts, bursts)")
    ] = True,
) -> None:
    """Generate scenarios with Hypothesis, run each, shrink any failure to a minimal one."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    from scenarios.shared_examples import ExamplesMisconfigured, example_database
    from scenarios.strategies import scenarios

    try:
        # RECALL_SIM_EXAMPLES=redis://...: failures found anywhere are tried first, and ours are kept.
        database = example_database()
    except ExamplesMisconfigured as error:
        raise typer.BadParameter(str(error), param_hint="RECALL_SIM_EXAMPLES") from None
    ran: list[str] = []

    @settings(
        max_examples=examples, deadline=None, database=database, suppress_health_check=list(HealthCheck)
    )
    @given(scenarios(faults=faults))
    def search(scenario: Scenario) -> None:
        ran.append(scenario.name)
        assert_holds(scenario)

    if database is None:
        search = hypothesis_seed(seed)(search)
    else:
        # Hypothesis uses no database for a seeded search: the shared failures come first, then a
        # random search.
        console.print("RECALL_SIM_EXAMPLES: failures saved by any run are tried first; --seed is not used")

    started = time.perf_counter()
    try:
        search()
    except ScenarioFailed as failure:
        console.print(
            f"[red]a scenario broke {len(failure.violations)} invariant(s)[/] (after {len(ran)} runs)"
        )
        for violation in failure.violations:
            console.print(f"  - {violation}", soft_wrap=True)
        console.print(dump_yaml(failure.scenario))
        console.print(f"replay with: recall-sim scenario run {failure.saved}")
        raise typer.Exit(1) from None
    console.print(
        f"[green]{len(ran)} scenarios, every invariant held[/] in {time.perf_counter() - started:.1f} s"
    )
