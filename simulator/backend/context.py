"""What every part of the backend shares: settings, clock, store, blobs, ids, and the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from seams import Clock, Randomness, RealClock
from simulator.ids import Ids
from simulator.scheduler import Scheduler
from simulator.settings import Settings
from simulator.store import BlobStore, Store

__all__ = ["Context"]

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
        self.scheduler = Scheduler(self.store, self.clock)

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
        restarted on its data directory never hands out an id twice."""
        with self.store.transaction():
            yield
            self.store.put_meta("rng_positions", self.randomness.positions())
