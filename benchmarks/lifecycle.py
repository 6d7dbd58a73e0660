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

import recall_sim.recorder.session as session_module
from benchmarks._report import Figure, add_json_flag, figures_reported
from recall_sim.recorder.media import MeetingEncoder
from recall_sim.recorder.media.timeline import RecordingTimeline
from recall_sim.recorder.meeting import MeetingScript, Participant, Utterance, Word
from recall_sim.scenarios.invariants import check
from recall_sim.scenarios.model import AppBehaviour, BackendBehaviour, Scenario
from recall_sim.scenarios.named import load
from recall_sim.scenarios.runner import run_scenario

DEFAULT_SCENARIOS = "happy-path,current-api,pause,desktop-audio,streaming-transcript,async-transcript"


class _Recording:
    """Wraps the real encoder and notes, for each call, the segments it emitted and the state after."""

    log: list[list[tuple[str, tuple[Any, ...], list[Any], float, float]]] = []

    def __init__(self, script: MeetingScript, profile: Any, **kwargs: Any) -> None:
        self._emit = kwargs.pop("on_segment")
        self._out: list[Any] = []
        self._real = MeetingEncoder(script, profile, on_segment=self._out.append, **kwargs)
        self.calls: list[tuple[str, tuple[Any, ...], list[Any], float, float]] = []
        _Recording.log.append(self.calls)
        self.kind = self._real.kind

    def _call(self, name: str, *args: Any) -> Any:
        result = getattr(self._real, name)(*args)
        emitted, self._out[:] = list(self._out), []
        self.calls.append((name, args, emitted, self._real.position, self._real.emitted_until))
        for segment in emitted:
            self._emit(segment)
        return result

    def advance_to(self, t: float) -> None:
        self._call("advance_to", t)

    def pause(self, at: float) -> None:
        self._call("pause", at)

    def resume(self, at: float) -> None:
        self._call("resume", at)

    def close(self, at: float) -> Any:
        return self._call("close", at)

    @property
    def position(self) -> float:
        return self._real.position

    @property
    def emitted_until(self) -> float:
        return self._real.emitted_until

    @property
    def timeline(self) -> RecordingTimeline:
        return self._real.timeline

    @property
    def paused(self) -> bool:
        return self._real.paused


class _Replaying:
    """Capture switched off: hands out the recorded segments at the recorded calls, encodes nothing."""

    logs: list[list[tuple[str, tuple[Any, ...], list[Any], float, float]]] = []
    summaries: list[Any] = []

    def __init__(self, script: MeetingScript, profile: Any, **kwargs: Any) -> None:
        self._emit = kwargs["on_segment"]
        self._calls = _Replaying.logs.pop(0)
        self.kind = kwargs.get("kind") or "mp4"
        self._timeline = RecordingTimeline()
        self.position = 0.0
        self.emitted_until = 0.0

    def _call(self, name: str, *args: Any) -> None:
        recorded, recorded_args, emitted, self.position, self.emitted_until = self._calls.pop(0)
        if (recorded, recorded_args) != (name, args):
            raise RuntimeError(f"the run went another way: {name}{args} where {recorded}{recorded_args} was")
        for segment in emitted:
            self._emit(segment)

    def advance_to(self, t: float) -> None:
        self._call("advance_to", t)

    def pause(self, at: float) -> None:
        self._call("pause", at)
        self._timeline.pause(at)

    def resume(self, at: float) -> None:
        self._call("resume", at)
        self._timeline.resume(at)

    def close(self, at: float) -> Any:
        self._call("close", at)
        self._timeline.stop(at)
        return _Replaying.summaries.pop(0)

    @property
    def timeline(self) -> RecordingTimeline:
        return self._timeline

    @property
    def paused(self) -> bool:
        return self._timeline.paused


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def _record_then_replay(scenario: Scenario) -> tuple[float, float]:
    """(wall with capture, wall with capture replayed) for one scenario, each checked."""
    _Recording.log.clear()
    summaries: list[Any] = []
    original_close = _Recording.close

    def close(self: _Recording, at: float) -> Any:
        summary = original_close(self, at)
        summaries.append(summary)
        return summary

    _Recording.close = close  # type: ignore[method-assign]
    session_module.MeetingEncoder = _Recording  # type: ignore[misc,assignment]
    try:
        ours, run = _timed(lambda: run_scenario(scenario))
    finally:
        session_module.MeetingEncoder = MeetingEncoder  # type: ignore[misc]
        _Recording.close = original_close  # type: ignore[method-assign]
    if check(run):
        raise RuntimeError(f"{scenario.name} broke an invariant; fix that before measuring it")
    _Replaying.logs = list(_Recording.log)
    _Replaying.summaries = summaries
    session_module.MeetingEncoder = _Replaying  # type: ignore[misc,assignment]
    try:
        baseline, replayed = _timed(lambda: run_scenario(scenario))
    finally:
        session_module.MeetingEncoder = MeetingEncoder  # type: ignore[misc]
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
