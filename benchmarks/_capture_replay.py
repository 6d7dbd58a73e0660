"""Capture switched off, for the scenario benchmarks' baseline: a first run of a scenario records, for
each call to the recorder's encoder, the segments the real encoder emitted; a second run of the same
scenario replays them call for call and encodes nothing, so the region receives the same bytes and
everything else runs unchanged.

    with capture_recorded() as log:
        run_scenario(scenario)
    with capture_replayed(log):
        run_scenario(scenario)   # the same trace, without the media's cost
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import recall_sim.recorder.session as session_module
from recall_sim.recorder.media import MeetingEncoder
from recall_sim.recorder.media.timeline import RecordingTimeline
from recall_sim.recorder.meeting import MeetingScript

__all__ = ["CaptureLog", "capture_recorded", "capture_replayed"]

#: one encoder call: its name, arguments, the segments it emitted, position and emitted_until after it
Call = tuple[str, tuple[Any, ...], list[Any], float, float]


@dataclass
class CaptureLog:
    """Every encoder's calls, in the order the encoders were made, and their summaries as closed."""

    encoders: list[list[Call]] = field(default_factory=list)
    summaries: list[Any] = field(default_factory=list)


class _Recording:
    """Wraps the real encoder and notes, for each call, the segments it emitted and the state after."""

    log = CaptureLog()

    def __init__(self, script: MeetingScript, profile: Any, **kwargs: Any) -> None:
        self._emit = kwargs.pop("on_segment")
        self._out: list[Any] = []
        self._real = MeetingEncoder(script, profile, on_segment=self._out.append, **kwargs)
        self.calls: list[Call] = []
        _Recording.log.encoders.append(self.calls)
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
        summary = self._call("close", at)
        _Recording.log.summaries.append(summary)
        return summary

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

    log = CaptureLog()

    def __init__(self, script: MeetingScript, profile: Any, **kwargs: Any) -> None:
        self._emit = kwargs["on_segment"]
        self._calls = _Replaying.log.encoders.pop(0)
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
        return _Replaying.log.summaries.pop(0)

    @property
    def timeline(self) -> RecordingTimeline:
        return self._timeline

    @property
    def paused(self) -> bool:
        return self._timeline.paused


@contextlib.contextmanager
def capture_recorded() -> Iterator[CaptureLog]:
    """Real capture, every encoder call noted in the log this yields."""
    _Recording.log = log = CaptureLog()
    session_module.MeetingEncoder = _Recording  # type: ignore[misc,assignment]
    try:
        yield log
    finally:
        session_module.MeetingEncoder = MeetingEncoder  # type: ignore[misc]


@contextlib.contextmanager
def capture_replayed(log: CaptureLog) -> Iterator[None]:
    """Capture off: the encoders hand out what `log` recorded (consumed as they go)."""
    _Replaying.log = CaptureLog(list(log.encoders), list(log.summaries))
    session_module.MeetingEncoder = _Replaying  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        session_module.MeetingEncoder = MeetingEncoder  # type: ignore[misc]
