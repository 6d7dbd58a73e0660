"""Starting a file's writeback early: the disk writes a big upload while the rest of it arrives.

A tus PATCH is acknowledged only once its bytes are on disk (`fsync`). Left alone, the kernel keeps them
in memory until that `fsync`, and the client then waits for the whole PATCH to reach the disk. Asking
the kernel to start writing each range as soon as it is written (Linux's `sync_file_range` with
`SYNC_FILE_RANGE_WRITE`, which does not wait) overlaps the disk's work with the network's; the `fsync`
before the answer still decides durability, and only has the tail left to wait for.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable

__all__ = ["start_writeback"]

#: linux/fs.h: start writing out the range's dirty pages, do not wait for them
SYNC_FILE_RANGE_WRITE = 2


def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):  # not glibc or musl: no early writeback, fsync does it all
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    function: Callable[[int, int, int, int], int] = call
    return function


_CALL = _sync_file_range()


def start_writeback(fd: int, offset: int, length: int) -> bool:
    """Start writing `length` bytes at `offset` of the file `fd` to disk, without waiting; False where
    the system cannot (the later `fsync` then writes everything). Never a substitute for that `fsync`."""
    if _CALL is None or length <= 0:
        return False
    return _CALL(fd, offset, length, SYNC_FILE_RANGE_WRITE) == 0
