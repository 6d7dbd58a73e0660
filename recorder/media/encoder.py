"""Capture and encoding as simulated time passes: the Desktop SDK's recorder for one window.

`MeetingEncoder` plays the part of the SDK between `startRecording` and the end of the upload: it
synthesises what the window and the audio devices would deliver, encodes it for real (libx264 + AAC +
mov_text in fragmented MP4, or libmp3lame MP3) and hands the bytes out in segments as they complete,
the way the SDK streams parts to the cloud in `current` upload mode. Times passed to it are seconds
from the recording's start; the script's own times are converted with `start_at`, the meeting-time
instant the recording started.

Rules it mirrors:
- `pauseRecording` keeps the timeline running: paused spans are black frames and silence;
- a window that cannot be captured keeps its last picture while audio continues;
- Slack huddles and desktop-audio recordings are audio only (MP3), as are audio-only uploads.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import av
from av.video.reformatter import VideoReformatter

from recall_sim.recorder.media.mp3 import Mp3Writer
from recall_sim.recorder.media.mp4 import Mp4Writer
from recall_sim.recorder.media.profiles import TINY, MediaProfile
from recall_sim.recorder.media.reader import id3_speech_header
from recall_sim.recorder.media.segments import Segment, SegmentInfo, SegmentRole, SegmentSink
from recall_sim.recorder.media.speech import SpeechTracker, SpeechUtterance, speaker_labels_for
from recall_sim.recorder.media.synth import AudioSynth, Scene, VideoSynth
from recall_sim.recorder.media.timeline import RecordedSpans, RecordingTimeline
from recall_sim.recorder.media.voices import VoicedAudio
from recall_sim.recorder.meeting import MeetingScript

__all__ = ["CaptureSummary", "MediaKind", "MeetingEncoder", "concatenated_sha256", "media_kind_for"]

MediaKind = Literal["mp4", "mp3"]

_FRAME_CACHE = 64


def media_kind_for(
    script: MeetingScript, *, desktop_audio: bool = False, audio_only: bool = False
) -> MediaKind:
    """The container the SDK records: MP3 for audio-only uploads, desktop audio and Slack huddles."""
    return "mp3" if desktop_audio or audio_only or script.audio_only else "mp4"


def concatenated_sha256(chunks: Iterable[bytes]) -> str:
    """The checksum of the final file from its parts in concatenation order (for finalize)."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class CaptureSummary:
    """What `close()` reports: enough for the uploader to finalize and for tests to check."""

    kind: MediaKind
    #: seconds of media: the recording from start to stop, paused spans included
    duration: float
    #: every segment in the order handed to `on_segment` (= upload order)
    segments: tuple[SegmentInfo, ...]
    #: segment indexes in the order of the final concatenation (MP3: the speech header first)
    concatenation: tuple[int, ...]
    #: sha256 of the final concatenated file (MP4); None for MP3, whose header is known last
    sha256: str | None
    size: int
    #: the speech track as written, in start order
    utterances: tuple[SpeechUtterance, ...]
    #: the captured (unpaused) spans, for participant events
    recorded: RecordedSpans

    def speech_json(self) -> list[dict[str, Any]]:
        """The utterances as the speech track's JSON objects."""
        return [u.to_json() for u in self.utterances]


class MeetingEncoder:
    """Encodes a scripted meeting into real media, incrementally, as the recording goes.

    `on_segment` receives each segment as soon as it is complete; the concatenation of all segments
    in `CaptureSummary.concatenation` order is the recording, and for MP4 every prefix of the segments
    is a valid, shorter recording. The bytes are not retained (memory stays bounded for long
    meetings); the summary carries sizes and checksums.
    """

    def __init__(
        self,
        script: MeetingScript,
        profile: MediaProfile = TINY,
        *,
        kind: MediaKind | None = None,
        on_segment: Callable[[Segment], None] | None = None,
        start_at: float = 0.0,
        desktop_audio: bool = False,
    ) -> None:
        self.kind: MediaKind = kind or media_kind_for(script, desktop_audio=desktop_audio)
        if self.kind == "mp4" and (script.audio_only or desktop_audio):
            raise ValueError("audio-only recordings (Slack huddles, desktop audio) are recorded as mp3")
        if self.kind not in ("mp4", "mp3"):
            raise ValueError(f"unknown media kind {self.kind!r}")
        self.script, self.profile, self.start_at = script, profile, start_at
        self._on_segment = on_segment
        self._timeline = RecordingTimeline()
        self._speech = SpeechTracker(script, start_at, speaker_labels_for(script, desktop_audio))
        self._utterances: list[SpeechUtterance] = []
        self._segments: list[SegmentInfo] = []
        self._hash = hashlib.sha256()
        self._sink = SegmentSink(
            profile.fragments_per_segment, self._emit_media, mp4_boxes=self.kind == "mp4"
        )
        self._writer: Mp4Writer | Mp3Writer
        self._video: VideoSynth | None = None
        if self.kind == "mp4":
            self._writer = Mp4Writer(profile, self._sink)
            self._video = VideoSynth(script, profile, start_at)
        else:
            self._writer = Mp3Writer(profile, self._sink)
            frames = math.ceil(profile.segment_duration * profile.sample_rate / self._writer.audio_frame_size)
            self._sink.units_per_segment = frames
        self._audio: AudioSynth | VoicedAudio = (
            VoicedAudio(script, profile.sample_rate, start_at)
            if profile.voices
            else AudioSynth(script, profile.sample_rate, start_at)
        )
        self._audio_next = self._writer.audio_delay  # first sample after the codec's priming
        self._video_next = 0
        self._frames: OrderedDict[Scene | None, Any] = OrderedDict()
        # One converter for the whole recording: a frame's own `reformat` sets up a new swscale
        # context each call, which cost more than the conversion of a tiny frame.
        self._to_yuv = VideoReformatter()
        self._frame_time_base = Fraction(1, profile.fps)
        self._position = 0.0
        self._requested = 0.0
        self._closed: CaptureSummary | None = None

    # --- the SDK's controls --------------------------------------------------------------------

    @property
    def position(self) -> float:
        """Recording time up to which media has been captured and encoded."""
        return self._position

    @property
    def paused(self) -> bool:
        """Whether the recording is paused (`sdk-state-change` to `paused`)."""
        return self._timeline.paused

    @property
    def emitted_until(self) -> float:
        """Recording time up to which the segments handed out so far hold media: the end of their last
        fragment (MP4) or frame (MP3), which trails `position` by up to a segment's unfinished part."""
        units = self._sink.units_emitted
        if units is None:
            return self._position
        if self.kind == "mp4":
            covered = units * self.profile.fragment_duration
        else:
            # Packet timestamps are recording time (the input skips the codec's priming), so N frames
            # reach N frame lengths in.
            covered = units * self._writer.audio_frame_size / self.profile.sample_rate
        return min(self._position, round(covered, 6))

    @property
    def timeline(self) -> RecordingTimeline:
        """The recording's starts, pauses and stop so far (read it; change it through this encoder)."""
        return self._timeline

    def advance_to(self, t: float) -> None:
        """Let the recording run to recording time `t`.

        Work happens in steps on a fixed grid (every `fragment_duration`), plus the exact instants of
        pause, resume and stop; so the bytes depend only on the script, the profile and those
        instants, never on how often the caller ticks. Up to one step may wait for the next call.
        """
        self._check_open()
        if t < self._requested:
            raise ValueError(f"time goes forward only: {t} < {self._requested}")
        self._requested = t
        grid = self.profile.fragment_duration
        while True:
            k = math.floor(self._position / grid) + 1
            while k * grid <= self._position:  # floating-point guard
                k += 1
            if k * grid > t:
                return
            self._step(k * grid)

    def _sync(self, at: float) -> None:
        self.advance_to(at)
        if self._position < at:
            self._step(at)

    def pause(self, at: float) -> None:
        """`pauseRecording`: from `at`, black frames and silence, and no words are kept."""
        if self._timeline.open_since is None:
            raise ValueError("the recording is not capturing (already paused or stopped)")
        self._sync(at)
        self._timeline.pause(at)

    def resume(self, at: float) -> None:
        """`resumeRecording`: capture again from `at`."""
        if not self._timeline.paused:
            raise ValueError("the recording is not paused")
        self._sync(at)
        self._timeline.resume(at)

    def close(self, at: float) -> CaptureSummary:
        """`stopRecording` at `at`: flush every encoder and the muxer; return the summary.

        For MP3 the speech header (the ID3 tag) is handed to `on_segment` last; it goes first in the
        final concatenation.
        """
        self._sync(at)
        self._timeline.stop(at)
        # The last, partial audio frame (at least one sample, so even a blink of a recording decodes).
        self._encode_audio(max(round(at * self.profile.sample_rate), self._audio_next + 1))
        settled = self._speech.advance(at, self._timeline)
        self._utterances += settled
        if isinstance(self._writer, Mp4Writer):
            self._writer.add_speech(settled)
        self._writer.close(at)
        self._sink.finish()
        utterances = tuple(sorted(self._utterances, key=lambda u: (u.start, u.order)))
        order = list(range(len(self._segments)))
        sha256: str | None = self._hash.hexdigest()
        if self.kind == "mp3":
            self._emit(id3_speech_header(utterances), "speech-header")
            order.insert(0, len(self._segments) - 1)
            # The header leads the file but is known last; without keeping every frame in memory the
            # file's checksum is computed from the stored segments (`concatenated_sha256`).
            sha256 = None
        self._closed = CaptureSummary(
            kind=self.kind,
            duration=at,
            segments=tuple(self._segments),
            concatenation=tuple(order),
            sha256=sha256,
            size=sum(s.size for s in self._segments),
            utterances=utterances,
            recorded=self._timeline.freeze(),
        )
        return self._closed

    @property
    def summary(self) -> CaptureSummary | None:
        """The summary once closed."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed is not None:
            raise ValueError("the recording is closed")

    def _emit_media(self, data: bytes) -> None:
        self._hash.update(data)
        self._emit(data, "media")

    def _emit(self, data: bytes, role: SegmentRole) -> None:
        segment = Segment(index=len(self._segments), role=role, data=data)
        self._segments.append(segment.info())
        if self._on_segment is not None:
            self._on_segment(segment)

    # --- one step of capture -------------------------------------------------------------------

    def _step(self, t: float) -> None:
        blank = self._timeline.blank_intervals()
        if self._video is not None and isinstance(self._writer, Mp4Writer):
            # A frame starting a float's rounding error before `t` (a stop at 2.0000000000000004 s)
            # is not yet due: the recording would end with an extra frame past its length.
            while self._video_next < t * self.profile.fps - 1e-9:
                self._encode_video(self._video, self._writer, self._video_next, blank)
                self._video_next += 1
        self._encode_audio(math.floor(t * self.profile.sample_rate), whole_frames=True)
        self._position = t
        settled = self._speech.advance(t, self._timeline)
        self._utterances += settled
        if isinstance(self._writer, Mp4Writer):
            self._writer.add_speech(settled)
        self._writer.flush(self._speech.horizon(t))
        self._sink.cut()

    def _encode_video(
        self, video: VideoSynth, writer: Mp4Writer, index: int, blank: list[tuple[float, float]]
    ) -> None:
        scene = video.scene_for(index / self.profile.fps, blank)
        frame = self._frames.get(scene)
        if frame is None:
            rgb = av.VideoFrame.from_ndarray(video.render(scene), format="rgb24")
            frame = self._to_yuv.reformat(rgb, format="yuv420p")
            self._frames[scene] = frame
            if len(self._frames) > _FRAME_CACHE:
                self._frames.popitem(last=False)
        else:
            self._frames.move_to_end(scene)
        # The same picture is encoded again with a new timestamp; libx264 copies its input.
        frame.pts = index
        frame.time_base = self._frame_time_base
        writer.encode_video(frame)

    def _encode_audio(self, until: int, *, whole_frames: bool = False) -> None:
        size = self._writer.audio_frame_size
        first = self._audio_next
        count = until - first
        if whole_frames:
            count -= count % size
        if count <= 0:
            return
        samples = self._audio.render(first, count, self._timeline.blank_intervals())
        # One call per step: PyAV cuts the block into codec frames itself (identical packets, and
        # a fifth less CPU than a Python call per 576-sample MP3 frame).
        self._writer.encode_audio(samples, first)
        self._audio_next = first + count
