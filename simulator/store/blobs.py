"""Media blobs on the filesystem, under the data directory; never anywhere else.

Keys are relative POSIX paths made by the region itself (``uploads/<id>/<part>``); anything that would
resolve outside the root is refused, whatever a client sent. The check is on the key's text alone: the
root is resolved once, and the region never makes a link inside it, so a key that stays under the root
once its `.` and `..` are folded stays under it on disk too, without a filesystem call per access.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from recall_sim.simulator.errors import UnsafeBlobKey

__all__ = ["BlobStore", "UnsafeBlobKey"]

_CHUNK = 1024 * 1024


class BlobStore:
    def __init__(self, root: Path, *, temporary: bool = False) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        #: a folder made for an in-memory region: removed when the region closes
        self.temporary = temporary

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.root, ignore_errors=True)

    def path(self, key: str) -> Path:
        if not key or key.startswith(("/", "\\")) or "\x00" in key:
            raise UnsafeBlobKey(key)
        # `normpath` folds `.`, `..` and doubled separators as `resolve` would, on the text only.
        folded = os.path.normpath(key)
        if folded == "." or folded == ".." or folded.startswith(("../", "/")):
            raise UnsafeBlobKey(key)  # the root itself, or somewhere above it
        return self.root / folded

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def open_append(self, key: str) -> BinaryIO:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("ab")

    def truncate(self, key: str, size: int) -> None:
        with self.path(key).open("r+b") as fh:
            fh.truncate(size)

    def write_bytes(self, key: str, data: bytes) -> None:
        """Write atomically: a reader sees the old blob or the new one, never half of it."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def iter_chunks(self, key: str, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        with self.path(key).open("rb") as fh:
            while chunk := fh.read(chunk_size):
                yield chunk

    def copy(self, source: str, target: str) -> None:
        dst = self.path(target)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path(source), dst)

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        path = self.path(prefix)
        if path.is_dir():
            shutil.rmtree(path)

    def clear(self) -> None:
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
