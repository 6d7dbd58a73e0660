"""An asyncio event loop whose time is a :class:`~seams.clock.VirtualClock`.

Whenever no callback is ready and no I/O is pending, the loop jumps its clock straight to the next
timer instead of waiting for it. Every ``asyncio.sleep``, ``wait_for`` timeout and ``call_later`` in
the program therefore runs on simulated time, in a fixed order, as fast as the CPU allows. This is
what lets a scenario play an hour-long meeting followed by a day of webhook retries in seconds, with
a byte-identical trace on every run.

Code that runs on this loop must not hand work to threads: time would jump while a thread works.
Real I/O (a socket, a thread's wake-up) is still served, so a forgotten thread shows up as a
nondeterministic trace rather than a hang.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

from recall_sim.seams.clock import VirtualClock

__all__ = ["VirtualLoopDeadlock", "VirtualTimeEventLoop", "run_virtual"]

T = TypeVar("T")

_Key = selectors.SelectorKey
_Events = list[tuple[_Key, int]]


class VirtualLoopDeadlock(RuntimeError):
    """Every task waits, no timer is scheduled and no I/O arrived: nothing can ever happen again."""


class _VirtualSelector(selectors.BaseSelector):
    """Wraps the real selector: polls I/O without blocking, then lets virtual time jump."""

    def __init__(self, clock: VirtualClock, deadlock_after: float) -> None:
        self._real = selectors.DefaultSelector()
        self._clock = clock
        self._deadlock_after = deadlock_after

    def register(self, fileobj: Any, events: int, data: Any = None) -> _Key:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> _Key:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> _Key:
        return self._real.modify(fileobj, events, data)

    def get_map(self) -> Mapping[Any, _Key]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None) -> _Events:
        ready = self._real.select(0)
        if ready:
            return ready
        if timeout is None:
            # Nothing is scheduled: only real I/O (a thread finishing, a socket) can still wake us.
            ready = self._real.select(self._deadlock_after)
            if not ready:
                raise VirtualLoopDeadlock(
                    "no task can make progress: every task waits for something that nothing will do"
                )
            return ready
        if timeout > 0:
            self._clock.advance(timeout)
        return []


class VirtualTimeEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop that reads time from ``clock`` and skips idle waits."""

    def __init__(self, clock: VirtualClock | None = None, *, deadlock_after: float = 30.0) -> None:
        self.clock = clock or VirtualClock()
        super().__init__(selector=_VirtualSelector(self.clock, deadlock_after))

    def time(self) -> float:
        return self.clock.monotonic()

    def next_timer_in(self) -> float | None:
        """Seconds until the earliest live timer, or None when no timer is scheduled."""
        scheduled = [h for h in self._scheduled if not h.cancelled()]  # type: ignore[attr-defined]
        if not scheduled:
            return None
        earliest: float = min(h.when() for h in scheduled)
        return max(0.0, earliest - self.time())


def run_virtual(main: Coroutine[Any, Any, T], clock: VirtualClock | None = None) -> T:
    """Run ``main`` to completion on a fresh :class:`VirtualTimeEventLoop` (like ``asyncio.run``)."""
    with asyncio.Runner(loop_factory=lambda: VirtualTimeEventLoop(clock)) as runner:
        return runner.run(main)
