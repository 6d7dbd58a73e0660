"""Audio encoding shared by the MP4 (AAC) and MP3 (libmp3lame) writers.

Both codecs start their output with priming samples (AAC: 1024, LAME: 1105) and neither container
here signals them: a fragmented MP4 written with `empty_moov` has no edit list, and the MP3 has no
Xing/LAME header. A decoder therefore plays the priming first. The writers compensate by feeding the
encoder from sample `delay` of the recording, stamped with that position, so decoded sample n is the
recording's sample n and the speech track's times line up with what is heard; the first `delay`
samples (0.128 s / 0.138 s at 8 kHz, 21 ms / 23 ms at 48 kHz) are the codec's priming, near silence.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import av
import numpy as np
import numpy.typing as npt

__all__ = ["audio_frame", "configure_audio", "encoder_delay"]


def configure_audio(
    context: Any, sample_rate: int, bit_rate: int, options: tuple[tuple[str, str], ...]
) -> None:
    """Mono float-planar audio at `sample_rate` / `bit_rate` with the profile's codec options."""
    context.sample_rate = sample_rate
    context.layout = "mono"
    context.format = "fltp"
    context.bit_rate = bit_rate
    context.time_base = Fraction(1, sample_rate)
    context.options = dict(options)


@functools.cache
def encoder_delay(codec: str, sample_rate: int, bit_rate: int, options: tuple[tuple[str, str], ...]) -> int:
    """How many priming samples `codec` puts before the input (measured, not assumed).

    Encodes silence in a throwaway context until the first packet appears: that packet is stamped
    `-delay` relative to the first input sample.
    """
    context: Any = av.CodecContext.create(codec, "w")
    configure_audio(context, sample_rate, bit_rate, options)
    context.open()
    size = context.frame_size
    silence = np.zeros(size, dtype=np.float32)
    for index in range(64):
        for packet in context.encode(audio_frame(silence, sample_rate, index * size)):
            return -int(packet.pts)
    raise RuntimeError(f"{codec} produced no packet from 64 frames")  # pragma: no cover


def audio_frame(samples: npt.NDArray[np.float32], sample_rate: int, pts: int) -> Any:
    """A mono fltp frame stamped `pts` (in samples)."""
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="fltp", layout="mono")
    frame.sample_rate = sample_rate
    frame.pts = pts
    frame.time_base = Fraction(1, sample_rate)
    return frame
