"""`recall-sim scenario ...`: list, run, replay and fuzz scenarios from the command line.

    recall-sim scenario list [--json]
    recall-sim scenario run NAME|FILE [--seed N] [--trace FILE]
    recall-sim scenario run --all [-n auto] [--junitxml FILE]
    recall-sim scenario replay TRACE|SEED [--name NAME]
    recall-sim scenario fuzz --examples N [--seed N] [--faults/--no-faults]

Every run prints a summary (the SDK's milestones, the upload and recording, the webhooks, the
invariants) and exits 1 when an invariant breaks, with the scenario saved for replay.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from recall_sim.scenarios.invariants import Violation, check
from recall_sim.scenarios.model import Scenario, dump_yaml
from recall_sim.scenarios.named import load, named_scenarios
from recall_sim.scenarios.reference import milestones
from recall_sim.scenarios.replay import ScenarioFailed, assert_holds, replay_trace, save_failure
from recall_sim.scenarios.runner import Run, run_scenario
from recall_sim.scenarios.scenario_batch import Outcome, parse_workers, run_all, write_junit

__all__ = ["app"]

app = typer.Typer(help="Deterministic scenarios of the whole Desktop SDK lifecycle.", no_args_is_help=True)
console = Console(highlight=False)


@app.command("list")
def list_scenarios(
    as_json: Annotated[bool, typer.Option("--json", help="Print them as JSON (for CI matrices)")] = False,
) -> None:
    """The named scenarios, with what each one shows."""
    if as_json:
        listed = [
            {"name": name, "seed": s.seed, "profile": s.profile, "description": s.description}
            for name, s in named_scenarios().items()
        ]
        typer.echo(json.dumps(listed, indent=2))
        return
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
        run.trace.write(trace, [str(v) for v in violations])
        console.print(f"trace written to {trace}")
    if violations:
        try:
            assert_holds(scenario)
        except ScenarioFailed as failure:
            console.print(f"replay with: recall-sim scenario run {failure.saved}")
    return not violations


@app.command("run")
def run(
    scenario: Annotated[
        Optional[str],  # noqa: UP045
        typer.Argument(help="A named scenario or a scenario YAML/JSON file", show_default=False),
    ] = None,
    seed: Annotated[Optional[int], typer.Option(help="Run it with this seed instead")] = None,  # noqa: UP045
    trace: Annotated[Optional[Path], typer.Option(help="Write the JSON-lines trace here")] = None,  # noqa: UP045
    run_all_named: Annotated[bool, typer.Option("--all", help="Run every named scenario")] = False,
    workers: Annotated[
        str,
        typer.Option(
            "--workers", "-n", help="With --all: processes at once, a number or auto (one per core)"
        ),
    ] = "1",
    junitxml: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="With --all: write a JUnit XML report here, one test case per scenario"),
    ] = None,
) -> None:
    """Run one scenario (or --all of them) and check every invariant."""
    if run_all_named:
        if scenario is not None or seed is not None or trace is not None:
            raise typer.BadParameter("--all runs the named scenarios as they are", param_hint="--all")
        try:
            count = parse_workers(workers)
        except ValueError as error:
            raise typer.BadParameter(str(error), param_hint="-n/--workers") from None
        _run_every_named(count, junitxml)
        return
    if scenario is None:
        raise typer.BadParameter("name a scenario, or pass --all", param_hint="SCENARIO")
    try:
        chosen = load(scenario)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="SCENARIO") from None
    if seed is not None:
        chosen = chosen.with_seed(seed)
    if not _run_and_report(chosen, trace):
        raise typer.Exit(1)


def _outcome_line(outcome: Outcome) -> str:
    head = f"{outcome.name} (seed {outcome.seed}, {outcome.seconds:.1f} s)"
    if outcome.error is not None:
        return f"[red]✗[/] {head}: the run raised {outcome.error}"
    if outcome.violations:
        return (
            f"[red]✗[/] {head}: {len(outcome.violations)} invariant(s) broken; "
            f"replay with: recall-sim scenario run {outcome.saved}"
        )
    return f"[green]✓[/] {head}"


def _run_every_named(workers: int, junitxml: Path | None) -> None:
    names = list(named_scenarios())
    started = time.perf_counter()
    outcomes = run_all(names, workers, lambda o: console.print(_outcome_line(o), soft_wrap=True))
    wall = time.perf_counter() - started
    if junitxml is not None:
        write_junit(junitxml, outcomes, wall)
    broken = [o for o in outcomes if not o.ok]
    colour = "red" if broken else "green"
    console.print(
        f"[{colour}]{len(outcomes) - len(broken)} of {len(outcomes)} scenarios held every invariant[/] "
        f"in {wall:.1f} s ({workers} process{'es' if workers > 1 else ''})"
        + (f"; JUnit XML in {junitxml}" if junitxml else "")
    )
    if broken:
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
    max_seconds: Annotated[
        int, typer.Option(help="Longest generated meeting, in seconds (shorter ones shrink faster)", min=10)
    ] = 90,
) -> None:
    """Generate scenarios with Hypothesis, run each, shrink any failure to a minimal one."""
    try:
        import faker  # noqa: F401
        import hypothesis  # noqa: F401
    except ImportError:
        typer.echo(
            "Error: scenario fuzz needs Hypothesis and Faker, which recall-sim installs only on request.",
            err=True,
        )
        typer.echo("Install them with: pip install 'recall-sim[property]'", err=True)
        raise typer.Exit(1) from None
    from recall_sim.scenarios.fuzzing import Broken, search
    from recall_sim.scenarios.shared_examples import ExamplesMisconfigured, example_database

    try:
        # RECALL_SIM_EXAMPLES=redis://...: failures found anywhere are tried first, and ours are kept.
        database = example_database()
    except ExamplesMisconfigured as error:
        raise typer.BadParameter(str(error), param_hint="RECALL_SIM_EXAMPLES") from None

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("generating scenarios", total=examples)
    seen = 0

    def on_example(scenario: Scenario, shrinking: bool) -> None:
        nonlocal seen
        seen += 1
        if shrinking:
            # Hypothesis found a failure and now tries smaller variants of it.
            progress.update(task, description=f"shrinking the failure ({seen} runs)", total=None)
        else:
            progress.update(task, advance=1)

    if database is not None:
        # Hypothesis uses no database for a seeded search: the shared failures come first, then a
        # random search.
        console.print("RECALL_SIM_EXAMPLES: failures saved by any run are tried first; --seed is not used")

    started = time.perf_counter()
    try:
        with progress:
            ran = search(
                examples=examples,
                seed=seed,
                faults=faults,
                max_seconds=max_seconds,
                database=database,
                on_example=on_example,
                checker=check,
            )
    except Broken as failure:
        # Only the final, shrunk scenario is kept: the larger ones on the way were steps, not findings.
        saved = save_failure(failure.scenario)
        console.print(
            f"[red]a scenario broke {len(failure.violations)} invariant(s)[/] (after {seen} runs, "
            "shrunk to the smallest that still breaks them)"
        )
        for violation in failure.violations:
            console.print(f"  - {violation}", soft_wrap=True)
        console.print(dump_yaml(failure.scenario))
        console.print(f"replay with: recall-sim scenario run {saved}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"[green]{ran} scenarios, every invariant held[/] in {time.perf_counter() - started:.1f} s")
