"""The clock and the virtual-time loop: time moves only as the seams allow, in a fixed order."""

from __future__ import annotations

import asyncio
import time

import pytest

from recall_sim.seams import (
    DEFAULT_EPOCH,
    RealClock,
    VirtualClock,
    VirtualLoopDeadlock,
    VirtualTimeEventLoop,
    run_virtual,
)


def test_virtual_clock_starts_at_the_epoch_and_only_moves_forward() -> None:
    clock = VirtualClock()
    assert clock.now() == DEFAULT_EPOCH
    clock.advance(90)
    assert clock.timestamp() == DEFAULT_EPOCH.timestamp() + 90
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_timers_fire_in_simulated_order_without_waiting() -> None:
    clock = VirtualClock()
    fired: list[tuple[str, float]] = []

    async def after(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        fired.append((name, clock.monotonic()))

    async def main() -> None:
        await asyncio.gather(after("day", 86400), after("five", 5), after("hour", 3600))

    started = time.perf_counter()
    run_virtual(main(), clock)
    assert fired == [("five", 5.0), ("hour", 3600.0), ("day", 86400.0)]
    assert time.perf_counter() - started < 2.0


def test_wait_for_timeouts_run_on_virtual_time() -> None:
    clock = VirtualClock()

    async def main() -> float:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.sleep(100), timeout=15)
        return clock.monotonic()

    assert run_virtual(main(), clock) == 15.0


def test_clock_sleep_refuses_a_foreign_loop() -> None:
    clock = VirtualClock()

    async def main() -> None:
        await clock.sleep(1)

    with pytest.raises(RuntimeError, match="VirtualTimeEventLoop"):
        asyncio.run(main())


def test_a_loop_where_nothing_can_happen_reports_deadlock() -> None:
    async def main() -> None:
        await asyncio.get_running_loop().create_future()

    loop = VirtualTimeEventLoop(deadlock_after=0.05)
    try:
        with pytest.raises(VirtualLoopDeadlock):
            loop.run_until_complete(main())
    finally:
        loop.close()


def test_next_timer_in_reports_the_earliest_live_timer() -> None:
    async def main() -> tuple[float | None, float | None]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeEventLoop)
        handle = loop.call_later(30, lambda: None)
        loop.call_later(50, lambda: None)
        first = loop.next_timer_in()
        handle.cancel()
        return first, loop.next_timer_in()

    assert run_virtual(main()) == (30.0, 50.0)


def test_real_clock_scales_and_advances() -> None:
    clock = RealClock(scale=0)
    start = clock.timestamp()
    assert clock.timestamp() == start  # frozen
    clock.advance(120)
    assert clock.timestamp() == pytest.approx(start + 120)

    async def main() -> float:
        waiter = asyncio.ensure_future(clock.sleep(60))
        await asyncio.sleep(0)
        assert not waiter.done()
        clock.advance(60)  # a frozen clock wakes its sleepers only when advanced
        await asyncio.wait_for(waiter, 1)
        return clock.timestamp()

    assert asyncio.run(main()) == pytest.approx(start + 180)
