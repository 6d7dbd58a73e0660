"""Real media to upload to a region in tests, made with PyAV: fragmented or plain MP4 (H.264 + AAC, with
an optional speech track) and MP3 (with an optional leading ID3 speech tag), following the README's
formats, and a participant_events part. Written independently of the recorder's encoder so the region's
reader is checked against two writers; the project's tests and its reliability suite both upload these."""

from __future__ import annotations

import io
import json
import struct
from fractions import Fraction
from typing import Any

import av
import numpy as np

ASS_HEADER = b"[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Text\n"


def utterance(
    pid: int, name: str, words: list[tuple[str, float, float]], is_host: bool = False
) -> dict[str, Any]:
    return {
        "participant": {
            "id": pid,
            "name": name,
            "is_host": is_host,
            "platform": "desktop",
            "extra_data": {},
            "email": None,
        },
        "words": [{"text": t, "start": s, "end": e} for t, s, e in words],
    }


def _tone(n: int, start: int, rate: int, freq: float) -> Any:
    t = (np.arange(n) + start) / rate
    return (0.2 * np.sin(2 * np.pi * freq * t)).astype(np.float32).reshape(1, -1)


def make_mp4(
    seconds: float = 3.0,
    *,
    fragmented: bool = True,
    speech: list[dict[str, Any]] | None = None,
    fps: int = 5,
    audio: bool = True,
) -> bytes:
    buf = io.BytesIO()
    options = {"movflags": "frag_keyframe+empty_moov+default_base_moof"} if fragmented else {}
    out = av.open(buf, "w", format="mp4", container_options=options)
    video = out.add_stream("libx264", rate=fps)
    video.width, video.height, video.pix_fmt = 64, 36, "yuv420p"
    video.options = {"preset": "ultrafast", "g": str(fps), "threads": "1"}
    sound = out.add_stream("aac", rate=8000) if audio else None
    if sound is not None:
        sound.layout = "mono"
    subtitles: Any = None
    if speech is not None:
        subtitles = out.add_stream("mov_text")
        subtitles.codec_context.subtitle_header = ASS_HEADER
        subtitles.time_base = Fraction(1, 1000)
    for i in range(int(seconds * fps)):
        image = np.zeros((36, 64, 3), dtype=np.uint8)
        image[:, :, 2] = (i * 13) % 256
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, fps)
        for packet in video.encode(frame):
            out.mux(packet)
    block, samples = 800, int(seconds * 8000) if sound is not None else 0
    for start in range(0, samples, block):
        chunk = av.AudioFrame.from_ndarray(
            _tone(min(block, samples - start), start, 8000, 440.0), format="fltp", layout="mono"
        )
        chunk.sample_rate, chunk.pts = 8000, start
        for packet in sound.encode(chunk):  # type: ignore[union-attr]
            out.mux(packet)
    for u in speech or []:
        payload = json.dumps(u).encode()
        packet = av.Packet(struct.pack(">H", len(payload)) + payload)
        packet.stream = subtitles
        first, last = u["words"][0]["start"], u["words"][-1]["end"]
        packet.pts = packet.dts = int(first * 1000)
        packet.duration = max(1, int((last - first) * 1000))
        packet.time_base = Fraction(1, 1000)
        out.mux(packet)
    for packet in video.encode(None):
        out.mux(packet)
    for packet in sound.encode(None) if sound is not None else []:
        out.mux(packet)
    out.close()
    return buf.getvalue()


def _syncsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def id3_speech_tag(speech: list[dict[str, Any]]) -> bytes:
    body = b"\x03recall-sim-speech\x00" + json.dumps(speech).encode()
    frame = b"TXXX" + _syncsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame


def make_mp3(seconds: float = 3.0, *, speech: list[dict[str, Any]] | None = None) -> bytes:
    buf = io.BytesIO()
    out = av.open(buf, "w", format="mp3", container_options={"write_xing": "0", "id3v2_version": "0"})
    audio = out.add_stream("libmp3lame", rate=16000)
    audio.layout = "mono"
    block, samples = 1152, int(seconds * 16000)
    for start in range(0, samples, block):
        frame = av.AudioFrame.from_ndarray(
            _tone(min(block, samples - start), start, 16000, 330.0), format="fltp", layout="mono"
        )
        frame.sample_rate, frame.pts = 16000, start
        for packet in audio.encode(frame):
            out.mux(packet)
    for packet in audio.encode(None):
        out.mux(packet)
    out.close()
    data = buf.getvalue()
    return (id3_speech_tag(speech) if speech is not None else b"") + data


def media_duration(data: bytes) -> float:
    """From the first audio/video packet's start to the last one's end, as the region measures it."""
    with av.open(io.BytesIO(data), "r") as container:
        start, end = float("inf"), 0.0
        for packet in container.demux():
            if packet.pts is not None and packet.stream.type in ("audio", "video") and packet.size:
                begin = float(packet.pts * packet.time_base)
                start = min(start, begin)
                end = max(end, begin + float((packet.duration or 0) * packet.time_base))
        return end - start


def stream_layout(data: bytes) -> list[tuple[str, str]]:
    with av.open(io.BytesIO(data)) as container:
        return [(str(s.type), str(s.codec_context.name)) for s in container.streams]


def decoded_audio_seconds(data: bytes) -> float:
    """Seconds of audio a decoder outputs (encoder delay and padding trimmed, as players do)."""
    with av.open(io.BytesIO(data), "r") as container:
        stream = container.streams.audio[0]
        samples: int = sum(frame.samples for frame in container.decode(stream))
        return samples / (stream.codec_context.sample_rate or 1)


def events_part(duration: float) -> bytes:
    """A participant_events part (the ingest protocol's JSON): Alice and Bob join, each speaks, Bob
    leaves at `duration` seconds."""
    alice = {
        "id": 100,
        "name": "Alice",
        "is_host": True,
        "platform": "desktop",
        "extra_data": {},
        "email": None,
    }
    bob = {"id": 200, "name": "Bob", "is_host": False, "platform": "desktop", "extra_data": {}, "email": None}
    events = [
        {
            "id": "e1",
            "action": "join",
            "participant": alice,
            "timestamp": {"absolute": None, "relative": 0.0},
            "data": None,
        },
        {
            "id": "e2",
            "action": "join",
            "participant": bob,
            "timestamp": {"absolute": None, "relative": 0.5},
            "data": None,
        },
        {
            "id": "e3",
            "action": "speech_on",
            "participant": alice,
            "timestamp": {"absolute": None, "relative": 1.0},
            "data": None,
        },
        {
            "id": "e4",
            "action": "speech_off",
            "participant": alice,
            "timestamp": {"absolute": None, "relative": 1.8},
            "data": None,
        },
        {
            "id": "e5",
            "action": "speech_on",
            "participant": bob,
            "timestamp": {"absolute": None, "relative": 2.0},
            "data": None,
        },
        {
            "id": "e6",
            "action": "leave",
            "participant": bob,
            "timestamp": {"absolute": None, "relative": duration},
            "data": None,
        },
    ]
    return json.dumps(events).encode()
