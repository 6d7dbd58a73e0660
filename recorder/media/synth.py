"""Deterministic synthetic content: what the Desktop SDK would capture from the meeting window.

The real SDK records the window's pixels and the mixed system audio and microphone. recall-sim has no
real meeting, so it draws one: each participant's speech is a voice of their own (base frequency and
timbre derived from their id) shaped per word into syllables, and the window shows one tile per
participant present, coloured by id, with the active speaker highlighted, a dark tile when the webcam
is off and a large shared area during a screenshare.

Everything here is a pure function of (script, profile, recording start, blank intervals, time): no
randomness, no state that depends on the order of calls. Times are recording-relative seconds unless a
name says `meeting`.
"""

from __future__ import annotations

import bisect
import colorsys
import hashlib
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recall_sim.recorder.media.profiles import MediaProfile
from recall_sim.recorder.meeting import MeetingScript

__all__ = ["AudioSynth", "Scene", "Tile", "VideoSynth", "Voice", "participant_colour", "voice_for"]

_PHI = (math.sqrt(5) - 1) / 2
#: peak amplitude of one voice; four overlapping voices still fit in [-1, 1]
_VOICE_GAIN = 0.25
_VOWELS = "aeiouyAEIOUY"
#: aspiration noise relative to the harmonic part of a voice
_BREATH = 0.04

Audio = npt.NDArray[np.float32]
Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Voice:
    """A participant's voice: base frequency (Hz) and the relative amplitudes of harmonics 1..n."""

    f0: float
    harmonics: tuple[float, ...]


def voice_for(participant_id: int) -> Voice:
    """The voice of a participant id: f0 spread over 110-340 Hz by the golden ratio, so ids 100, 200,
    300... land far apart; the fundamental always dominates (the other harmonics are weaker)."""
    f0 = 110.0 * 2.0 ** (1.6 * ((participant_id * _PHI) % 1.0))
    digest = hashlib.sha256(f"voice:{participant_id}".encode()).digest()
    overtones = tuple(0.15 + 0.45 * digest[k] / 255 for k in range(3))
    total = 1.0 + sum(overtones)
    return Voice(f0=f0, harmonics=tuple(a / total for a in (1.0, *overtones)))


def participant_colour(participant_id: int) -> tuple[int, int, int]:
    """A distinct, stable tile colour per id."""
    r, g, b = colorsys.hsv_to_rgb((participant_id * _PHI + 0.1) % 1.0, 0.55, 0.9)
    return round(r * 255), round(g * 255), round(b * 255)


def _breath(indices: npt.NDArray[np.uint64], participant_id: int) -> npt.NDArray[np.float64]:
    """Deterministic white noise in [-1, 1): a hash of the sample index (splitmix64), per voice.

    Speech is never a pure tone; this aspiration noise also keeps the AAC encoder out of its slow
    path (pure harmonic tones cost it ~3x more CPU than slightly noisy ones).
    """
    x = indices + np.uint64((participant_id * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * (2.0 / (1 << 53)) - 1.0


def _syllables(text: str) -> int:
    groups, previous = 0, False
    for ch in text:
        vowel = ch in _VOWELS
        groups += vowel and not previous
        previous = vowel
    return max(1, groups)


def _blank_mask(
    times: npt.NDArray[np.float64], blank: Sequence[tuple[float, float]]
) -> npt.NDArray[np.bool_]:
    mask = np.zeros(times.shape, dtype=bool)
    for a, b in blank:
        mask |= (times >= a) & (times < b)
    return mask


class AudioSynth:
    """The mixed audio of the meeting (microphone and system audio), sample by sample."""

    def __init__(self, script: MeetingScript, sample_rate: int, start_at: float) -> None:
        self.sample_rate = sample_rate
        rows: list[tuple[float, float, int, float, int]] = []
        voices: dict[int, Voice] = {}
        for utterance in script.utterances:
            voices.setdefault(utterance.participant_id, voice_for(utterance.participant_id))
            for word in utterance.words:
                # A small, stable pitch offset per word gives the intonation of speech.
                pitch = 1.0 + 0.06 * ((zlib.crc32(word.text.encode()) % 1000) / 1000 - 0.5)
                start, end = word.start - start_at, word.end - start_at
                if end > start:
                    rows.append((start, end, utterance.participant_id, pitch, _syllables(word.text)))
        rows.sort()
        self._starts = np.array([r[0] for r in rows], dtype=np.float64)
        self._rows = rows
        self._voices = voices
        self._longest = max((r[1] - r[0] for r in rows), default=0.0)

    def render(self, first: int, count: int, blank: Sequence[tuple[float, float]] = ()) -> Audio:
        """Samples [first, first + count) of the recording, silent inside `blank` intervals."""
        sr = self.sample_rate
        out = np.zeros(count, dtype=np.float64)
        t0, t1 = first / sr, (first + count) / sr
        lo = int(np.searchsorted(self._starts, t0 - self._longest, side="left"))
        hi = int(np.searchsorted(self._starts, t1, side="left"))
        for start, end, participant_id, pitch, syllables in self._rows[lo:hi]:
            if end <= t0:
                continue
            i0 = max(0, math.ceil(start * sr) - first)
            i1 = min(count, math.ceil(end * sr) - first)
            if i1 <= i0:
                continue
            # Times come from integer sample indexes, so a sample's value never depends on chunking.
            indices = np.arange(first + i0, first + i1, dtype=np.uint64)
            t = indices.astype(np.float64) / sr - start
            duration = end - start
            u = t / duration
            envelope = np.sin(np.pi * ((u * syllables) % 1.0))  # one swell per syllable
            voice = self._voices[participant_id]
            # A gentle glide across the word; the phase is the integral of the frequency.
            phase = 2 * np.pi * voice.f0 * pitch * (t - 0.04 * duration * (u * u - u))
            # Harmonic k by the Chebyshev recurrence sin(kx) = 2cos(x)sin((k-1)x) - sin((k-2)x):
            # two trigonometric calls per sample instead of one per harmonic.
            s1, twice_cos = np.sin(phase), 2 * np.cos(phase)
            s0 = np.zeros_like(s1)
            wave = voice.harmonics[0] * s1
            for amplitude in voice.harmonics[1:]:
                s0, s1 = s1, twice_cos * s1 - s0
                wave += amplitude * s1
            wave += _BREATH * _breath(indices, participant_id)
            out[i0:i1] += _VOICE_GAIN * envelope * wave
        if blank:
            out[_blank_mask(np.arange(first, first + count, dtype=np.float64) / sr, blank)] = 0.0
        np.clip(out, -1.0, 1.0, out=out)
        return out.astype(np.float32)


@dataclass(frozen=True)
class Tile:
    """One participant's tile in the meeting window."""

    participant_id: int
    speaking: bool
    webcam: bool


@dataclass(frozen=True)
class Scene:
    """What the meeting window shows at one instant; equal scenes render to equal pixels."""

    tiles: tuple[Tile, ...]
    sharer: int | None


_BACKGROUND = (18, 18, 24)
_DARK_TILE = (44, 44, 52)
_HIGHLIGHT = (255, 214, 10)


class _Intervals:
    """Half-open [start, end) intervals tagged with a participant id, queried by instant."""

    def __init__(self, items: Sequence[tuple[float, float, int]]) -> None:
        self._items = sorted(items)
        self._starts = [item[0] for item in self._items]
        self._longest = max((end - start for start, end, _ in self._items), default=0.0)

    def active(self, t: float) -> list[tuple[float, float, int]]:
        lo = bisect.bisect_left(self._starts, t - self._longest)
        hi = bisect.bisect_right(self._starts, t)
        return [item for item in self._items[lo:hi] if item[1] > t]

    def edges(self) -> list[float]:
        return [x for start, end, _ in self._items for x in (start, end)]


class VideoSynth:
    """The meeting window, frame by frame."""

    def __init__(self, script: MeetingScript, profile: MediaProfile, start_at: float) -> None:
        self.script = script
        self.profile = profile
        self.start_at = start_at
        self._speech = _Intervals([(u.start, u.end, u.participant_id) for u in script.utterances])
        self._webcam = _Intervals([(w.start, w.end, w.participant_id) for w in script.webcam])
        self._share = _Intervals([(w.start, w.end, w.participant_id) for w in script.screenshare])
        presence = [
            (p.join_at, math.inf if p.leave_at is None else p.leave_at, p.id) for p in script.participants
        ]
        # The scene is constant between consecutive edges; one scene is computed per stretch.
        edges = {x for x, _, _ in presence} | {x for _, x, _ in presence}
        for index in (self._speech, self._webcam, self._share):
            edges.update(index.edges())
        self._edges = sorted(edges)
        self._cached: tuple[int, Scene] | None = None

    def scene_at(self, meeting_time: float) -> Scene:
        """The window's content at a meeting-timeline instant."""
        stretch = bisect.bisect_right(self._edges, meeting_time)
        if self._cached is not None and self._cached[0] == stretch:
            return self._cached[1]
        scene = self._compute(meeting_time)
        self._cached = (stretch, scene)
        return scene

    def _compute(self, meeting_time: float) -> Scene:
        speaking = {pid for _, _, pid in self._speech.active(meeting_time)}
        webcam = {pid for _, _, pid in self._webcam.active(meeting_time)}
        tiles = tuple(
            Tile(p.id, p.id in speaking, p.id in webcam)
            for p in self.script.participants
            if p.join_at <= meeting_time and (p.leave_at is None or meeting_time < p.leave_at)
        )
        present = {t.participant_id for t in tiles}
        sharers = [item for item in self._share.active(meeting_time) if item[2] in present]
        # Clients show the most recent share when two overlap.
        sharer = max(sharers)[2] if sharers else None
        return Scene(tiles=tiles, sharer=sharer)

    def scene_for(self, t: float, blank: Sequence[tuple[float, float]] = ()) -> Scene | None:
        """The scene captured at recording time `t`; None means a black frame (paused, stopped).

        While the window cannot be captured the SDK keeps the last picture it got: the scene just
        before the window became uncapturable, or black if the recording began while it already was.
        """
        if any(a <= t < b for a, b in blank):
            return None
        meeting_time = self.start_at + t
        for a, b in self.script.uncapturable:
            if a <= meeting_time < b:
                if a <= self.start_at:
                    return None
                return self.scene_at(math.nextafter(a, -math.inf))
        return self.scene_at(meeting_time)

    def render(self, scene: Scene | None) -> Image:
        """The RGB picture of a scene (black for None)."""
        p = self.profile
        image = np.zeros((p.height, p.width, 3), dtype=np.uint8)
        if scene is None:
            return image
        image[:, :] = _BACKGROUND
        margin = max(1, p.width // 64)
        if scene.sharer is None:
            self._grid(image, scene.tiles, (margin, margin, p.width - margin, p.height - margin), margin)
        else:
            strip = p.width // 4
            self._shared_area(
                image, scene.sharer, (margin, margin, p.width - strip - margin, p.height - margin)
            )
            self._column(
                image, scene.tiles, (p.width - strip, margin, p.width - margin, p.height - margin), margin
            )
        return image

    def _grid(self, image: Image, tiles: tuple[Tile, ...], box: tuple[int, int, int, int], gap: int) -> None:
        if not tiles:
            return
        x0, y0, x1, y1 = box
        cols = math.ceil(math.sqrt(len(tiles)))
        rows = math.ceil(len(tiles) / cols)
        cw = (x1 - x0 - gap * (cols - 1)) // cols
        ch = (y1 - y0 - gap * (rows - 1)) // rows
        for index, tile in enumerate(tiles):
            r, c = divmod(index, cols)
            tx, ty = x0 + c * (cw + gap), y0 + r * (ch + gap)
            self._tile(image, tile, (tx, ty, tx + cw, ty + ch))

    def _column(
        self, image: Image, tiles: tuple[Tile, ...], box: tuple[int, int, int, int], gap: int
    ) -> None:
        x0, y0, x1, y1 = box
        height = max(2, (x1 - x0) * 9 // 16)
        y = y0
        for tile in tiles:
            if y + height > y1:
                break  # the real clients show a scrollable strip; what does not fit is off screen
            self._tile(image, tile, (x0, y, x1, y + height))
            y += height + gap

    def _tile(self, image: Image, tile: Tile, box: tuple[int, int, int, int]) -> None:
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            return
        colour = participant_colour(tile.participant_id)
        image[y0:y1, x0:x1] = colour if tile.webcam else _DARK_TILE
        # A disc: the face on camera, or the avatar (the participant's colour) when the webcam is off.
        h, w = y1 - y0, x1 - x0
        yy, xx = np.ogrid[0:h, 0:w]
        radius = max(1.0, min(h, w) * (0.3 if tile.webcam else 0.22))
        disc = (yy - h / 2 + 0.5) ** 2 + (xx - w / 2 + 0.5) ** 2 <= radius**2
        face = tuple(min(255, c + 60) for c in colour) if tile.webcam else colour
        image[y0:y1, x0:x1][disc] = face
        if tile.speaking:
            k = min(self.profile.highlight, max(1, min(h, w) // 4))
            image[y0 : y0 + k, x0:x1] = _HIGHLIGHT
            image[y1 - k : y1, x0:x1] = _HIGHLIGHT
            image[y0:y1, x0 : x0 + k] = _HIGHLIGHT
            image[y0:y1, x1 - k : x1] = _HIGHLIGHT

    def _shared_area(self, image: Image, sharer: int, box: tuple[int, int, int, int]) -> None:
        x0, y0, x1, y1 = box
        image[y0:y1, x0:x1] = (236, 236, 236)
        bar = max(2, (y1 - y0) // 10)
        image[y0 : y0 + bar, x0:x1] = participant_colour(sharer)
        # Lines of "text" on the shared document, their lengths derived from the sharer's id.
        line = max(1, (y1 - y0) // 30)
        y = y0 + bar + 2 * line
        n = 0
        while y + line <= y1 - line:
            length = (x1 - x0) * (50 + (sharer * 37 + n * 53) % 45) // 100
            image[y : y + line, x0 + 2 * line : x0 + 2 * line + length] = (120, 120, 128)
            y += 3 * line
            n += 1
