"""Which participant said each word: Recall's diarization methods, applied to what the engine heard.

- `speaker_timeline` (the default): the meeting platform's active-speaker timeline, here the speaker
  timeline derived from the upload's `speech_on`/`speech_off` events. A word goes to the timeline
  entry holding its midpoint (of several at once, the speaker's own); between entries, to the nearest
  one (the active speaker stays active until the platform reports a change). Real participant names.
- `machine`: the provider's own speaker labels, generic (`A`, `B` or `0`, `1`): the provider tells
  voices apart perfectly but knows no names. Only when the provider was asked for labels.
- Recordings without participant data (desktop audio, Slack huddles) have separate microphone and system
  audio, so words are the local microphone's (`Host`) or everyone else's (`Guest`), whatever the method.

A create request's `algorithm_priority` lists methods to try in order; without it, machine diarization
is used when the provider's labels were requested, else the speaker timeline. When no listed method
can attribute the words they go to one unattributed speaker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALGORITHMS",
    "GUEST",
    "HOST",
    "UNATTRIBUTED",
    "HeardWord",
    "attribute",
    "participant",
    "voice_numbers",
]

#: the methods an `algorithm_priority` may list
ALGORITHMS = ("speaker_timeline", "machine")

Participant = dict[str, Any]


def participant(
    pid: int, name: str | None, *, is_host: bool = False, platform: str = "unknown"
) -> Participant:
    return {
        "id": pid,
        "name": name,
        "is_host": is_host,
        "platform": platform,
        "extra_data": {},
        "email": None,
    }


HOST = participant(100, "Host", is_host=True, platform="desktop")
GUEST = participant(200, "Guest")
#: the speaker of words no method could attribute
UNATTRIBUTED = participant(0, None)


@dataclass(frozen=True)
class HeardWord:
    """A word as the engine heard it: its text, its times, and the voice that spoke it (the speech
    track's participant, which only perfect hearing knows)."""

    text: str
    start: float
    end: float
    voice: Participant
    #: which utterance of the speech track it belongs to
    utterance: int = 0


def _nearest_speaker(word: HeardWord, timeline: Sequence[dict[str, Any]]) -> Participant:
    middle = (word.start + word.end) / 2

    def distance(entry: dict[str, Any]) -> tuple[float, bool, float]:
        start = float(entry["start_timestamp"]["relative"])
        end = float(entry["end_timestamp"]["relative"])
        gap = 0.0 if start <= middle <= end else min(abs(middle - start), abs(middle - end))
        # Several people active at once (overlapping speech): the platform reports each of them, and
        # the one whose voice it is wins; otherwise the latest to start is the active speaker.
        return gap, entry["participant"].get("id") != word.voice.get("id"), -start

    chosen: Participant = min(timeline, key=distance)["participant"]
    return chosen


def voice_numbers(words: Sequence[HeardWord]) -> list[int]:
    """Each word's voice as a provider tells voices apart: 0, 1, ... in order of first appearance."""
    seen: dict[tuple[Any, Any], int] = {}
    return [seen.setdefault((w.voice.get("id"), w.voice.get("name")), len(seen)) for w in words]


def _machine(words: Sequence[HeardWord], label: Callable[[int], str]) -> list[Participant]:
    return [participant(n + 1, label(n)) for n in voice_numbers(words)]


def attribute(
    words: Sequence[HeardWord],
    methods: Sequence[str],
    *,
    timeline: Sequence[dict[str, Any]],
    roles: bool,
    label: Callable[[int], str] | None,
) -> list[Participant]:
    """Each word's speaker. `label` is the provider's labelling when it returned labels, else None."""
    if roles:
        return [HOST if w.voice.get("is_host") else GUEST for w in words]
    for method in methods:
        if method == "speaker_timeline" and timeline:
            return [_nearest_speaker(w, timeline) for w in words]
        if method == "machine" and label is not None:
            return _machine(words, label)
    return [UNATTRIBUTED for _ in words]
