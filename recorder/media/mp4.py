"""The fragmented-MP4 writer: H.264 video, AAC audio and the mov_text speech track.

Why the speech track leads and the media waits. FFmpeg's MP4 muxer keeps a mov_text track's timeline
as the sum of its sample durations, fragment by fragment: a sample muxed after a fragment already
covers its time is shifted (or aborts the muxer, if it overlaps the previous sample), and whenever a
video or audio packet arrives past the text track's end the muxer appends a zero-length "end" sample
that later fragments mis-time. So the writer keeps the speech track contiguous and ahead of the media:

- every sample is muxed in start order, with an explicit empty sample filling each gap;
- a sample lasts until the next one starts if utterances overlap (one track cannot hold overlapping
  samples; the JSON inside keeps the true word times);
- all tracks share one timescale (the audio sample rate), so the muxer's "text track behind this
  packet" test compares like with like;
- video and audio packets are queued and only muxed once the speech track reaches their time.

An utterance is final only once it ends (a pause could still cut its last words), so the media lags
the encoder by at most the longest utterance in progress; that bounds the memory held.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from fractions import Fraction
from typing import Any

import av

from recall_sim.recorder.media.audio import audio_frame, configure_audio, encoder_delay
from recall_sim.recorder.media.profiles import MediaProfile
from recall_sim.recorder.media.segments import SegmentSink
from recall_sim.recorder.media.speech import SpeechUtterance, encode_tx3g, utterance_json

__all__ = ["Mp4Writer"]

_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"
# A mov_text stream needs a subtitle header (an ASS script header) before the container opens.
_ASS_HEADER = (
    b"[Script Info]\r\nScriptType: v4.00+\r\n\r\n[V4+ Styles]\r\n"
    b"Format: Name, Fontname, Fontsize\r\nStyle: Default,Arial,16\r\n\r\n"
    b"[Events]\r\nFormat: Layer, Start, End, Style, Text\r\n"
)
_EMPTY = encode_tx3g(b"")


class Mp4Writer:
    """Muxes encoded media and speech samples into fragmented MP4, written to a `SegmentSink`."""

    def __init__(self, profile: MediaProfile, sink: SegmentSink) -> None:
        self.profile = profile
        self.sample_rate = profile.sample_rate
        self._container = av.open(
            sink,
            mode="w",
            format="mp4",
            # container_options, not options: `options` would also reach (and break) the codec opens.
            container_options={
                "movflags": _MOVFLAGS,
                "video_track_timescale": str(profile.sample_rate),
                "flush_packets": "1",  # hand each fragment to the sink as soon as it is complete
                "max_interleave_delta": "1",  # packets arrive in time order already; don't hold them
                "fflags": "+bitexact",
            },
        )
        video = self._container.add_stream("libx264", rate=profile.fps)
        video.width, video.height, video.pix_fmt = profile.width, profile.height, "yuv420p"
        video.codec_context.time_base = Fraction(1, profile.fps)
        video.codec_context.options = profile.x264_options()
        audio = self._container.add_stream("aac", rate=profile.sample_rate)
        options = profile.aac_options
        configure_audio(audio.codec_context, profile.sample_rate, profile.aac_bitrate, options)
        speech = self._container.add_stream("mov_text")
        speech.codec_context.subtitle_header = _ASS_HEADER
        speech.time_base = Fraction(1, profile.sample_rate)
        self._container.start_encoding()
        self._video, self._audio, self._speech = video, audio, speech
        self.audio_delay = encoder_delay("aac", profile.sample_rate, profile.aac_bitrate, options)
        self.audio_frame_size: int = audio.codec_context.frame_size
        self._media: list[tuple[int, int, Any]] = []  # heap of (tick, sequence, packet)
        self._sequence = itertools.count()
        # speech samples waiting, sorted: (pts, script order, sequence, end, payload)
        self._pending: list[tuple[int, int, int, int, bytes]] = []
        self._track_end = 0
        #: the most media packets held back at once: how far the speech track made the media wait
        self.max_queued = 0

    # --- media -----------------------------------------------------------------------------------

    def encode_video(self, frame: Any) -> None:
        """Encode one frame (or flush the encoder with None); its packets wait for the speech track."""
        for packet in self._video.encode(frame):
            # Video packets are stamped in frames (codec time base 1/fps, no B-frames: dts == pts).
            self._queue(packet, self.profile.ticks_per_frame)

    def encode_audio(self, samples: Any, first: int) -> None:
        """Encode samples starting at recording sample `first`; the packets wait like video's."""
        for packet in self._audio.encode(audio_frame(samples, self.sample_rate, first)):
            self._queue(packet, 1)  # audio packets are stamped in samples: already ticks

    def flush_encoders(self) -> None:
        """Drain both encoders at the stop."""
        self.encode_video(None)
        for packet in self._audio.encode(None):
            self._queue(packet, 1)

    def _queue(self, packet: Any, ticks_per_unit: int) -> None:
        if packet.dts is None:
            raise RuntimeError("an encoder produced a packet without a timestamp")
        heapq.heappush(self._media, (packet.dts * ticks_per_unit, next(self._sequence), packet))
        self.max_queued = max(self.max_queued, len(self._media))

    # --- speech ----------------------------------------------------------------------------------

    def add_speech(self, utterances: list[SpeechUtterance]) -> None:
        """Queue settled utterances as speech samples (muxed once their extent is final)."""
        for utterance in utterances:
            pts = round(utterance.start * self.sample_rate)
            end = max(pts + 1, round(utterance.end * self.sample_rate))
            item = (pts, utterance.order, next(self._sequence), end, encode_tx3g(utterance_json(utterance)))
            bisect.insort(self._pending, item)

    def _mux_text(self, start: int, end: int, payload: bytes) -> None:
        packet = av.Packet(payload)
        packet.pts = packet.dts = start
        packet.duration = end - start
        packet.time_base = Fraction(1, self.sample_rate)
        packet.stream = self._speech
        self._container.mux(packet)
        self._track_end = end

    def _advance_speech(self, limit: int) -> None:
        """Mux every speech sample whose extent is final below tick `limit`, then fill the gap to it.

        Samples not yet settled will start at or after `limit`, so a pending sample's end is known once
        it (or the next pending start) is at or below the limit.
        """
        while self._pending:
            pts, _, _, end, payload = self._pending[0]
            if pts >= limit:
                break
            stop = end if len(self._pending) == 1 else min(end, self._pending[1][0])
            if stop > limit:
                break
            start = max(pts, self._track_end)
            stop = max(stop, start + 1)  # equal starts: the earlier sample keeps one tick
            if start > self._track_end:
                self._mux_text(self._track_end, start, _EMPTY)
            self._mux_text(start, stop, payload)
            self._pending.pop(0)
        fill = min(limit, self._pending[0][0]) if self._pending else limit
        if fill > self._track_end:
            self._mux_text(self._track_end, fill, _EMPTY)

    def flush(self, horizon: float) -> None:
        """Write speech final before `horizon` (seconds), then every media packet it now covers."""
        self._advance_speech(int(horizon * self.sample_rate))
        self._mux_media(self._track_end)

    def _mux_media(self, up_to: int) -> None:
        while self._media and self._media[0][0] <= up_to:
            _, _, packet = heapq.heappop(self._media)
            self._container.mux(packet)

    def close(self, duration: float) -> None:
        """Flush everything (all speech is settled) and write the trailer."""
        self.flush_encoders()
        last_media = max((tick for tick, _, _ in self._media), default=0)
        # Everything is settled now; a zero-length word exactly at the stop still needs a tick.
        last_speech = max((end for _, _, _, end, _ in self._pending), default=0)
        end = max(round(duration * self.sample_rate), last_media, last_speech)
        self._advance_speech(end)
        if self._track_end < end:
            self._mux_text(self._track_end, end, _EMPTY)
        # The trailer appends a zero-length end sample, and FFmpeg gives a fragment's zero-length last
        # sample the duration of the one before: a final one-tick sample keeps that to one tick.
        self._mux_text(self._track_end, self._track_end + 1, _EMPTY)
        self._mux_media(self._track_end)
        self._container.close()
