"""Decoding an upload's media with PyAV: what it holds, how long it is, whether it decodes.

These are plain blocking functions on file paths, with no access to the region's state: a served region
runs them on a worker thread, a scenario on its virtual-time loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from recall_sim.simulator.processing.containers import ContainerReport, MediaRejected, inspect_container
from recall_sim.simulator.processing.speech import (
    in_start_order,
    read_speech_mp3,
    speech_stream,
    utterances_from_samples,
)

__all__ = ["MediaReport", "analyse_media", "transcode_to_mp3"]

_FORMATS = {"mp4": ("mov", "mp4"), "mp3": ("mp3",)}


@dataclass(frozen=True)
class MediaReport:
    kind: str
    size: int
    duration: float
    streams: list[tuple[str, str]]
    has_video: bool
    has_audio: bool
    #: the speech track's utterances (see README: the speech track), [] if none
    utterances: list[dict[str, Any]] = field(default_factory=list)


def _stream_end(last_pts: int | None, duration: int | None, time_base: Fraction | None) -> float:
    if last_pts is None or time_base is None:
        return 0.0
    return float((last_pts + (duration or 0)) * time_base)


def analyse_media(path: Path) -> MediaReport:
    """Check the file's structure, then demux every packet and decode the audio and the video's
    keyframes, reading the MP4's speech track in the same pass. Raises MediaRejected with
    Recall-style sub_codes."""
    import av  # PyAV loads on first use: `recall-sim serve` answers its first request without it

    container_report: ContainerReport = inspect_container(path)
    try:
        container = av.open(str(path))
    except av.error.FFmpegError as exc:
        raise MediaRejected("media_corrupt", f"The media cannot be opened: {exc}") from None
    with container:
        if not any(name in container.format.name.split(",") for name in _FORMATS[container_report.kind]):
            raise MediaRejected("media_unsupported_format", f"Unexpected container {container.format.name}.")
        media_streams = [s for s in container.streams if s.type in ("audio", "video")]
        if not media_streams:
            raise MediaRejected("media_no_streams", "The media has no audio or video stream.")
        for stream in container.streams:
            if stream.type == "video":
                stream.codec_context.skip_frame = "NONKEY"
        speech = speech_stream(container) if container_report.kind == "mp4" else None
        speech_index = -1 if speech is None else speech.index
        samples: list[bytes] = []
        # Per stream, the first pts and the furthest pts + duration, in integer ticks of the stream's
        # time base (a demuxed packet carries its stream's): converting each packet's times to seconds
        # (Fraction arithmetic) cost more than decoding it. Rounding a rational to float is monotone,
        # so the extremes in seconds are the same floats.
        ticks: dict[int, list[int]] = {}
        errors = 0
        try:
            for packet in container.demux(*media_streams, *([speech] if speech is not None else [])):
                index = packet.stream_index
                if index == speech_index:
                    samples.append(bytes(packet))
                    continue
                pts = packet.pts
                if packet.size == 0 or pts is None:
                    continue
                end = pts + (packet.duration or 0)
                span = ticks.get(index)
                if span is None:
                    ticks[index] = [pts, end]
                else:
                    if pts < span[0]:
                        span[0] = pts
                    if end > span[1]:
                        span[1] = end
                try:
                    packet.decode()
                except av.error.FFmpegError:
                    errors += 1
        except av.error.FFmpegError as exc:
            raise MediaRejected("media_corrupt", f"The media cannot be demuxed: {exc}") from None
        if errors:
            raise MediaRejected("media_corrupt", f"{errors} packet(s) of the media do not decode.")
        time_bases = {s.index: s.time_base for s in media_streams}
        starts: dict[int, float] = {}
        ends: dict[int, float] = {}
        for index, (first, last) in ticks.items():
            time_base = time_bases[index]
            begin = 0.0 if time_base is None else float(first * time_base)
            starts[index] = begin
            ends[index] = max(0.0, _stream_end(last, 0, time_base))
        if not ends:
            raise MediaRejected("media_empty", "The media holds no audio or video data.")
        start = min(starts.values())
        duration = max(ends.values()) - start
        streams = [(str(s.type), str(s.codec_context.name)) for s in container.streams]
    if container_report.kind == "mp4":
        utterances = in_start_order(utterances_from_samples(samples))
    else:
        utterances = read_speech_mp3(path)
    return MediaReport(
        kind=container_report.kind,
        size=container_report.size,
        duration=round(duration, 6),
        streams=streams,
        has_video=any(t == "video" for t, _ in streams),
        has_audio=any(t == "audio" for t, _ in streams),
        utterances=utterances,
    )


def transcode_to_mp3(source: Path, target: Path, bitrate: int = 64000) -> None:
    """The recording's audio as MP3, for `audio_mixed_mp3` on a video recording."""
    import av

    with av.open(str(source)) as src:
        if not src.streams.audio:
            raise MediaRejected("media_no_audio", "The media has no audio to make an MP3 from.")
        audio = src.streams.audio[0]
        rate = audio.codec_context.sample_rate or 44100
        with av.open(str(target), "w", format="mp3") as out:
            encoder = out.add_stream("libmp3lame", rate=rate)
            encoder.bit_rate = bitrate
            encoder.layout = "mono" if audio.codec_context.layout.nb_channels == 1 else "stereo"
            resampler = av.AudioResampler(format="s16p", layout=encoder.layout, rate=rate)
            for frame in src.decode(audio):
                for converted in resampler.resample(frame):
                    for packet in encoder.encode(converted):
                        out.mux(packet)
            for converted in resampler.resample(None):
                for packet in encoder.encode(converted):
                    out.mux(packet)
            for packet in encoder.encode(None):
                out.mux(packet)
