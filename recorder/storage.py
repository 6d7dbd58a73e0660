"""Crash-safe local storage of recordings: a directory per recording, segments plus a journal.

    <root>/<recording-id>/journal.jsonl    append-only record of what happened, one JSON object a line
    <root>/<recording-id>/segments/NNNNNN  media segments, each complete before it is journaled
    <root>/<recording-id>/parts/<name>     participant events, meeting metadata, MP3 speech header

A segment is written to a temporary file, synced and renamed, and only then journaled (and the journal
synced). A process killed at any instant therefore leaves every journaled segment whole; what it loses is
at most the segment in flight. A torn last journal line is ignored. A new SDK instance on the same root
lists the recordings whose journal has no `finalized` entry and finishes them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["LocalRecording", "RecordingStore", "Segment"]


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass(frozen=True)
class Segment:
    index: int
    path: Path
    size: int
    sha256: str
    #: recording-relative seconds this segment's media covers
    start: float
    end: float


class LocalRecording:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.journal_path = directory / "journal.jsonl"
        self.entries: list[dict[str, Any]] = self._read_journal()

    @property
    def id(self) -> str:
        return self.directory.name

    def _read_journal(self) -> list[dict[str, Any]]:
        if not self.journal_path.exists():
            return []
        raw = self.journal_path.read_bytes()
        entries = []
        kept = 0
        for line in raw.split(b"\n")[:-1]:  # only newline-terminated lines were written whole
            try:
                entries.append(json.loads(line))
            except ValueError:
                break
            kept += len(line) + 1
        if kept != len(raw):
            # A line torn by a crash mid-append: cut it off, or the next entry would be glued to it.
            with self.journal_path.open("r+b") as fh:
                fh.truncate(kept)
                fh.flush()
                os.fsync(fh.fileno())
        return entries

    def append(self, entry_type: str, **data: Any) -> dict[str, Any]:
        entry = {"type": entry_type, **data}
        with self.journal_path.open("ab") as fh:
            fh.write(json.dumps(entry, sort_keys=True).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.entries.append(entry)
        return entry

    def first(self, entry_type: str) -> dict[str, Any] | None:
        return next((e for e in self.entries if e["type"] == entry_type), None)

    def all(self, entry_type: str) -> list[dict[str, Any]]:
        return [e for e in self.entries if e["type"] == entry_type]

    def has(self, entry_type: str) -> bool:
        return self.first(entry_type) is not None

    # -- segments and parts ------------------------------------------------------------------

    def add_segment(self, data: bytes, start: float, end: float) -> Segment:
        index = len(self.all("segment"))
        path = self.directory / "segments" / f"{index:06d}"
        _write_atomic(path, data)
        digest = hashlib.sha256(data).hexdigest()
        self.append("segment", index=index, size=len(data), sha256=digest, start=start, end=end)
        return Segment(index, path, len(data), digest, start, end)

    def segments(self) -> list[Segment]:
        out = []
        for entry in self.all("segment"):
            path = self.directory / "segments" / f"{entry['index']:06d}"
            out.append(
                Segment(entry["index"], path, entry["size"], entry["sha256"], entry["start"], entry["end"])
            )
        return out

    def add_part(self, name: str, data: bytes) -> Path:
        path = self.directory / "parts" / name
        _write_atomic(path, data)
        self.append("part", name=name, size=len(data), sha256=hashlib.sha256(data).hexdigest())
        return path

    def part(self, name: str) -> bytes | None:
        entries = [e for e in self.all("part") if e["name"] == name]
        if not entries:
            return None
        return (self.directory / "parts" / name).read_bytes()

    def media_chunks(self, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The recording's media as uploaded: MP3 speech header first (if any), then every segment."""
        header = self.part("speech_header")
        if header:
            yield header
        for segment in self.segments():
            with segment.path.open("rb") as fh:
                while chunk := fh.read(chunk_size):
                    yield chunk

    def read_media(self, offset: int, size: int) -> bytes:
        """`size` bytes of the media (header + segments, as uploaded) from `offset`, for a resumed PATCH."""
        out = bytearray()
        position = 0
        header = self.part("speech_header") or b""
        pieces: list[tuple[int, Path | bytes]] = [(len(header), header)] if header else []
        pieces += [(s.size, s.path) for s in self.segments()]
        for length, source in pieces:
            if position + length <= offset:
                position += length
                continue
            start = max(0, offset - position)
            take = min(length - start, size - len(out))
            if isinstance(source, bytes):
                out += source[start : start + take]
            else:
                with source.open("rb") as fh:
                    fh.seek(start)
                    out += fh.read(take)
            position += length
            if len(out) >= size:
                break
        return bytes(out)

    def media_size(self) -> int:
        header = self.part("speech_header")
        return (len(header) if header else 0) + sum(s.size for s in self.segments())

    def media_sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.media_chunks():
            digest.update(chunk)
        return digest.hexdigest()

    @property
    def finished(self) -> bool:
        return self.has("finalized") or self.has("abandoned")


class RecordingStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def create(self, directory_id: str, **started: Any) -> LocalRecording:
        directory = self.root / directory_id
        directory.mkdir(parents=True, exist_ok=False)
        recording = LocalRecording(directory)
        recording.append("started", **started)
        return recording

    def open(self, recording_id: str) -> LocalRecording:
        return LocalRecording(self.root / recording_id)

    def all(self) -> list[LocalRecording]:
        return [LocalRecording(d) for d in sorted(self.root.iterdir()) if (d / "journal.jsonl").exists()]

    def unfinished(self) -> list[LocalRecording]:
        return [r for r in self.all() if not r.finished]
