"""Recognising speech in media that carries no speech track: a partner's own recordings.

Recall transcribes whatever audio it is given, so a recording the recorder did not make (no speech
track, README "The speech track") is heard for real: its audio is decoded with PyAV, resampled to
16 kHz, cut into stretches of speech by PocketSphinx's voice activity detector and recognised with the
US English acoustic model, dictionary and language model that ship inside the `pocketsphinx` package.
Nothing is fetched at run time.

- Words carry the times the recogniser aligned them to (10 ms frames), in seconds from the media's start.
- Speakers: a stereo (or wider) recording whose channels differ is recognised channel by channel, each
  channel one voice (`Channel 1`, `Channel 2`, ...; the first is taken as the host's microphone, as a
  desktop recording puts it). Mono audio, or channels carrying the same signal, is one voice: nothing in
  the audio tells speakers apart.
- Deterministic: the same bytes always give the same words and times (the decoder keeps no state
  between recordings and draws no random numbers).

`recognise` is blocking and CPU-bound; the transcript job runs it through `Context.offload` (a worker
thread in a served region, in place on virtual time).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from recall_sim.simulator.transcription.diarization import HeardWord, Participant, participant

__all__ = ["SAMPLE_RATE", "decode_channels", "recognise", "recognise_samples"]

#: the en-us acoustic model's sampling rate
SAMPLE_RATE = 16_000
#: the decoder's frame rate: word times are multiples of 10 ms
_FRAMES_PER_SECOND = 100
#: channels whose difference stays under this fraction of the loudest sample carry the same signal
_SAME_SIGNAL = 0.01
#: filler and markers the recogniser emits between words: silence, breath, noise, sentence edges
_FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+)$")
#: an alternative pronunciation's suffix: `the(2)` is the word `the`
_VARIANT = re.compile(r"\(\d+\)$")

Pcm = npt.NDArray[np.int16]

_decoder: Any = None
# One decoder, loaded once (its language model is ~30 MB): the recogniser is CPU-bound, so two
# transcripts recognised at once would not finish sooner than one after the other.
_decoder_lock = threading.Lock()


def _get_decoder() -> Any:
    global _decoder
    if _decoder is None:
        # Imported when first needed: a region that never recognises does not load it at start-up.
        from pocketsphinx import Decoder

        _decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    return _decoder


def decode_channels(path: Path) -> list[Pcm]:
    """The first audio stream as 16-bit PCM at 16 kHz, one array per channel (at most two)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        channels = min(2, max(1, stream.codec_context.layout.nb_channels))
        layout = "stereo" if channels == 2 else "mono"
        resampler = av.AudioResampler(format="s16", layout=layout, rate=SAMPLE_RATE)
        chunks: list[npt.NDArray[np.int16]] = []
        for frame in container.decode(stream):
            for converted in resampler.resample(frame):
                chunks.append(np.asarray(converted.to_ndarray(), dtype=np.int16).reshape(-1))
        for converted in resampler.resample(None):
            chunks.append(np.asarray(converted.to_ndarray(), dtype=np.int16).reshape(-1))
    interleaved = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return [np.ascontiguousarray(interleaved[c::channels]) for c in range(channels)]


def _same_signal(channels: list[Pcm]) -> bool:
    first = channels[0].astype(np.int32)
    peak = max(1, int(np.abs(first).max(initial=0)))
    return all(
        int(np.abs(c.astype(np.int32) - first).max(initial=0)) <= _SAME_SIGNAL * peak for c in channels
    )


def _segments(pcm: Pcm) -> Iterator[tuple[float, bytes]]:
    from pocketsphinx import Segmenter

    segmenter = Segmenter(sample_rate=SAMPLE_RATE)
    for segment in segmenter.segment(io.BytesIO(pcm.tobytes())):
        yield float(segment.start_time), bytes(segment.pcm)


def _words(decoder: Any, offset: float, pcm: bytes) -> Iterator[tuple[str, float, float]]:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    for seg in decoder.seg():
        word = _VARIANT.sub("", seg.word)
        if not word or _FILLER.match(word):
            continue
        start = round(offset + seg.start_frame / _FRAMES_PER_SECOND, 2)
        end = round(offset + (seg.end_frame + 1) / _FRAMES_PER_SECOND, 2)
        yield word, start, end


def _voice(channel: int, channels: int) -> Participant:
    if channels == 1:
        return participant(1, None)
    return participant(channel + 1, f"Channel {channel + 1}", is_host=channel == 0)


def recognise_samples(channels: list[Pcm]) -> list[HeardWord]:
    """The words spoken in 16 kHz PCM, one array per channel, in time order."""
    if len(channels) > 1 and _same_signal(channels):
        channels = channels[:1]
    heard: list[HeardWord] = []
    utterance = 0
    with _decoder_lock:
        decoder = _get_decoder()
        for number, pcm in enumerate(channels):
            voice = _voice(number, len(channels))
            for offset, segment in _segments(pcm):
                words = [
                    HeardWord(text, start, end, voice, utterance)
                    for text, start, end in _words(decoder, offset, segment)
                ]
                if words:
                    heard += words
                    utterance += 1
    return sorted(heard, key=lambda w: (w.start, w.utterance))


def recognise(path: Path) -> list[HeardWord]:
    """The words spoken in the media's audio. Raises av.error.FFmpegError on undecodable media."""
    return recognise_samples(decode_channels(path))


def heard_json(words: list[HeardWord]) -> list[dict[str, Any]]:
    """The recognised words as kept between the recognition and the transcript (JSON-ready)."""
    return [
        {"text": w.text, "start": w.start, "end": w.end, "voice": w.voice, "utterance": w.utterance}
        for w in words
    ]


def heard_from_json(items: list[dict[str, Any]]) -> list[HeardWord]:
    return [
        HeardWord(str(i["text"]), float(i["start"]), float(i["end"]), dict(i["voice"]), int(i["utterance"]))
        for i in items
    ]
