"""One process serves a data directory: `recall-sim serve` holds `recall-sim.lock` in it while it runs.

Two regions on one SQLite file would each keep their own clock, id streams and job queue and overwrite
each other's view of the world; the second is refused, naming the first by its pid. The lock is an
advisory `flock` the kernel releases when the holder dies, so a crashed server never leaves a stale lock
behind (the pid in the file is only what the refusal shows).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import IO

from recall_sim.simulator.errors import DataDirInUse

__all__ = ["LOCK_NAME", "DataDirInUse", "lock_data_dir"]

LOCK_NAME = "recall-sim.lock"


def lock_data_dir(data_dir: Path) -> IO[str]:
    """Hold the data directory's lock for as long as the returned file stays open (the process's life,
    for `serve`); raises DataDirInUse when another process holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_NAME
    handle = path.open("a+", encoding="ascii")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        text = handle.read().strip()
        handle.close()
        raise DataDirInUse(data_dir, int(text) if text.isdigit() else None) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def release(handle: IO[str]) -> None:
    with contextlib.suppress(OSError):
        handle.close()
