"""The whole lifecycle, in process: named scenarios per second (tiny media profile), and the wall time of
an hour-long meeting followed by a day of webhook retries.

    python benchmarks/lifecycle.py [--runs 3] [--hour-runs 1] [--scenarios happy-path,current-api,...]

The baseline in the same run is the same scenarios with media capture switched off: the recorder's
encoder is replaced by one that replays, call for call, the segments the real encoder produced in a
first (unmeasured) run of the same seed, so the region receives the same bytes and everything else runs
unchanged. The ratio (ours / baseline, wall clock) shows how much of a scenario's time is capture.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/lifecycle.py`

from benchmarks._capture_replay import capture_recorded, capture_replayed
from benchmarks._report import Figure, add_json_flag, figures_reported
from recall_sim.recorder.meeting import MeetingScript, Participant, Utterance, Word
from recall_sim.scenarios.invariants import check
from recall_sim.scenarios.model import AppBehaviour, BackendBehaviour, Scenario
from recall_sim.scenarios.named import load
from recall_sim.scenarios.runner import run_scenario

DEFAULT_SCENARIOS = "happy-path,current-api,pause,desktop-audio,streaming-transcript,async-transcript"


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def _record_then_replay(scenario: Scenario) -> tuple[float, float]:
    """(wall with capture, wall with capture replayed) for one scenario, each checked."""
    with capture_recorded() as log:
        ours, run = _timed(lambda: run_scenario(scenario))
    if check(run):
        raise RuntimeError(f"{scenario.name} broke an invariant; fix that before measuring it")
    with capture_replayed(log):
        baseline, replayed = _timed(lambda: run_scenario(scenario))
    if replayed.trace.dumps() != run.trace.dumps():
        raise RuntimeError(
            f"{scenario.name}: the replayed run's trace differs; the baseline is not the same run"
        )
    return ours, baseline


def hour_long() -> Scenario:
    """An hour of two people taking turns, then the backend's webhook handler down for a day."""
    people = (Participant(100, "Ada", is_host=True, is_local=True), Participant(200, "Grace"))
    utterances = tuple(
        Utterance(
            100 if i % 2 else 200,
            tuple(Word(f"w{i}-{j}", i * 30 + j * 0.5, i * 30 + j * 0.5 + 0.4) for j in range(10)),
        )
        for i in range(119)
    )
    meeting = MeetingScript(
        platform="zoom", duration=3600.0, title="Hour", participants=people, utterances=utterances
    )
    return Scenario(
        name="hour-long",
        seed=1,
        meeting=meeting,
        profile="current",
        app=AppBehaviour(upload_mode="seed"),
        backend=BackendBehaviour(webhook_outages=((3600.0, 3600.0 + 86400.0),)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds over the scenarios")
    parser.add_argument("--hour-runs", type=int, default=1, help="runs of the hour-long meeting (0: skip)")
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help="comma-separated named scenarios")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    chosen = [load(name) for name in args.scenarios.split(",") if name]

    ours_rates, base_rates = [], []
    for _ in range(args.runs):
        ours_total = base_total = 0.0
        for scenario in chosen:
            ours, baseline = _record_then_replay(scenario)
            ours_total += ours
            base_total += baseline
        ours_rates.append(len(chosen) / ours_total)
        base_rates.append(len(chosen) / base_total)
    ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
    name = f"scenarios per second ({len(chosen)} named, tiny profile)"
    figures.append(Figure(name, ours_rate, base_rate, "capture off", "scenarios/s"))
    print(f"{'what':<58} {'ours':>9} {'capture off':>12} {'ratio':>7}")
    print(
        f"{f'scenarios per second ({len(chosen)} named, tiny profile)':<58} "
        f"{ours_rate:>9.2f} {base_rate:>12.2f} {ours_rate / base_rate:>7.2f}"
    )
    if args.hour_runs:
        hours, bases = [], []
        for _ in range(args.hour_runs):
            ours, baseline = _record_then_replay(hour_long())
            hours.append(ours)
            bases.append(baseline)
        ours_s, base_s = statistics.median(hours), statistics.median(bases)
        hour = "hour-long meeting + a day of webhook retries"
        figures.append(Figure(hour, ours_s, base_s, "capture off", "s"))
        print(
            f"{'hour-long meeting + a day of webhook retries (wall s)':<58} "
            f"{ours_s:>9.2f} {base_s:>12.2f} {ours_s / base_s:>7.2f}"
        )


if __name__ == "__main__":
    main()
