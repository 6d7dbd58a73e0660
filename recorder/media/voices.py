"""Audible meetings: the script's utterances spoken by a real speech synthesiser (espeak-ng).

By default the recorder's audio is a placeholder (synth.py: a tone per word, cheap and deterministic).
With voices on, each utterance is spoken by espeak-ng instead, so the recorded media carries words a
person, or a partner's own speech tools, can understand. Each participant gets a voice of their own (a
different espeak-ng variant and pitch, by their place in the script's participant list).

Timing: an utterance is spoken from its first word's start, at the rate (words per minute) that fits its
words into its scripted span; espeak-ng's own pacing means the sound drifts from the speech track's word
times by a fraction of a second. The speech track is written from the script as before, so transcripts
made from it stay exact; the voiced sound is for ears and real recognisers.

Deterministic: espeak-ng renders the same text with the same settings to the same samples, and the
resampling to the profile's rate is FFmpeg's, so equal scripts give equal media. `VoicedAudio.render`
has `AudioSynth.render`'s contract: a pure function of the sample range and the blank (paused) spans.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt

from recall_sim.recorder.meeting import MeetingScript

__all__ = [
    "SYNTHESISER",
    "SYNTHESISER_PACKAGE",
    "SynthesiserMissing",
    "VoicedAudio",
    "require_synthesiser",
    "speak",
    "voice_of",
]

SYNTHESISER = "espeak-ng"
#: the Debian package that installs it
SYNTHESISER_PACKAGE = "espeak-ng"

#: (espeak-ng voice, pitch 0-99) per participant, in the script's participant order. The Klatt
#: variants of the US English voice were the best understood by the recogniser in a trial of espeak-ng's
#: variants (benchmarks/speech_recognition.py measures the result); the pitch keeps them apart.
VOICES: tuple[tuple[str, int], ...] = (
    ("en-us+klatt2", 50),
    ("en-us+klatt4", 35),
    ("en-us+klatt", 65),
    ("en-us+m1", 45),
    ("en-us+klatt3", 55),
    ("en-us+klatt5", 40),
    ("en-us+klatt6", 60),
)
#: the speaking rates used, words per minute: slower or faster is understood less well
_SLOWEST, _FASTEST = 140, 230
#: one voice's peak; a few overlapping voices stay inside [-1, 1]
_GAIN = 0.5

Audio = npt.NDArray[np.float32]


class SynthesiserMissing(RuntimeError):
    """espeak-ng is not installed."""

    def __init__(self) -> None:
        super().__init__(
            f"voiced recordings need the {SYNTHESISER} speech synthesiser: "
            f"apt-get install {SYNTHESISER_PACKAGE}"
        )


def _program() -> str:
    path = shutil.which(SYNTHESISER)
    if path is None:
        raise SynthesiserMissing()
    return path


def require_synthesiser() -> str:
    """The synthesiser's path. Raises SynthesiserMissing, which names the package to install."""
    return _program()


def voice_of(script: MeetingScript, participant_id: int) -> tuple[str, int]:
    """The (voice, pitch) a participant speaks with: by their place among the script's participants."""
    ids = [p.id for p in script.participants]
    index = ids.index(participant_id) if participant_id in ids else len(ids)
    return VOICES[index % len(VOICES)]


def _resample(samples: npt.NDArray[np.int16], source_rate: int, rate: int) -> Audio:
    if samples.size == 0:
        return np.zeros(0, dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = source_rate
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, dtype=np.float32)


@functools.lru_cache(maxsize=256)
def speak(text: str, voice: str, pitch: int, words_per_minute: int, rate: int) -> Audio:
    """`text` spoken by espeak-ng, mono float samples in [-1, 1] at `rate` Hz. Raises SynthesiserMissing."""
    done = subprocess.run(
        [_program(), "-v", voice, "-p", str(pitch), "-s", str(words_per_minute), "--stdout", text],
        capture_output=True,
        check=True,
    )
    with wave.open(io.BytesIO(done.stdout)) as wav:
        source_rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    samples = np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2").astype(np.int16)
    return _resample(samples, source_rate, rate)


@dataclass(frozen=True)
class _Spoken:
    start: float
    end: float
    text: str
    voice: str
    pitch: int
    words_per_minute: int


class VoicedAudio:
    """The meeting's mixed audio with every utterance spoken aloud (AudioSynth's interface)."""

    def __init__(self, script: MeetingScript, sample_rate: int, start_at: float) -> None:
        _program()  # fail at the start of a recording, not in the middle of one
        self.sample_rate = sample_rate
        spoken: list[_Spoken] = []
        for utterance in script.utterances:
            if not utterance.words:
                continue
            start = utterance.words[0].start - start_at
            span = max(0.1, utterance.words[-1].end - utterance.words[0].start)
            fitted = round(len(utterance.words) * 60 / span)
            voice, pitch = voice_of(script, utterance.participant_id)
            text = " ".join(w.text for w in utterance.words)
            wpm = min(_FASTEST, max(_SLOWEST, fitted))
            # How long espeak-ng takes is only known once it has spoken: bound it generously here (three
            # times the slowest pace), so an utterance is rendered only near the samples asked for.
            bound = start + 3 * len(utterance.words) * 60 / _SLOWEST
            spoken.append(_Spoken(start, bound, text, voice, pitch, wpm))
        spoken.sort(key=lambda s: s.start)
        self._spoken = spoken

    def _samples(self, item: _Spoken) -> Audio:
        return speak(item.text, item.voice, item.pitch, item.words_per_minute, self.sample_rate)

    def render(self, first: int, count: int, blank: Sequence[tuple[float, float]] = ()) -> Audio:
        """Samples [first, first + count) of the recording, silent inside `blank` intervals."""
        sr = self.sample_rate
        out = np.zeros(count, dtype=np.float64)
        t0, t1 = first / sr, (first + count) / sr
        for item in self._spoken:
            if item.start >= t1:
                break
            if item.end <= t0:
                continue
            begin = round(item.start * sr)
            samples = self._samples(item)
            lo, hi = max(first, begin), min(first + count, begin + len(samples))
            if hi > lo:
                out[lo - first : hi - first] += _GAIN * samples[lo - begin : hi - begin]
        if blank:
            times = np.arange(first, first + count, dtype=np.float64) / sr
            for a, b in blank:
                out[(times >= a) & (times < b)] = 0.0
        np.clip(out, -1.0, 1.0, out=out)
        return out.astype(np.float32)
