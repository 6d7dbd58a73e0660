"""Where a scenario's throw-away directories go: RAM-backed when the machine has room there.

A scenario's desktop recordings, region blobs and journals live for one run and are removed at its end.
The code under test still writes, syncs and renames exactly as it does on a real disk (every `fsync`
is made, in the same order); only the medium differs. On a disk each of those syncs waits for the
device, which was a fifth of a scenario's wall time; on tmpfs the bytes are on the medium when the
write returns. `TMPDIR`, when set, wins: a developer who points scratch space elsewhere keeps it there.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["scratch_directory"]

_RAM = Path("/dev/shm")
#: the free space tmpfs must have left to be chosen; containers often mount a 64 MiB /dev/shm
_ROOM = 512 * 1024 * 1024


def _ram_root() -> Path | None:
    if os.environ.get("TMPDIR"):
        return None
    try:
        stats = os.statvfs(_RAM)
    except OSError:
        return None
    if stats.f_bavail * stats.f_frsize < _ROOM or not os.access(_RAM, os.W_OK | os.X_OK):
        return None
    return _RAM


def scratch_directory(prefix: str) -> Path:
    """A new, empty directory for one run; the caller removes it."""
    root = _ram_root()
    return Path(tempfile.mkdtemp(prefix=prefix, dir=None if root is None else str(root)))
