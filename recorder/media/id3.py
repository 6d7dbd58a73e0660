"""A minimal ID3v2.4 tag: one `TXXX` (user-defined text) frame, written and read.

An MP3 recording carries its speech track as a leading ID3v2.4 tag (README, "The speech track"):
decoders skip a leading tag by its declared size, so the audio frames after it play unchanged. Only
what recall-sim needs is supported: UTF-8 `TXXX` frames, no unsynchronisation, no extended header.
"""

from __future__ import annotations

import struct

__all__ = ["ID3Error", "build_txxx_tag", "read_txxx_frames", "tag_size"]

_HEADER = struct.Struct(">3sBBB4s")
_MAX_SYNCHSAFE = (1 << 28) - 1
_UTF8 = 3
_ISO_8859_1 = 0


class ID3Error(ValueError):
    """The bytes are not an ID3v2 tag this module can read."""


def _synchsafe(n: int) -> bytes:
    # ID3v2.4 sizes are 28-bit integers spread over four bytes with the top bit of each clear, so a
    # size can never look like an MPEG frame sync (0xFF 0xE0).
    if not 0 <= n <= _MAX_SYNCHSAFE:
        raise ID3Error("ID3v2 sizes are limited to 256 MiB")
    return bytes(((n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F))


def _unsynchsafe(b: bytes) -> int:
    if any(x & 0x80 for x in b):
        raise ID3Error("malformed synchsafe integer")
    return (b[0] << 21) | (b[1] << 14) | (b[2] << 7) | b[3]


def build_txxx_tag(frames: dict[str, str]) -> bytes:
    """An ID3v2.4 tag holding one UTF-8 `TXXX` frame per (description, value)."""
    body = b""
    for description, value in frames.items():
        payload = bytes([_UTF8]) + description.encode() + b"\x00" + value.encode()
        body += b"TXXX" + _synchsafe(len(payload)) + b"\x00\x00" + payload
    return _HEADER.pack(b"ID3", 4, 0, 0, _synchsafe(len(body))) + body


def tag_size(data: bytes) -> int:
    """Total bytes of the ID3v2 tag at the start of `data` (0 if there is none)."""
    if len(data) < _HEADER.size or data[:3] != b"ID3":
        return 0
    _, _, _, flags, size = _HEADER.unpack(data[: _HEADER.size])
    footer = 10 if flags & 0x10 else 0
    return _HEADER.size + _unsynchsafe(size) + footer


def read_txxx_frames(data: bytes) -> dict[str, str]:
    """The `TXXX` frames of the ID3v2.4 tag at the start of `data`, description → value."""
    if len(data) < _HEADER.size or data[:3] != b"ID3":
        raise ID3Error("no ID3v2 tag at the start of the data")
    _, major, _, flags, size_bytes = _HEADER.unpack(data[: _HEADER.size])
    if major != 4:
        raise ID3Error(f"ID3v2.{major} is not supported (only v2.4)")
    if flags & 0xC0:
        raise ID3Error("unsynchronised tags and extended headers are not supported")
    end = _HEADER.size + _unsynchsafe(size_bytes)
    if end > len(data):
        raise ID3Error("truncated ID3v2 tag")
    frames: dict[str, str] = {}
    pos = _HEADER.size
    while pos + 10 <= end and data[pos] != 0:  # a zero byte starts the padding
        frame_id = data[pos : pos + 4]
        size = _unsynchsafe(data[pos + 4 : pos + 8])
        payload = data[pos + 10 : pos + 10 + size]
        pos += 10 + size
        if frame_id != b"TXXX" or not payload:
            continue
        encoding, rest = payload[0], payload[1:]
        if encoding not in (_UTF8, _ISO_8859_1):
            raise ID3Error("only UTF-8 and ISO-8859-1 TXXX frames are supported")
        codec = "utf-8" if encoding == _UTF8 else "latin-1"
        description, _, value = rest.partition(b"\x00")
        frames[description.decode(codec)] = value.decode(codec).rstrip("\x00")
    return frames
