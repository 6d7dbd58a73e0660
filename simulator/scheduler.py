"""Durable timed work: processing steps, webhook attempts and event dispatch are jobs in the store.

A job is due at a moment of the region's clock. One runner task runs due jobs oldest-due first and
sleeps on the clock until the next one (or until new work is scheduled). Because jobs live in the store,
a region restarted on its data directory picks up every pending step and retry where it left off; a job
is deleted only after its handler returns, so a crash mid-job runs it again (at least once, as Svix
delivers).

`advance(seconds)` steps through due jobs one moment at a time, so jumping a served region's clock by a
day runs each retry at its own simulated moment, not all at once at the end.

Most jobs run one after another, in due order. Kinds registered `concurrent` (webhook attempts, which may
wait up to 15 s on a slow receiver) run as tasks of their own, as Svix delivers in parallel: a hanging
receiver never holds up processing or other receivers.

On a store several processes share (PostgreSQL), a process takes a due job by leasing it (`FOR UPDATE
SKIP LOCKED`): a job is run by one process at a time. The lease is renewed while the job runs; a process
that dies holding it stops renewing, and once the lease expires another process takes the job over
(at least once, never lost). New work scheduled by another process is found by polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from recall_sim.seams import Clock, RealClock
from recall_sim.simulator.records import Reader, Record, Repository
from recall_sim.simulator.shared_clock import SharedClock
from recall_sim.simulator.store import Collection, Store

__all__ = ["Job", "JobHandler", "Scheduler"]

log = logging.getLogger("recall_sim.scheduler")

#: a handler that raises is retried this much later, at most `_MAX_CRASHES` times
_CRASH_BACKOFF = 60.0
_MAX_CRASHES = 5
#: on a shared store: real seconds between looks for due work other processes scheduled
_POLL_INTERVAL = 0.2
#: due jobs read from the store at once, at least (besides the running ones the read skips)
_BATCH = 64


class Job(Record):
    kind: str
    due_at: float
    payload: dict[str, Any] = {}
    crashes: int = 0


JobHandler = Callable[[Job], Awaitable[None]]


class Scheduler:
    def __init__(self, store: Store, clock: Clock, *, lease: float = 30.0) -> None:
        self.store = store
        self.clock = clock
        #: on a shared store: how long a taken job stays this process's without renewal
        self.lease = lease
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._renewer: asyncio.Task[None] | None = None
        self._jobs = Repository(store, Collection.JOBS, Job)
        self.jobs: Reader[Job] = self._jobs
        self.handlers: dict[str, JobHandler] = {}
        self.concurrent: set[str] = set()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None

    def register(self, kind: str, handler: JobHandler, *, concurrent: bool = False) -> None:
        self.handlers[kind] = handler
        if concurrent:
            self.concurrent.add(kind)

    def schedule(self, kind: str, payload: dict[str, Any] | None = None, *, delay: float = 0.0) -> Job:
        """Store a job due `delay` seconds from now. Call it inside the unit of work that caused it."""
        number = self.store.increment("job_seq")
        job = Job(
            id=f"job_{number:010d}",
            kind=kind,
            due_at=self.clock.timestamp() + max(0.0, delay),
            payload=payload or {},
        )
        self._jobs.put(job)
        if self._wake is not None:
            self._wake.set()
        return job

    def pending(self, kind: str | None = None) -> list[Job]:
        jobs = self.jobs.find(order_by="due_at")
        return jobs if kind is None else [j for j in jobs if j.kind == kind]

    def next_due_at(self) -> float | None:
        """When the next job that is not already running falls due."""
        if self.store.shared:
            return self.store.next_unleased_due_at(self.holder)
        for job in self.jobs.find(order_by="due_at", limit=len(self._running) + 1):
            if job.id not in self._running:
                return job.due_at
        return None

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def _due_batch(self) -> list[Job]:
        """Jobs due by now that are not running, in due order: one leased job on a shared store, else up
        to `_BATCH` of them from one read."""
        if self.store.shared:
            doc = self.store.lease_due_job(self.clock.timestamp(), self.holder, self.lease)
            return [] if doc is None else [Job.model_validate(doc)]
        # Running jobs stay in the store until they finish, so a read skips past them: one read per
        # batch, not per job, or a burst of k concurrent attempts costs k reads of k jobs each. A batch
        # is as large as what is running (64 at least), so a burst of k costs about 2k documents read
        # in all, not k * k / 64; the ones running are skipped without being validated again.
        now = self.clock.timestamp()
        running = len(self._running)
        due: list[Job] = []
        for doc in self.store.find(Collection.JOBS, order_by="due_at", limit=running + max(_BATCH, running)):
            if doc["due_at"] > now:
                break
            if doc["id"] not in self._running:
                due.append(Job.model_validate(doc))
        return due

    async def run_due(self) -> int:
        """Start every job due by now, in due order (creation order among equals); sequential kinds
        finish before the next job starts. Returns how many were started.

        A batch keeps the order one read per job would give: a job scheduled while the batch runs is
        due now or later, and so sorts after every job in it (creation order breaks the tie)."""
        ran = 0
        async with self._get_lock():
            while batch := self._due_batch():
                awaited = False
                for read in batch:
                    # Nothing else touches the store until this loop awaits a sequential job; after one,
                    # read the next job again: that job may have removed it (a reset, say).
                    job = self.jobs.get(read.id) if awaited else read
                    if job is None:
                        continue
                    if job.kind in self.concurrent:
                        task = asyncio.get_running_loop().create_task(self._run(job), name=f"job {job.id}")
                        self._running[job.id] = task
                        task.add_done_callback(functools.partial(self._finished, job.id))
                    else:
                        await self._run(job)
                        awaited = True
                    ran += 1
        return ran

    def _finished(self, job_id: str, _: object = None) -> None:
        # No wake-up: a job that ends leaves nothing new to run (whatever it scheduled woke the runner
        # already, and a crashed job's retry wakes it in `_run`), and a burst of k attempts would
        # otherwise make the runner look for due work k times.
        self._running.pop(job_id, None)

    async def wait_for(self, job_id: str) -> None:
        """Wait until the job, if it is running as a task of its own, has finished."""
        task = self._running.get(job_id)
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until no concurrent job is running."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:
            log.error("no handler for job %s (%s); dropping it", job.id, job.kind)
            self._jobs.delete(job.id)
            return
        try:
            await handler(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
            if job.crashes + 1 >= _MAX_CRASHES:
                self._jobs.delete(job.id)
            else:
                retry = job.model_copy(
                    update={"crashes": job.crashes + 1, "due_at": job.due_at + _CRASH_BACKOFF}
                )
                with self.store.transaction():
                    self._jobs.put(retry)
                    if self.store.shared:
                        self.store.release_lease(job.id, self.holder)
                if self._wake is not None:
                    self._wake.set()  # the runner may be asleep until a later job: the retry is sooner
            return
        self._jobs.delete(job.id)

    async def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`, stopping at each due job's moment to run it."""
        target = self.clock.timestamp() + seconds
        while True:
            # Work already in flight (started by the runner, not by this advance) ends at the moment
            # it began: a webhook attempt signed now must not reach its receiver hours later.
            await self.drain()
            due = self.next_due_at()
            if due is None or due > target:
                break
            now = self.clock.timestamp()
            if due > now:
                self.clock.advance(due - now)
            await self.run_due()
            await self.drain()
        now = self.clock.timestamp()
        if target > now:
            self.clock.advance(target - now)
        await self.run_due()
        await self.drain()

    async def _run_forever(self) -> None:
        while True:
            if self._polls and isinstance(self.clock, SharedClock):
                self.clock.refresh()  # advances other processes made
            await self.run_due()
            self._wake = asyncio.Event()
            due = self.next_due_at()
            sleeper = asyncio.ensure_future(self._wake.wait() if due is None else self._sleep_or_wake(due))
            try:
                if self._polls:
                    # Other processes schedule work too, and nothing here hears of it: look again soon.
                    await asyncio.wait({sleeper}, timeout=_POLL_INTERVAL)
                else:
                    await sleeper
            finally:
                sleeper.cancel()

    async def _sleep_or_wake(self, due: float) -> None:
        assert self._wake is not None
        waker = asyncio.ensure_future(self._wake.wait())
        sleeper = asyncio.ensure_future(self.clock.sleep_until(due))
        try:
            await asyncio.wait({waker, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waker.cancel()
            sleeper.cancel()

    async def _renew_leases(self) -> None:
        """Keep the jobs this process is running its own: a third of the lease, then renew."""
        while True:
            await asyncio.sleep(self.lease / 3)
            self.store.renew_leases(self.holder, self.lease)

    @property
    def _polls(self) -> bool:
        """Whether to look for other processes' work and renew leases on a timer: on a shared store,
        on real time. On virtual time (tests, scenarios) the region is the only process: its own
        scheduling wakes it, and a timer would only make the loop spin through simulated days."""
        return self.store.shared and isinstance(self.clock, RealClock)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._run_forever(), name="recall-sim scheduler"
            )
        if self._polls and (self._renewer is None or self._renewer.done()):
            self._renewer = asyncio.get_running_loop().create_task(
                self._renew_leases(), name="recall-sim job leases"
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        renewer, self._renewer = self._renewer, None
        tasks = [t for t in [task, renewer, *self._running.values()] if t is not None]
        for pending in tasks:
            pending.cancel()
        for pending in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await pending
        self._running.clear()
        if self.store.shared:
            # Stopped, not killed: what this process held goes back to the queue at once.
            self.store.release_leases(self.holder)
        self._wake = None
        self._lock = None
