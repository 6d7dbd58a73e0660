"""The job scheduler's `advance`: every job runs at its own moment, including one already in flight."""

from __future__ import annotations

import asyncio
from typing import Any

from recall_sim.seams import VirtualClock
from recall_sim.simulator.scheduler import Job, Scheduler
from recall_sim.simulator.store import Doc, MemoryStore


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


class _CountingStore(MemoryStore):
    """A memory store that counts reads of the job queue."""

    def __init__(self) -> None:
        super().__init__()
        self.job_reads = 0
        self.job_documents_read = 0

    def find(self, collection: str, **kwargs: Any) -> list[Doc]:
        docs = super().find(collection, **kwargs)
        if collection == "jobs":
            self.job_reads += 1
            self.job_documents_read += len(docs)
        return docs


async def test_a_burst_of_concurrent_jobs_starts_from_a_few_reads_of_the_queue(clock: VirtualClock) -> None:
    # Running jobs stay in the store until they finish: reading the queue once per job started would
    # read every running job again each time (a burst of k webhook attempts, k reads of k jobs).
    store = _CountingStore()
    scheduler = Scheduler(store, clock)
    release = asyncio.Event()
    started: list[str] = []

    async def attempt(job: Job) -> None:
        started.append(job.id)
        await release.wait()

    scheduler.register("attempt", attempt, concurrent=True)
    jobs = [scheduler.schedule("attempt") for _ in range(300)]
    assert await scheduler.run_due() == 300
    assert started == []  # started as tasks of their own, not yet run
    assert store.job_reads <= 10
    release.set()
    await scheduler.drain()
    assert started == [j.id for j in jobs]
    assert scheduler.pending() == []


async def test_a_larger_burst_reads_each_job_a_bounded_number_of_times(clock: VirtualClock) -> None:
    # Each read skips the running jobs first; batches of a fixed size would read the k running ones
    # again k / 64 times (1000 attempts: about 8,000 documents read), batches that grow with what is
    # running read each about twice.
    store = _CountingStore()
    scheduler = Scheduler(store, clock)
    release = asyncio.Event()
    started: list[str] = []

    async def attempt(job: Job) -> None:
        await release.wait()
        started.append(job.id)

    scheduler.register("attempt", attempt, concurrent=True)
    jobs = [scheduler.schedule("attempt") for _ in range(1000)]
    assert await scheduler.run_due() == 1000
    assert store.job_documents_read <= 3 * 1000
    release.set()
    await scheduler.drain()
    assert started == [j.id for j in jobs]
    assert scheduler.pending() == []


async def test_jobs_run_in_due_order_when_earlier_ones_schedule_or_remove_others(clock: VirtualClock) -> None:
    scheduler = Scheduler(MemoryStore(), clock)
    ran: list[str] = []

    async def step(job: Job) -> None:
        ran.append(job.payload["name"])
        if job.payload["name"] == "first":
            scheduler.schedule("step", {"name": "scheduled by first"})
            scheduler.jobs.delete(job.payload["remove"])

    scheduler.register("step", step)
    doomed = scheduler.schedule("step", {"name": "removed by first"}, delay=1)
    scheduler.schedule("step", {"name": "first", "remove": doomed.id})
    scheduler.schedule("step", {"name": "second"})
    scheduler.schedule("step", {"name": "later"}, delay=2)
    clock.advance(1)
    await scheduler.run_due()
    assert ran == ["first", "second", "scheduled by first"]
    assert [j.payload["name"] for j in scheduler.pending()] == ["later"]
