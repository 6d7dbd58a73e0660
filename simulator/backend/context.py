"""What every part of the backend shares: settings, clock, store, blobs, ids, and the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from seams import Clock, Randomness
from simulator.ids import Ids
from simulator.scheduler import Scheduler
from simulator.settings import Settings
from simulator.store import BlobStore, Store

__all__ = ["Context"]


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

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One atomic change of state. The random streams' positions are saved with it, so a region
        restarted on its data directory never hands out an id twice."""
        with self.store.transaction():
            yield
            self.store.put_meta("rng_positions", self.randomness.positions())
