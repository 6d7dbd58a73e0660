"""Reading the speech track the recorder writes into its media (README: "The speech track").

MP4 carries one `mov_text` sample per utterance, its text a JSON object; MP3 carries the JSON array of
utterances in a leading ID3v2 `TXXX` frame described `recall-sim-speech`. The simulated transcription
provider reads the words from here: from the uploaded bytes, not from a side channel.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from recall_sim.simulator.processing.containers import ContainerReport, MediaRejected, read_id3_frames

__all__ = [
    "SPEECH_DESCRIPTION",
    "in_start_order",
    "read_speech",
    "read_speech_mp3",
    "read_speech_track",
    "speech_stream",
    "utterances_from_samples",
]

SPEECH_DESCRIPTION = "recall-sim-speech"


def _check_utterance(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("participant"), dict):
        raise MediaRejected("speech_track_invalid", "A speech utterance has no participant.")
    words = item.get("words")
    if not isinstance(words, list) or not all(
        isinstance(w, dict) and isinstance(w.get("text"), str) and isinstance(w.get("start"), int | float)
        for w in words
    ):
        raise MediaRejected("speech_track_invalid", "A speech utterance has malformed words.")
    return item


def speech_stream(container: Any) -> Any | None:
    """The MP4's speech track (its first `mov_text` stream), or None."""
    for stream in container.streams:
        if stream.type == "subtitle" and stream.codec_context.name == "mov_text":
            return stream
    return None


def utterances_from_samples(samples: Iterable[bytes]) -> list[dict[str, Any]]:
    """The utterances in the speech track's samples (tx3g: a 2-byte length, then the text), in
    sample order; the empty samples that fill the gaps between utterances are skipped."""
    utterances: list[dict[str, Any]] = []
    for payload in samples:
        if len(payload) < 2:
            continue
        (length,) = struct.unpack(">H", payload[:2])
        text = payload[2 : 2 + length]
        if not text:
            continue
        try:
            utterances.append(_check_utterance(json.loads(text)))
        except (ValueError, UnicodeDecodeError):
            raise MediaRejected("speech_track_invalid", "A speech sample is not JSON.") from None
    return utterances


def _from_mp4(path: Path) -> list[dict[str, Any]] | None:
    import av  # PyAV loads on first use: `recall-sim serve` answers its first request without it

    with av.open(str(path)) as container:
        stream = speech_stream(container)
        if stream is None:
            return None
        return utterances_from_samples(bytes(packet) for packet in container.demux(stream))


def _from_mp3(path: Path) -> list[dict[str, Any]] | None:
    for body in read_id3_frames(path).get("TXXX", []):
        if not body:
            continue
        encoding, rest = body[0], body[1:]
        codec = {0: "latin-1", 3: "utf-8"}.get(encoding)
        if codec is None:
            continue
        description, _, value = rest.partition(b"\0")
        if description.decode(codec, errors="replace") != SPEECH_DESCRIPTION:
            continue
        try:
            items = json.loads(value.rstrip(b"\0").decode(codec))
        except (ValueError, UnicodeDecodeError):
            raise MediaRejected("speech_track_invalid", "The speech tag is not JSON.") from None
        if not isinstance(items, list):
            raise MediaRejected("speech_track_invalid", "The speech tag is not a list of utterances.")
        return [_check_utterance(i) for i in items]
    return None


def in_start_order(utterances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(utterances, key=lambda u: u["words"][0]["start"] if u["words"] else 0.0)


def read_speech_track(path: Path, report: ContainerReport) -> list[dict[str, Any]] | None:
    """The utterances in start order, or None when the media carries no speech track at all (a track
    with no utterances is a recording in which nobody spoke)."""
    utterances = _from_mp4(path) if report.kind == "mp4" else _from_mp3(path)
    if utterances is None:
        return None
    return in_start_order(utterances)


def read_speech(path: Path, report: ContainerReport) -> list[dict[str, Any]]:
    return read_speech_track(path, report) or []


def read_speech_mp3(path: Path) -> list[dict[str, Any]]:
    """An MP3's utterances in start order ([] without a speech tag)."""
    return in_start_order(_from_mp3(path) or [])
