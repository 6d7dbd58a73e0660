"""The project's tests' region: the pytest plugin's in-process region (scenarios.harness.RecallRegion)
on one of the three stores (memory, SQLite, PostgreSQL), restartable on that store."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx

from recall_sim.scenarios.harness import RecallRegion
from recall_sim.scenarios.options import RegionOptions
from recall_sim.seams import VirtualClock
from recall_sim.simulator import Settings
from recall_sim.simulator.store import BlobStore, MemoryStore, SqliteStore, Store
from tests.postgres import PostgresSchemas

BASE_URL = "http://testserver"
#: the seed of every test region (Settings.seed) unless a test gives another
SEED = 1234


#: the test session's PostgreSQL schemas (tests/postgres.py), set when a test first asks for that store
postgres_schemas: PostgresSchemas | None = None


def open_parts(store_kind: str, data_dir: Path) -> tuple[Store, BlobStore]:
    store: Store
    if store_kind == "memory":
        store = MemoryStore()
    elif store_kind == "sqlite":
        store = SqliteStore(data_dir / "db.sqlite3")
    elif store_kind == "postgresql":
        if postgres_schemas is None:
            raise RuntimeError("the postgresql store needs the store_kind fixture (tests/conftest.py)")
        # One schema per data directory: a restart on the same directory finds the same state.
        name = "t_" + hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:20]
        store = postgres_schemas.open(name)
    else:
        raise ValueError(f"unknown store kind {store_kind!r}")
    return store, BlobStore(data_dir / "blobs")


class Sim(RecallRegion):
    """A RecallRegion on a chosen store in `data_dir`, answering at http://testserver; the plugin runs
    `async def` tests on its clock with the region's background work running."""

    base_url = BASE_URL

    def __init__(
        self,
        clock: VirtualClock,
        data_dir: Path,
        store_kind: str,
        settings: Settings,
        *,
        store: Store | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        realtime_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        opened, blobs = open_parts(store_kind, data_dir)
        super().__init__(
            RegionOptions(seed=settings.seed, profile=settings.profile),
            clock,
            settings=settings,
            store=store or opened,
            blobs=blobs,
            webhook_transport=webhook_transport,
            realtime_transport=realtime_transport,
        )
        self.data_dir = data_dir
        self.store_kind = store_kind
        self.webhook_transport = webhook_transport
        self.realtime_transport = realtime_transport

    def restart(self, **settings: Any) -> Sim:
        """A new region process on the same store location (SQLite only makes this meaningful); this
        one's store is closed, so nothing of it runs at the test's end."""
        self._ended = True
        self.region.close()
        return Sim(
            self.clock,
            self.data_dir,
            self.store_kind,
            self.region.settings.model_copy(update=settings),
            # memory survives only within the process: reuse it
            store=self.region.store if self.store_kind == "memory" else None,
            webhook_transport=self.webhook_transport,
            realtime_transport=self.realtime_transport,
        )


def make_sim(
    clock: VirtualClock,
    data_dir: Path,
    store_kind: str = "memory",
    *,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    realtime_transport: httpx.AsyncBaseTransport | None = None,
    **settings: Any,
) -> Sim:
    """A region on `clock`; `webhook_transport` carries its webhooks (e.g. to an in-process receiver),
    `realtime_transport` its connections to websocket real-time endpoints."""
    return Sim(
        clock,
        data_dir,
        store_kind,
        Settings(seed=SEED, **settings),
        webhook_transport=webhook_transport,
        realtime_transport=realtime_transport,
    )
