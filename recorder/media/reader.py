"""Reading the speech track back out of recorded media (MP4 mov_text samples or the MP3's ID3 tag).

The recorder's own tests use this; the simulator has its own, independent reader of the same format.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import av

from recall_sim.recorder.media.id3 import build_txxx_tag, read_txxx_frames, tag_size
from recall_sim.recorder.media.speech import SpeechUtterance, decode_tx3g

__all__ = [
    "SPEECH_DESCRIPTION",
    "SpeechSample",
    "id3_speech_header",
    "read_mp3_speech",
    "read_mp4_speech_samples",
    "read_speech",
]

#: the `TXXX` description that marks recall-sim's speech array in an MP3
SPEECH_DESCRIPTION = "recall-sim-speech"


@dataclass(frozen=True)
class SpeechSample:
    """One mov_text sample carrying an utterance: where the container places it, and its JSON."""

    start: float
    end: float
    utterance: dict[str, Any]


def id3_speech_header(utterances: Sequence[SpeechUtterance]) -> bytes:
    """The leading ID3v2.4 tag of an MP3 recording: the JSON array of every utterance."""
    value = json.dumps([u.to_json() for u in utterances], separators=(",", ":"), ensure_ascii=False)
    return build_txxx_tag({SPEECH_DESCRIPTION: value})


def read_mp3_speech(data: bytes) -> list[dict[str, Any]]:
    """The utterances of an MP3 recording (empty if it has no speech tag, e.g. a crashed prefix)."""
    if tag_size(data) == 0:
        return []
    value = read_txxx_frames(data).get(SPEECH_DESCRIPTION)
    return [] if value is None else list(json.loads(value))


def read_mp4_speech_samples(data: bytes) -> list[SpeechSample]:
    """The non-empty mov_text samples of an MP4 recording, in track order."""
    samples: list[SpeechSample] = []
    container: Any
    with av.open(io.BytesIO(data)) as container:
        streams = [
            s for s in container.streams if s.type == "subtitle" and s.codec_context.name == "mov_text"
        ]
        if not streams:
            return samples
        for packet in container.demux(streams[0]):
            if packet.pts is None:
                continue
            text = decode_tx3g(bytes(packet))
            if not text:  # the muxer's gap and end samples
                continue
            start = float(packet.pts * packet.time_base)
            end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
            samples.append(SpeechSample(start=start, end=end, utterance=json.loads(text)))
    return samples


def read_speech(data: bytes) -> list[dict[str, Any]]:
    """The utterances of a recording, MP4 or MP3, in the order they were written."""
    if data[4:8] == b"ftyp":
        return [s.utterance for s in read_mp4_speech_samples(data)]
    return read_mp3_speech(data)
