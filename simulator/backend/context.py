"""What every part of the backend shares: settings, clock, store, blobs, ids, and the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from recall_sim.seams import Clock, Randomness, RealClock
from recall_sim.simulator.ids import Ids
from recall_sim.simulator.scheduler import Scheduler
from recall_sim.simulator.settings import Settings
from recall_sim.simulator.store import BlobStore, Store

__all__ = ["CLOCK_META", "Context"]

#: the store's meta key holding the latest clock reading the region made durable
CLOCK_META = "clock"

T = TypeVar("T")


@dataclass
class Context:
    settings: Settings
    clock: Clock
    randomness: Randomness
    store: Store
    blobs: BlobStore

    def __post_init__(self) -> None:
        self.ids = Ids(self.randomness)
        self.scheduler = Scheduler(self.store, self.clock, lease=self.settings.job_lease)

    def now(self) -> datetime:
        return self.clock.now()

    async def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking work (decoding, hashing, copying media). A served region hands it to a worker
        thread so requests keep flowing; on virtual time it runs in place, keeping runs repeatable."""
        if isinstance(self.clock, RealClock):
            return await asyncio.to_thread(fn, *args)
        return fn(*args)

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One atomic change of state. The random streams' positions are saved with it, so a region
        restarted on its data directory never hands out an id twice, and so is the clock's reading, so
        that it never restarts before a moment it has stamped on anything."""
        with self.store.transaction():
            yield
            if self.store.shared:
                # Each process draws from streams of its own (Region._randomness), and the clock is the
                # machine's: neither needs saving, and every process writing the same two rows in every
                # unit of work would make them take turns.
                return
            self.store.put_meta("rng_positions", self.randomness.positions())
            self.remember_clock()

    def remember_clock(self) -> None:
        """Keep the clock's reading: a restart on the data directory goes on from at least here."""
        self.store.put_meta(CLOCK_META, self.clock.timestamp())

    def resume_clock(self) -> None:
        """After a restart, move the clock up to the latest reading kept, if it is behind it: a clock
        moved on by hand or running faster than real time would otherwise start again from the
        machine's time, and the region would stamp moments earlier than ones it already handed out."""
        if self.store.shared:
            return  # the processes sharing the store follow one clock kept there (shared_clock.py)
        kept = self.store.get_meta(CLOCK_META)
        if kept is not None and float(kept) > self.clock.timestamp():
            self.clock.advance(float(kept) - self.clock.timestamp())
