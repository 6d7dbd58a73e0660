"""The one place that reads time.

Everything in recall-sim that waits, stamps, times out or retries asks a :class:`Clock`:

- :class:`RealClock` follows the machine's clock, optionally scaled (``scale=60`` runs one simulated
  minute per real second, ``scale=0`` freezes time so that only :meth:`Clock.advance` moves it) and
  shifted forward by explicit advances. Served mode uses it.
- :class:`VirtualClock` moves only when told to, or, when it drives a
  :class:`seams.loop.VirtualTimeEventLoop`, by jumping to the next timer whenever every task is idle.
  Scenarios use it: a day of webhook retries passes in milliseconds and every run is repeatable.

:func:`machine_timestamp` is the machine's own time, never scaled or advanced: for the one stamp that
must follow it whatever the region's clock says, a webhook signature that a partner's receiver checks
against its own clock.
"""

from __future__ import annotations

import asyncio
import time as _time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["DEFAULT_EPOCH", "Clock", "RealClock", "VirtualClock", "isoformat", "machine_timestamp"]

#: Where virtual time starts unless a scenario says otherwise: a fixed instant, so traces are stable.
DEFAULT_EPOCH = datetime(2025, 1, 6, 9, 0, 0, tzinfo=UTC)


def isoformat(moment: datetime) -> str:
    """Recall's timestamp format, the one every body the region sends uses (REST, webhooks, real-time
    events, downloads): ISO 8601 in UTC with microseconds and a `Z` (`2024-10-18T15:12:01.032224Z`)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def machine_timestamp() -> float:
    """Seconds since the Unix epoch by the machine's clock: what `time.time()` says, unscaled and never
    advanced. Nothing that decides what happens reads it; it only stamps values meant for programs
    outside the simulation, which compare them with their own clocks."""
    return _time.time()


@runtime_checkable
class Clock(Protocol):
    """What the simulator, the recorder and the scenarios need from time."""

    def timestamp(self) -> float:
        """Seconds since the Unix epoch, as this clock sees it."""
        ...

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` at once (never backwards)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...

    async def sleep_until(self, timestamp: float) -> None:
        """Wait until :meth:`timestamp` reaches ``timestamp``."""
        ...


class _ClockBase:
    def timestamp(self) -> float:
        raise NotImplementedError

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), tz=UTC)

    async def sleep_until(self, timestamp: float) -> None:
        await self.sleep(max(0.0, timestamp - self.timestamp()))

    async def sleep(self, seconds: float) -> None:
        raise NotImplementedError


class RealClock(_ClockBase):
    """The machine's clock, scaled by ``scale`` and shifted by :meth:`advance`.

    Sleepers wake early when the clock is advanced past their deadline, so a control-plane
    ``advance`` in served mode releases whatever was waiting for that moment.
    """

    def __init__(self, scale: float = 1.0) -> None:
        if scale < 0:
            raise ValueError("scale must be >= 0")
        self.scale = scale
        self._origin_wall = _time.time()
        self._origin_mono = _time.monotonic()
        self._offset = 0.0
        #: who waits in `sleep_until`: woken early when the clock is moved past their moment
        self._sleepers: set[asyncio.Future[None]] = set()

    def timestamp(self) -> float:
        elapsed = (_time.monotonic() - self._origin_mono) * self.scale
        return self._origin_wall + elapsed + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += seconds
        self._wake_sleepers()

    def origin(self) -> tuple[float, float]:
        """(the machine's time, this clock's time) at one moment: an origin other processes can follow."""
        return _time.time(), self.timestamp()

    def follow(self, wall: float, at: float, scale: float, advanced: float, *, first: bool = False) -> None:
        """Run as the clock that read `at` when the machine's time was `wall`, at `scale`, moved on by
        `advanced` seconds of advances since: processes following one origin agree on the time. Never
        backwards (a reading already given out stays in the past), unless `first`: before this clock
        has been read."""
        before = self.timestamp()
        self.scale = scale
        self._origin_mono = _time.monotonic()
        self._origin_wall = at + (_time.time() - wall) * scale
        self._offset = advanced
        behind = before - self.timestamp()
        if behind > 0 and not first:
            self._offset += behind
        if self.timestamp() > before:
            self._wake_sleepers()

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self.timestamp() + max(0.0, seconds))

    def _wake_sleepers(self) -> None:
        sleepers, self._sleepers = self._sleepers, set()
        for sleeper in sleepers:
            _wake(sleeper)

    async def sleep_until(self, timestamp: float) -> None:
        # One future and one timer per wait (not an Event and `wait_for`'s task around it): every
        # webhook attempt of a served region waits on its deadline like this.
        loop = asyncio.get_running_loop()
        while (remaining := timestamp - self.timestamp()) > 0:
            sleeper: asyncio.Future[None] = loop.create_future()
            self._sleepers.add(sleeper)
            timer = None if self.scale == 0 else loop.call_later(remaining / self.scale, _wake, sleeper)
            try:
                await sleeper
            finally:
                if timer is not None:
                    timer.cancel()
                self._sleepers.discard(sleeper)


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)


class VirtualClock(_ClockBase):
    """Simulated time: it moves only through :meth:`advance` or the event loop it drives.

    Inside a :class:`seams.loop.VirtualTimeEventLoop` built on this clock, ``await clock.sleep(s)``
    lets ``s`` seconds pass with every timer in between firing at its own moment; outside such a
    loop :meth:`sleep` refuses, because nothing would ever wake it deterministically.
    """

    def __init__(self, start: datetime = DEFAULT_EPOCH) -> None:
        self._epoch = start.timestamp()
        self._elapsed = 0.0

    def timestamp(self) -> float:
        return self._epoch + self._elapsed

    def monotonic(self) -> float:
        """Seconds since this clock started; the event loop's notion of time."""
        return self._elapsed

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._elapsed += seconds

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if getattr(loop, "clock", None) is not self:
            raise RuntimeError(
                "VirtualClock.sleep() needs a seams.loop.VirtualTimeEventLoop built on this clock; "
                "run the coroutine with seams.run_virtual(coro, clock)"
            )
        await asyncio.sleep(max(0.0, seconds))
