"""Cutting the encoder's byte stream into uploadable segments.

The Desktop SDK (in `current` upload mode) uploads a recording in parts while it is still going. A
segment boundary must be a place where the bytes before it form a valid, shorter file, because a
crashed recording is recovered by concatenating the segments it managed to write:

- fragmented MP4: after the end of a fragment's `mdat` (the first segment starts with the init boxes
  `ftyp` + `moov`); every prefix of whole fragments is a playable file;
- MP3: after an MPEG audio frame; frames simply concatenate.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Segment", "SegmentInfo", "SegmentRole", "SegmentSink"]

SegmentRole = Literal["media", "speech-header"]


@dataclass(frozen=True)
class SegmentInfo:
    """What is known about a segment once handed out: its position, role, size and checksum."""

    index: int
    role: SegmentRole
    size: int
    sha256: str


@dataclass(frozen=True)
class Segment:
    """One uploadable part of the media (`Upload-Concat: partial` in the ingest protocol)."""

    index: int
    role: SegmentRole
    data: bytes

    @property
    def sha256(self) -> str:
        """The hex digest the tus `Upload-Checksum` and finalize's `sha256` are built from."""
        return hashlib.sha256(self.data).hexdigest()

    def info(self) -> SegmentInfo:
        """The segment without its bytes."""
        return SegmentInfo(index=self.index, role=self.role, size=len(self.data), sha256=self.sha256)


class SegmentSink:
    """The file object PyAV writes into: holds bytes only until a whole segment is ready.

    `units_per_segment` counts fragments (MP4, found by parsing top-level boxes) or MPEG frames (MP3,
    marked by the encoder after each packet it muxes). It has no `seek`, so PyAV treats it as a
    non-seekable stream and the muxers never rewrite earlier bytes.
    """

    def __init__(self, units_per_segment: int, emit: Callable[[bytes], None], *, mp4_boxes: bool) -> None:
        self.units_per_segment = units_per_segment
        self._emit = emit
        self._mp4 = mp4_boxes
        self._buffer = bytearray()
        self._base = 0  # absolute offset of _buffer[0]
        self._scan = 0  # absolute offset of the next top-level box to parse (MP4)
        self._boundaries: list[int] = []  # absolute offsets where a unit ends
        self.written = 0
        #: units (fragments or frames) in the segments handed out so far; None once finished
        self.units_emitted: int | None = 0

    def write(self, data: bytes) -> int:
        """Called by PyAV's muxer with the next bytes of the file."""
        self._buffer += data
        self.written += len(data)
        if self._mp4:
            self._find_fragments()
        return len(data)

    def mark_boundary(self, offset: int) -> None:
        """A unit (MP3 frame) ends at absolute byte `offset`."""
        self._boundaries.append(offset)

    def _find_fragments(self) -> None:
        end = self._base + len(self._buffer)
        while self._scan + 8 <= end:
            at = self._scan - self._base
            size, kind = struct.unpack(">I4s", self._buffer[at : at + 8])
            if size == 1:
                if self._scan + 16 > end:
                    return
                (size,) = struct.unpack(">Q", self._buffer[at + 8 : at + 16])
            if size < 8 or self._scan + size > end:
                return  # incomplete (or size 0: "to end of file", only known at the end)
            self._scan += size
            if kind == b"mdat":
                self._boundaries.append(self._scan)

    def cut(self, *, keep_last: bool = False) -> None:
        """Hand out every complete segment (all but the last one when `keep_last`)."""
        units = self.units_per_segment
        end = self._base + len(self._buffer)
        while len(self._boundaries) >= units + keep_last and self._boundaries[units - 1] <= end:
            boundary = self._boundaries[units - 1]
            del self._boundaries[:units]
            size = boundary - self._base
            chunk = bytes(self._buffer[:size])
            del self._buffer[:size]
            self._base = boundary
            if self.units_emitted is not None:
                self.units_emitted += units
            self._emit(chunk)

    def finish(self) -> None:
        """Hand out whatever remains: the last segment, with any trailer boxes (`mfra`) in it."""
        self.cut(keep_last=True)
        self.units_emitted = None  # everything: the last segment runs to the end of the media
        if self._buffer:
            chunk = bytes(self._buffer)
            self._base += len(self._buffer)
            self._buffer.clear()
            self._boundaries.clear()
            self._emit(chunk)

    @property
    def buffered(self) -> int:
        """Bytes held, waiting for their segment to complete."""
        return len(self._buffer)
