"""The recording's own timeline: when it started, paused, resumed and stopped.

Mirrors `startRecording` / `pauseRecording` / `resumeRecording` / `stopRecording`. All times here are
seconds from the recording's start (the media timeline). A paused span stays in the media as black
frames and silence, so the media timeline is the wall time since the start; what was *captured* is the
set of unpaused spans, and only words that lie entirely inside one of them reach the speech track.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

__all__ = ["RecordedSpans", "RecordingTimeline", "WordFate"]


class WordFate(Enum):
    """Whether a word reaches the speech track: kept, dropped, or not known yet (still being spoken)."""

    KEPT = "kept"
    DROPPED = "dropped"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class RecordedSpans:
    """The unpaused spans [a, b] of a finished recording and its total duration (pauses included)."""

    spans: tuple[tuple[float, float], ...]
    duration: float

    def covers(self, start: float, end: float) -> int | None:
        """Index of the span holding [start, end] whole, or None (before, between or across spans)."""
        for index, (a, b) in enumerate(self.spans):
            if a <= start and end <= b:
                return index
        return None

    def span_at(self, t: float) -> int | None:
        """Index of the span with a <= t < b, or None."""
        for index, (a, b) in enumerate(self.spans):
            if a <= t < b:
                return index
        return None


class RecordingTimeline:
    """Pause, resume and stop as they happen, and what each word's fate is at a given moment."""

    def __init__(self) -> None:
        self._closed: list[tuple[float, float]] = []
        self._open_since: float | None = 0.0
        self._paused_at: float | None = None
        self._stopped_at: float | None = None

    @property
    def paused(self) -> bool:
        """Between `pauseRecording` and `resumeRecording`."""
        return self._paused_at is not None

    @property
    def stopped(self) -> bool:
        """After `stopRecording`."""
        return self._stopped_at is not None

    @property
    def open_since(self) -> float | None:
        """Start of the span being captured now, or None while paused or stopped."""
        return self._open_since

    @property
    def closed_spans(self) -> tuple[tuple[float, float], ...]:
        """The captured spans that have ended (by a pause or the stop)."""
        return tuple(self._closed)

    def pause(self, at: float) -> None:
        """`pauseRecording` at `at`."""
        if self._open_since is None:
            raise ValueError("the recording is not capturing (already paused or stopped)")
        self._closed.append((self._open_since, at))
        self._open_since = None
        self._paused_at = at

    def resume(self, at: float) -> None:
        """`resumeRecording` at `at`."""
        if self._paused_at is None or self.stopped:
            raise ValueError("the recording is not paused")
        self._paused_at = None
        self._open_since = at

    def stop(self, at: float) -> None:
        """`stopRecording` at `at` (paused or not)."""
        if self.stopped:
            raise ValueError("the recording already stopped")
        if self._open_since is not None:
            self._closed.append((self._open_since, at))
        self._open_since = None
        self._paused_at = None
        self._stopped_at = at

    def blank_intervals(self) -> list[tuple[float, float]]:
        """Half-open intervals [p, r) of the media timeline that carry no capture (pauses, after stop)."""
        blank: list[tuple[float, float]] = []
        for (_, b), (a, _) in zip(self._closed, self._closed[1:], strict=False):
            blank.append((b, a))
        if self._paused_at is not None:
            blank.append((self._paused_at, math.inf))
        if self._stopped_at is not None:
            blank.append((self._stopped_at, math.inf))
        return blank

    def fate(self, start: float, end: float, now: float) -> tuple[WordFate, int]:
        """Whether a word [start, end] is captured whole, as far as it is known at `now`.

        Returns the fate and, for a kept word, the index of its span (open span = len(closed spans)).
        The rule: a word is kept only if it lies entirely inside one unpaused span (touching an edge
        counts as inside); a word cut by a start, pause or stop is dropped whole.
        """
        for index, (a, b) in enumerate(self._closed):
            if a <= start < b or (start == b and end == b):
                return (WordFate.KEPT, index) if end <= b else (WordFate.DROPPED, -1)
        if self._stopped_at is not None:
            return WordFate.DROPPED, -1
        if self._open_since is not None and start >= self._open_since:
            if end <= now:
                return WordFate.KEPT, len(self._closed)
            return WordFate.UNDECIDED, -1
        if start >= now:
            # Paused at exactly the word's start: a resume at this same instant would still keep it.
            return WordFate.UNDECIDED, -1
        return WordFate.DROPPED, -1

    def freeze(self) -> RecordedSpans:
        """The finished recording's spans; the timeline must be stopped."""
        if self._stopped_at is None:
            raise ValueError("the recording has not stopped")
        return RecordedSpans(spans=tuple(self._closed), duration=self._stopped_at)
