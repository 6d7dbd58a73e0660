"""The MP3 writer: libmp3lame frames, nothing else.

Audio-only and desktop-audio recordings are MP3. The muxer is told to add neither a Xing/LAME header
(`write_xing=0`) nor an ID3 tag (`id3v2_version=0`), so the file is exactly the concatenation of the
encoder's frames and may be cut after any frame. The speech track's ID3v2.4 tag is built separately
when the recording closes (uploaded last, listed first in the final concatenation).
"""

from __future__ import annotations

from typing import Any

import av

from recall_sim.recorder.media.audio import audio_frame, configure_audio, encoder_delay
from recall_sim.recorder.media.profiles import MediaProfile
from recall_sim.recorder.media.segments import SegmentSink

__all__ = ["Mp3Writer"]


class Mp3Writer:
    """Encodes mono audio to MP3 frames, written to a `SegmentSink` that may cut after any frame."""

    def __init__(self, profile: MediaProfile, sink: SegmentSink) -> None:
        self.sample_rate = profile.sample_rate
        self._sink = sink
        self._container = av.open(
            sink,
            mode="w",
            format="mp3",
            container_options={
                "write_xing": "0",
                "id3v2_version": "0",
                "flush_packets": "1",  # every frame reaches the sink when muxed: cut points are exact
                "fflags": "+bitexact",
            },
        )
        audio = self._container.add_stream("libmp3lame", rate=profile.sample_rate)
        options = profile.mp3_options
        configure_audio(audio.codec_context, profile.sample_rate, profile.mp3_bitrate, options)
        self._container.start_encoding()
        self._audio = audio
        self.audio_delay = encoder_delay("libmp3lame", profile.sample_rate, profile.mp3_bitrate, options)
        self.audio_frame_size: int = audio.codec_context.frame_size
        self._offset = 0

    def encode_audio(self, samples: Any, first: int) -> None:
        """Encode samples starting at recording sample `first`; frames are written as they come."""
        self._mux(self._audio.encode(audio_frame(samples, self.sample_rate, first)))

    def _mux(self, packets: list[Any]) -> None:
        for packet in packets:
            self._container.mux(packet)
            self._offset += packet.size
            if self._sink.written != self._offset:
                raise RuntimeError("the MP3 muxer wrote bytes that are not encoder frames")
            self._sink.mark_boundary(self._offset)

    def flush(self, horizon: float) -> None:
        """Nothing waits in an MP3: frames are written as they are encoded."""

    def close(self, duration: float) -> None:
        """Flush the encoder (LAME pads the last frame) and close the container."""
        self._mux(self._audio.encode(None))
        self._container.close()
