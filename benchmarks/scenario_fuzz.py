"""Generated scenarios per second: the search `recall-sim scenario fuzz` runs (Hypothesis generating a new
meeting for every example, each run in process from its first request to its last webhook and checked
against the reference model), timed from the search's start to its end, without interpreter start-up.

    python benchmarks/scenario_fuzz.py [--runs 3] [--examples 20] [--seed 7] [--no-faults]

The baseline in the same run is the same search at the same seed with media capture switched off: the
recorder's encoder replays, call for call, the segments the real encoder produced for the same examples
in the measured run just before, so the region receives the same bytes and Hypothesis generates the same
meetings (each replayed trace is checked byte for byte against its measured one). The two take turns,
run after run; the figures are medians.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/scenario_fuzz.py`

from benchmarks._capture_replay import capture_recorded, capture_replayed
from benchmarks._report import Figure, add_json_flag, figures_reported
from recall_sim.scenarios.fuzzing import search
from recall_sim.scenarios.model import Scenario
from recall_sim.scenarios.named import load
from recall_sim.scenarios.runner import Run, run_scenario


def _search(args: argparse.Namespace) -> tuple[float, float, int, list[str]]:
    """(wall seconds, CPU seconds, examples run, each example's trace digest) for one search."""
    digests: list[str] = []

    def traced(scenario: Scenario) -> Run:
        run = run_scenario(scenario)
        digests.append(hashlib.sha256(run.trace.dumps().encode()).hexdigest())
        return run

    started, cpu = time.perf_counter(), time.process_time()
    ran = search(
        examples=args.examples,
        seed=args.seed,
        faults=args.faults,
        max_seconds=args.max_seconds,
        database=None,
        runner=traced,
    )
    return time.perf_counter() - started, time.process_time() - cpu, ran, digests


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="searches with capture and without, in turn")
    parser.add_argument("--examples", type=int, default=20, help="scenarios Hypothesis generates per search")
    parser.add_argument("--seed", type=int, default=7, help="Hypothesis's seed")
    parser.add_argument("--faults", action=argparse.BooleanOptionalAction, default=True, help="with faults")
    parser.add_argument("--max-seconds", type=int, default=90, help="longest generated meeting, seconds")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure(args, figures)


def _measure(args: argparse.Namespace, figures: list[Figure]) -> None:
    # Modules a scenario loads on first use (media, the region's routes) are loaded before the clock
    # starts: start-up is not what this measures.
    run_scenario(load("happy-path"))
    ours_rates, base_rates, ours_cpu, base_cpu = [], [], [], []
    for i in range(args.runs):
        with capture_recorded() as log:
            ours, cpu, ran, traces = _search(args)
        with capture_replayed(log):
            baseline, replayed_cpu, replayed_ran, replayed = _search(args)
        if (replayed_ran, replayed) != (ran, traces):
            raise RuntimeError("the search with capture off ran other examples; the baseline is not the same")
        ours_rates.append(ran / ours)
        base_rates.append(ran / baseline)
        ours_cpu.append(cpu / ran * 1000)
        base_cpu.append(replayed_cpu / ran * 1000)
        print(f"run {i + 1}: {ran} examples in {ours:.2f} s, capture off {baseline:.2f} s", file=sys.stderr)
    ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
    faults = "with faults" if args.faults else "no faults"
    name = f"generated scenarios per second (fuzz, {args.examples} examples, seed {args.seed}, {faults})"
    figures.append(Figure(name, ours_rate, base_rate, "capture off", "scenarios/s"))
    print(f"{'what':<72} {'ours':>7} {'capture off':>12} {'ratio':>7}")
    print(f"{name:<72} {ours_rate:>7.2f} {base_rate:>12.2f} {ours_rate / base_rate:>7.2f}")
    # CPU per example depends less than wall time on how much of the machine other work leaves.
    cpu_ms, base_cpu_ms = statistics.median(ours_cpu), statistics.median(base_cpu)
    cpu_name = "CPU per generated scenario (this process)"
    figures.append(Figure(cpu_name, cpu_ms, base_cpu_ms, "capture off", "ms"))
    print(f"{cpu_name + ', ms':<72} {cpu_ms:>7.0f} {base_cpu_ms:>12.0f} {cpu_ms / base_cpu_ms:>7.2f}")


if __name__ == "__main__":
    main()
