"""The job scheduler's `advance`: every job runs at its own moment, including one already in flight."""

from __future__ import annotations

import asyncio

from recall_sim.seams import VirtualClock
from recall_sim.simulator.scheduler import Job, Scheduler
from recall_sim.simulator.store import MemoryStore


async def test_advance_lets_a_job_in_flight_finish_before_moving_the_clock(clock: VirtualClock) -> None:
    scheduler = Scheduler(MemoryStore(), clock)
    release = asyncio.Event()
    spans: list[tuple[str, float, float]] = []

    async def slow(job: Job) -> None:
        started = clock.timestamp()
        await release.wait()
        spans.append((job.kind, started, clock.timestamp()))

    async def later(job: Job) -> None:
        spans.append((job.kind, clock.timestamp(), clock.timestamp()))

    scheduler.register("slow", slow, concurrent=True)
    scheduler.register("later", later)
    scheduler.schedule("slow")
    scheduler.schedule("later", delay=600)
    start = clock.timestamp()
    await scheduler.run_due()  # as the runner does: the slow job is now in flight on its own
    advancing = asyncio.ensure_future(scheduler.advance(3600))
    for _ in range(5):
        await asyncio.sleep(0)
    release.set()
    await advancing
    # The slow job ended at the moment it started; the later one ran at its own moment after it.
    assert spans == [("slow", start, start), ("later", start + 600, start + 600)]
    assert clock.timestamp() == start + 3600
