"""Spoken English made on the spot by espeak-ng (nothing shipped): MP3 files of sentences spoken at given
times, on one channel or each on a channel of its own. The recognition benchmark measures its word error
rate on the very file the upload test makes from here, and the tests check the words recognised in it."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from recall_sim.recorder.media.voices import speak

RATE = 16_000
_PUNCTUATION = re.compile(r"[^\w' ]+")

#: what the recognition tests have said, and when (seconds)
SENTENCES = (
    (0.5, "the release is on track and the new dashboard ships on friday"),
    (5.5, "please send the report to the whole team before the meeting"),
)


def _said(sentences: tuple[tuple[float, str], ...], voice: str, seconds: float) -> npt.NDArray[np.float32]:
    out = np.zeros(round(seconds * RATE), dtype=np.float32)
    for at, text in sentences:
        samples = 0.6 * speak(text, voice, 50, 160, RATE)
        begin = round(at * RATE)
        out[begin : begin + len(samples)] += samples[: len(out) - begin]
    return out


def spoken_mp3(
    path: Path,
    sentences: tuple[tuple[float, str], ...] = SENTENCES,
    *,
    second_channel: tuple[tuple[float, str], ...] | None = None,
    seconds: float = 10.0,
    voice: str = "en-us+klatt2",
    stereo: bool = False,
) -> Path:
    """`sentences` spoken into an MP3 at `path`; with `second_channel`, a stereo file whose right
    channel says those instead (in another voice); with `stereo` alone, both channels say the same."""
    channels = [_said(sentences, voice, seconds)]
    if second_channel is not None:
        channels.append(_said(second_channel, "en-us+klatt4", seconds))
    elif stereo:
        channels.append(channels[0].copy())
    layout = "stereo" if len(channels) == 2 else "mono"
    planar = np.stack(channels).astype(np.float32)
    with av.open(str(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=RATE)
        stream.layout = layout
        stream.bit_rate = 64_000
        size = 1152
        for n, first in enumerate(range(0, planar.shape[1], size)):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(planar[:, first : first + size]), format="fltp", layout=layout
            )
            frame.sample_rate = RATE
            frame.pts = n * size
            frame.time_base = Fraction(1, RATE)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def script_words(sentences: tuple[tuple[float, str], ...] = SENTENCES) -> str:
    return " ".join(text for _, text in sentences)


def normalised(text: str) -> str:
    """`text` lower-cased, without punctuation, single-spaced: how words are compared with a script."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())
