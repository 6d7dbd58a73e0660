"""The speech track: the words spoken while recording, carried inside the media bytes.

recall-sim's simulated transcription provider reads the words from the uploaded media itself (README,
"The speech track"). Each utterance is one JSON object

    {"participant": {"id", "name", "is_host", "platform", "extra_data": {}, "email"},
     "words": [{"text", "start", "end"}]}

with times in seconds from the recording's start (rounded to the microsecond). The rule for what goes
in: a word is kept only if it lies entirely inside one captured, unpaused span of the recording
(touching a span's edge counts as inside); a word cut by the start, a pause, a resume or the stop is
dropped whole. A script utterance whose kept words fall into two spans (a pause in the middle) becomes
two utterances. An utterance too long for one mov_text sample (64 KiB) is split into consecutive
utterances of the same speaker.

Speakers: meeting recordings name the script's participants. Desktop-audio recordings, which have no
participant data, name the local microphone `Host` (id 100) and everything else `Guest` (id 200), as
Recall does; Slack huddles, audio only without participant data, are labelled the same way.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from recall_sim.recorder.media.timeline import RecordedSpans, RecordingTimeline, WordFate
from recall_sim.recorder.meeting import MeetingScript, Participant

__all__ = [
    "GUEST",
    "HOST",
    "MAX_SAMPLE_TEXT",
    "SpeakerLabels",
    "SpeechTracker",
    "SpeechUtterance",
    "SpeechWord",
    "decode_tx3g",
    "encode_tx3g",
    "participant_json",
    "recorded_utterances",
    "speaker_labels_for",
    "utterance_json",
]

SpeakerLabels = Literal["participants", "roles"]

#: Desktop-audio speakers: fixed ids per role, since such recordings carry no participant data.
HOST: dict[str, Any] = {
    "id": 100,
    "name": "Host",
    "is_host": True,
    "platform": "desktop",
    "extra_data": {},
    "email": None,
}
GUEST: dict[str, Any] = {
    "id": 200,
    "name": "Guest",
    "is_host": False,
    "platform": "unknown",
    "extra_data": {},
    "email": None,
}

#: a tx3g sample's text length is a 16-bit field
MAX_SAMPLE_TEXT = 0xFFFF


@dataclass(frozen=True)
class SpeechWord:
    """A kept word, its times in seconds from the recording's start (the `words[]` of an utterance)."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeechUtterance:
    """One speaker's run of kept words, on the recording's timeline."""

    participant: tuple[tuple[str, Any], ...]
    words: tuple[SpeechWord, ...]
    #: position of the script utterance it came from: orders utterances that start together
    order: int = field(default=0, compare=False, repr=False)

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    def to_json(self) -> dict[str, Any]:
        """The utterance object of the speech track (the transcript download's shape, minus timestamps)."""
        return {
            "participant": _participant_of(self.participant),
            "words": [{"text": w.text, "start": w.start, "end": w.end} for w in self.words],
        }


def _participant_of(speaker: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    participant = dict(speaker)
    participant["extra_data"] = dict(participant["extra_data"])
    return participant


def speaker_labels_for(script: MeetingScript, desktop_audio: bool) -> SpeakerLabels:
    """Roles (Host/Guest) when the recording has no participant data, participants otherwise."""
    return "roles" if desktop_audio or script.audio_only else "participants"


def participant_json(participant: Participant) -> dict[str, Any]:
    """A participant in Recall's download shape."""
    return {
        "id": participant.id,
        "name": participant.name,
        "is_host": participant.is_host,
        "platform": participant.platform,
        "extra_data": {},
        "email": participant.email,
    }


def _speaker(
    script: MeetingScript, participant_id: int, labels: SpeakerLabels
) -> tuple[tuple[str, Any], ...]:
    try:
        script.participant(participant_id)
    except KeyError:
        raise ValueError(f"an utterance is spoken by {participant_id}, who is not a participant") from None
    if labels == "roles":
        chosen = HOST if script.participant(participant_id).is_local else GUEST
    else:
        chosen = participant_json(script.participant(participant_id))
    # Stored as items so utterances stay hashable; extra_data is always the empty object.
    return tuple((k, () if k == "extra_data" else v) for k, v in chosen.items())


def utterance_json(utterance: SpeechUtterance) -> bytes:
    """The compact UTF-8 JSON of one utterance (what one mov_text sample carries)."""
    return json.dumps(utterance.to_json(), separators=(",", ":"), ensure_ascii=False).encode()


def encode_tx3g(text: bytes) -> bytes:
    """A tx3g (mov_text) sample: 16-bit big-endian length, then the UTF-8 text."""
    if len(text) > MAX_SAMPLE_TEXT:
        raise ValueError("tx3g text longer than 65535 bytes")
    return struct.pack(">H", len(text)) + text


def decode_tx3g(sample: bytes) -> bytes:
    """The text of a tx3g sample (empty for the muxer's gap and end samples)."""
    if len(sample) < 2:
        return b""
    (length,) = struct.unpack(">H", sample[:2])
    return sample[2 : 2 + length]


def _split(
    participant: tuple[tuple[str, Any], ...], words: Sequence[SpeechWord], order: int
) -> list[SpeechUtterance]:
    utterance = SpeechUtterance(participant=participant, words=tuple(words), order=order)
    if len(words) == 1 or len(utterance_json(utterance)) <= MAX_SAMPLE_TEXT:
        return [utterance]
    half = len(words) // 2
    return _split(participant, words[:half], order) + _split(participant, words[half:], order)


def _ordered(utterances: list[SpeechUtterance]) -> list[SpeechUtterance]:
    return sorted(utterances, key=lambda u: (u.start, u.order))


def _rel(script_time: float, start_at: float) -> float:
    return round(script_time - start_at, 6)


def recorded_utterances(
    script: MeetingScript, start_at: float, recorded: RecordedSpans, labels: SpeakerLabels = "participants"
) -> list[SpeechUtterance]:
    """Every utterance of a finished recording, by the kept-word rule, in start order."""
    out: list[SpeechUtterance] = []
    for order, utterance in enumerate(script.utterances):
        speaker = _speaker(script, utterance.participant_id, labels)
        groups: dict[int, list[SpeechWord]] = {}
        for word in utterance.words:
            start, end = _rel(word.start, start_at), _rel(word.end, start_at)
            span = recorded.covers(start, end)
            if span is not None:
                groups.setdefault(span, []).append(SpeechWord(word.text, start, end))
        for span in sorted(groups):
            out += _split(speaker, groups[span], order)
    return _ordered(out)


@dataclass
class _Open:
    order: int
    speaker: tuple[tuple[str, Any], ...]
    words: list[SpeechWord]
    next: int = 0
    group: list[SpeechWord] | None = None
    group_span: int = -1
    group_number: int = -1


#: told of each word as it is kept (utterance number, speaker, word) and of each utterance as it settles
#: (utterance number, speaker, None): what the real-time channel streams as the words are spoken
LiveSpeech = Callable[[int, dict[str, Any], SpeechWord | None], None]


class SpeechTracker:
    """Decides, as the recording goes, which utterances are final.

    An utterance is settled when its span closed (pause, stop) or its last word ended; until then a
    later pause could still cut a word. `horizon` is the instant before which the speech track can no
    longer change: the encoder only writes media up to it (see encoder.py for why).
    """

    def __init__(
        self, script: MeetingScript, start_at: float, labels: SpeakerLabels, *, live: LiveSpeech | None = None
    ) -> None:
        self._live = live
        self._groups = 0
        items = []
        for order, utterance in enumerate(script.utterances):
            words = [
                SpeechWord(w.text, _rel(w.start, start_at), _rel(w.end, start_at)) for w in utterance.words
            ]
            if words:
                items.append(_Open(order, _speaker(script, utterance.participant_id, labels), words))
        items.sort(key=lambda o: (o.words[0].start, o.order))
        self._waiting = items
        self._next = 0
        self._active: list[_Open] = []

    def advance(self, now: float, timeline: RecordingTimeline) -> list[SpeechUtterance]:
        """Utterances that became final by `now` (recording time), in start order; each once."""
        while self._next < len(self._waiting) and (
            self._waiting[self._next].words[0].start <= now or timeline.stopped
        ):
            self._active.append(self._waiting[self._next])
            self._next += 1
        settled: list[SpeechUtterance] = []
        still: list[_Open] = []
        closed = len(timeline.closed_spans)
        for item in self._active:
            while item.next < len(item.words):
                word = item.words[item.next]
                fate, span = timeline.fate(word.start, word.end, now)
                if fate is WordFate.UNDECIDED:
                    break
                if fate is WordFate.KEPT:
                    if item.group and span != item.group_span:
                        settled += self._settle(item)
                    if item.group is None:
                        item.group, item.group_span = [], span
                        item.group_number, self._groups = self._groups, self._groups + 1
                    item.group.append(word)
                    if self._live is not None:
                        self._live(item.group_number, _participant_of(item.speaker), word)
                item.next += 1
            done = item.next == len(item.words)
            if item.group and (done or item.group_span < closed):
                settled += self._settle(item)
            if not done or item.group:
                still.append(item)
        self._active = still
        return _ordered(settled)

    def _settle(self, item: _Open) -> list[SpeechUtterance]:
        assert item.group is not None
        settled = _split(item.speaker, item.group, item.order)
        item.group = None
        if self._live is not None:
            self._live(item.group_number, _participant_of(item.speaker), None)
        return settled

    def next_decision(self) -> float | None:
        """The earliest end of a word whose fate is still open: when the next word can be kept."""
        ends = [item.words[item.next].end for item in self._active if item.next < len(item.words)]
        ends += [item.words[0].end for item in self._waiting[self._next :]]
        return min(ends, default=None)

    def horizon(self, now: float) -> float:
        """The speech track is final before this instant (call after `advance(now)`)."""
        horizon = now
        for item in self._active:
            if item.group:
                horizon = min(horizon, item.group[0].start)
            elif item.next < len(item.words):
                horizon = min(horizon, item.words[item.next].start)
        return horizon
