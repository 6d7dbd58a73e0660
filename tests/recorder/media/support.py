"""Scripts, encoding and decoding helpers for the media tests (all on the `tiny` profile)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from recall_sim.recorder.media import TINY, CaptureSummary, MediaKind, MeetingEncoder, Segment
from recall_sim.recorder.meeting import ChatMessage, MeetingScript, Participant, Span, Utterance, Word

SR = TINY.sample_rate
FPS = TINY.fps

_WORDS = [
    "hello",
    "there",
    "this",
    "is",
    "the",
    "weekly",
    "sync",
    "about",
    "numbers",
    "and",
    "voices",
    "we",
    "should",
    "ship",
    "it",
]


def utterance(pid: int, start: float, count: int, word: float = 0.3, gap: float = 0.1) -> Utterance:
    words, t = [], start
    for k in range(count):
        words.append(Word(_WORDS[(pid // 100 + k) % len(_WORDS)], round(t, 3), round(t + word, 3)))
        t += word + gap
    return Utterance(pid, tuple(words))


def meeting(duration: float = 40.0, platform: Any = "zoom") -> MeetingScript:
    """Three people taking turns (one joins late, one leaves early), webcams, a share, a chat."""
    participants = (
        Participant(100, "Ada", is_host=True, is_local=True, email="ada@example.com"),
        Participant(200, "Bob", join_at=3.0),
        Participant(300, "Cy", platform="dial-in", leave_at=30.0),
    )
    utterances = []
    t, turn = 1.0, 0
    while t < duration - 3:
        pid = (100, 200, 300)[turn % 3]
        if (pid == 200 and t < 3.0) or (pid == 300 and t > 27.0):
            pid = 100
        utterances.append(utterance(pid, t, 4))
        t += 4 * 0.4 + 0.5
        turn += 1
    return MeetingScript(
        platform=platform,
        duration=duration,
        title="Weekly sync",
        url="https://zoom.us/j/123",
        participants=participants,
        utterances=tuple(utterances),
        webcam=(Span(100, 0.0, 20.0), Span(200, 5.0, duration)),
        screenshare=(Span(300, 12.0, 18.0),),
        chat=(ChatMessage(200, 8.0, "hi all"),),
        zoom_meeting_uuid="uuid==",
    )


@dataclass
class Recording:
    summary: CaptureSummary
    segments: list[Segment] = field(default_factory=list)

    @property
    def data(self) -> bytes:
        return b"".join(self.segments[i].data for i in self.summary.concatenation)


def record(
    script: MeetingScript,
    stop: float,
    *,
    kind: MediaKind | None = None,
    start_at: float = 0.0,
    pauses: Sequence[tuple[float, float]] = (),
    step: float = 1.0,
    desktop_audio: bool = False,
) -> Recording:
    """Record from `start_at` (meeting time) to `stop` (recording time), pausing over `pauses`."""
    segments: list[Segment] = []
    encoder = MeetingEncoder(
        script, TINY, kind=kind, on_segment=segments.append, start_at=start_at, desktop_audio=desktop_audio
    )
    t = 0.0
    for p, r in pauses:
        while t + step < p:
            t += step
            encoder.advance_to(t)
        encoder.pause(p)
        encoder.resume(r)
        t = r
    while t + step < stop:
        t += step
        encoder.advance_to(t)
    return Recording(encoder.close(stop), segments)


def streams(data: bytes) -> list[tuple[str, str]]:
    with av.open(io.BytesIO(data)) as container:
        return [(s.type, s.codec_context.name) for s in container.streams]


def decode_audio(data: bytes) -> tuple[npt.NDArray[np.float32], float]:
    """All decoded samples (mono) and the time of the first one."""
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return np.concatenate([f.to_ndarray()[0] for f in frames]), float(frames[0].time)


def decode_video(data: bytes) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    with av.open(io.BytesIO(data)) as container:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def stream_durations(data: bytes) -> dict[str, float]:
    with av.open(io.BytesIO(data)) as container:
        return {s.type: float(s.duration * s.time_base) for s in container.streams if s.duration}


def expected_words(
    script: MeetingScript, start_at: float, spans: Sequence[tuple[float, float]]
) -> list[tuple[int, str, float, float]]:
    """(participant, text, start, end) of every word lying whole inside one recorded span, by start."""
    out = []
    for u in script.utterances:
        for w in u.words:
            s, e = w.start - start_at, w.end - start_at
            if any(a <= s and e <= b for a, b in spans):
                out.append((u.participant_id, w.text, s, e))
    return sorted(out, key=lambda x: x[2])


def words_of(utterances: Sequence[dict[str, Any]]) -> list[tuple[int, str, float, float]]:
    out = [(u["participant"]["id"], w["text"], w["start"], w["end"]) for u in utterances for w in u["words"]]
    return sorted(out, key=lambda x: x[2])


def rms(x: npt.NDArray[np.float32]) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0


def dominant_frequency(x: npt.NDArray[np.float32], sample_rate: int = SR) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    spectrum[:5] = 0  # ignore DC
    return float(np.argmax(spectrum) * sample_rate / len(x))
