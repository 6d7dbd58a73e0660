"""Media profiles: the sizes, rates and encoder settings of one capture.

The Desktop SDK records the meeting window at a fixed size and frame rate with system audio and the
microphone mixed; recall-sim names two such settings. `tiny` keeps property tests and hour-long
scenarios cheap (a real H.264/AAC/MP3 file, just a small one); `standard` is what a demo shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

__all__ = ["PROFILES", "STANDARD", "TINY", "VOICES_SUFFIX", "MediaProfile", "get_profile", "voiced"]

#: a profile's name with this suffix is the same profile with voices on (`standard+voices`)
VOICES_SUFFIX = "+voices"


@dataclass(frozen=True)
class MediaProfile:
    """How one recording is captured and encoded.

    Every track of the MP4 shares one timescale, the audio sample rate, so the frame rate must divide
    it; a fragment is exactly one GOP (the muxer cuts a fragment at every keyframe).
    """

    name: str
    width: int
    height: int
    fps: int
    sample_rate: int
    #: x264 constant-rate factor: quality-driven, so static tiles cost almost nothing
    x264_crf: int
    x264_preset: str
    aac_bitrate: int
    mp3_bitrate: int
    #: seconds per MP4 fragment (one GOP, a whole number of frames)
    fragment_duration: float
    #: seconds of media per segment handed to `on_segment` (rounded to whole fragments / MP3 frames)
    segment_duration: float
    #: the native AAC encoder's "fast" coder is ~7x cheaper than "twoloop" for speech-like tones
    aac_options: tuple[tuple[str, str], ...] = (("aac_coder", "fast"),)
    #: libmp3lame's compression_level 9 is its fastest algorithm; the bitstream is still standard
    mp3_options: tuple[tuple[str, str], ...] = (("compression_level", "9"),)
    #: tile border thickness for the active speaker, in pixels
    highlight: int = field(default=1)
    #: speak the script's utterances with espeak-ng (voices.py) instead of the placeholder sound
    voices: bool = False

    def __post_init__(self) -> None:
        if self.width % 2 or self.height % 2:
            raise ValueError("width and height must be even (yuv420p)")
        if self.sample_rate % self.fps:
            raise ValueError("fps must divide sample_rate: the tracks share the sample rate as timescale")
        frames = Fraction(self.fragment_duration).limit_denominator(1000) * self.fps
        if frames.denominator != 1 or frames < 1:
            raise ValueError("fragment_duration must be a whole, positive number of frames")
        if self.segment_duration < self.fragment_duration:
            raise ValueError("segment_duration must be at least one fragment")

    @property
    def gop(self) -> int:
        """Frames per GOP, which is frames per fragment."""
        return round(self.fragment_duration * self.fps)

    @property
    def fragments_per_segment(self) -> int:
        return max(1, round(self.segment_duration / self.fragment_duration))

    @property
    def ticks_per_frame(self) -> int:
        """Video frame duration in the shared timescale (audio samples)."""
        return self.sample_rate // self.fps

    def x264_options(self) -> dict[str, str]:
        # zerolatency: no B-frames and no lookahead, so dts == pts and packets leave with their frame;
        # a fixed GOP with scenecut off puts every fragment boundary where the profile says;
        # threads=1 keeps libx264's output byte-identical from run to run.
        return {
            "preset": self.x264_preset,
            "tune": "zerolatency",
            "crf": str(self.x264_crf),
            "threads": "1",
            "x264-params": f"keyint={self.gop}:min-keyint={self.gop}:scenecut=0",
        }


TINY = MediaProfile(
    name="tiny",
    width=96,
    height=54,
    fps=2,
    sample_rate=8000,
    x264_crf=30,
    x264_preset="ultrafast",
    aac_bitrate=32_000,
    mp3_bitrate=16_000,
    fragment_duration=1.0,
    segment_duration=10.0,
)

STANDARD = MediaProfile(
    name="standard",
    width=640,
    height=360,
    fps=15,
    sample_rate=48_000,
    x264_crf=26,
    x264_preset="veryfast",
    aac_bitrate=64_000,
    mp3_bitrate=64_000,
    fragment_duration=2.0,
    segment_duration=10.0,
    highlight=4,
)

PROFILES: dict[str, MediaProfile] = {p.name: p for p in (TINY, STANDARD)}


def voiced(profile: MediaProfile) -> MediaProfile:
    """`profile` with the script's utterances spoken aloud; its name says so, so a recording recovered
    after a crash is captured the same way."""
    if profile.voices:
        return profile
    return replace(profile, name=profile.name + VOICES_SUFFIX, voices=True)


def get_profile(name: str) -> MediaProfile:
    """The named profile (`tiny` or `standard`, either with `+voices`)."""
    base = name.removesuffix(VOICES_SUFFIX)
    try:
        profile = PROFILES[base]
    except KeyError:
        raise ValueError(f"unknown media profile {name!r}; choose one of {sorted(PROFILES)}") from None
    return voiced(profile) if base != name else profile
