"""Structural checks of MP4 and MP3 files, byte by byte, before any decoder sees them.

Decoders are forgiving: a truncated fragmented MP4 still opens and plays up to the cut. The live service
rejects such uploads, so the region walks the container itself: every MP4 box must fit in the file, and
every MP3 frame (after an optional leading ID3v2 tag) must be whole.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from recall_sim.simulator.errors import MediaRejected

__all__ = ["ContainerReport", "MediaRejected", "inspect_container", "read_id3_frames"]

Kind = Literal["mp4", "mp3"]

# MPEG audio: bitrates (kbps) by [version is MPEG-1][index], Layer III only.
_BITRATES_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP4_TOP_LEVEL = {b"ftyp", b"moov", b"moof", b"mdat", b"free", b"skip", b"styp", b"sidx", b"mfra", b"uuid",
                  b"wide", b"pdin", b"meta", b"emsg", b"prft"}  # fmt: skip


@dataclass(frozen=True)
class ContainerReport:
    kind: Kind
    size: int
    #: MP3: bytes of the leading ID3v2 tag (0 if none)
    id3_size: int = 0
    mp3_frames: int = 0


def _syncsafe(data: bytes) -> int:
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def _id3_size(head: bytes) -> int:
    """Size of an ID3v2 tag starting at `head` (header + body + optional footer), or 0."""
    if len(head) < 10 or head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
        return 0
    footer = 10 if head[5] & 0x10 else 0
    return 10 + _syncsafe(head[6:10]) + footer


def _walk_mp4(fh: BinaryIO, size: int) -> None:
    offset = 0
    seen: list[bytes] = []
    while offset < size:
        fh.seek(offset)
        header = fh.read(16)
        if len(header) < 8:
            raise MediaRejected("media_truncated", f"MP4 ends inside a box header at byte {offset}.")
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if box_size == 1:
            if len(header) < 16:
                raise MediaRejected("media_truncated", f"MP4 ends inside a box header at byte {offset}.")
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:
            box_size = size - offset
        if box_size < 8 or box_type not in _MP4_TOP_LEVEL:
            raise MediaRejected(
                "media_corrupt", f"MP4 has an invalid top-level box {box_type!r} at byte {offset}."
            )
        if offset + box_size > size:
            raise MediaRejected(
                "media_truncated", f"MP4 box {box_type.decode('latin-1')} at byte {offset} runs past the end."
            )
        seen.append(box_type)
        offset += box_size
    if b"moov" not in seen:
        raise MediaRejected("media_truncated", "MP4 has no movie header (moov): the file is incomplete.")


def _mp3_frame_length(header: bytes) -> int | None:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0x3  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    layer = (header[1] >> 1) & 0x3  # 1 = Layer III
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0x3
    padding = (header[2] >> 1) & 0x1
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = (_BITRATES_V1 if version == 3 else _BITRATES_V2)[bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    coefficient = 144 if version == 3 else 72
    return coefficient * bitrate // sample_rate + padding


def _walk_mp3(fh: BinaryIO, size: int, start: int) -> int:
    offset, frames = start, 0
    while offset < size:
        fh.seek(offset)
        header = fh.read(4)
        length = _mp3_frame_length(header)
        if length is None:
            if frames == 0:
                raise MediaRejected("media_unsupported_format", "No MPEG audio Layer III frames found.")
            raise MediaRejected("media_corrupt", f"MP3 frame sync lost at byte {offset}.")
        if offset + length > size:
            raise MediaRejected("media_truncated", f"MP3 frame at byte {offset} runs past the end.")
        offset += length
        frames += 1
    if frames == 0:
        raise MediaRejected("media_empty", "The MP3 holds no audio frames.")
    return frames


def inspect_container(path: Path) -> ContainerReport:
    size = path.stat().st_size
    if size == 0:
        raise MediaRejected("media_empty", "The uploaded media is empty.")
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) >= 8 and head[4:8] in (b"ftyp", b"styp", b"moov", b"free", b"mdat", b"wide"):
            _walk_mp4(fh, size)
            return ContainerReport(kind="mp4", size=size)
        id3 = _id3_size(head if len(head) >= 10 else head + b"\0" * 10)
        if id3 or _mp3_frame_length(head[:4]) is not None:
            if id3 > size:
                raise MediaRejected("media_truncated", "The MP3's ID3 tag runs past the end.")
            frames = _walk_mp3(fh, size, id3)
            return ContainerReport(kind="mp3", size=size, id3_size=id3, mp3_frames=frames)
    raise MediaRejected("media_unsupported_format", "The media is neither MP4 nor MP3.")


def read_id3_frames(path: Path) -> dict[str, list[bytes]]:
    """The frames of a leading ID3v2.3/2.4 tag, by frame id (raw frame bodies)."""
    with path.open("rb") as fh:
        head = fh.read(10)
        tag_size = _id3_size(head)
        if not tag_size:
            return {}
        version = head[3]
        body = fh.read(tag_size - 10)
    frames: dict[str, list[bytes]] = {}
    offset = 0
    while offset + 10 <= len(body):
        frame_id = body[offset : offset + 4]
        if frame_id == b"\0\0\0\0":
            break
        raw = body[offset + 4 : offset + 8]
        length = _syncsafe(raw) if version == 4 else struct.unpack(">I", raw)[0]
        frames.setdefault(frame_id.decode("latin-1"), []).append(body[offset + 10 : offset + 10 + length])
        offset += 10 + length
    return frames
