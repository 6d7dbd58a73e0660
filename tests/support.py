"""Helpers shared by the project's tests: an in-process region and clients that speak to it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from recall_sim.seams import VirtualClock
from recall_sim.simulator import ControlPlane, Region, Settings, create_app
from recall_sim.simulator.store import BlobStore, MemoryStore, SqliteStore, Store
from tests.postgres import PostgresSchemas

BASE_URL = "http://testserver"


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


@dataclass
class Sim:
    """One in-process region: its app, its control plane, and clients for its API."""

    region: Region
    app: FastAPI
    clock: VirtualClock
    data_dir: Path
    store_kind: str
    webhook_transport: httpx.AsyncBaseTransport | None = None
    realtime_transport: httpx.AsyncBaseTransport | None = None
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def api_key(self) -> str:
        return self.region.default_api_key.id

    @property
    def control(self) -> ControlPlane:
        return ControlPlane(self.region)

    def client(self, api_key: str | None = "default", **headers: str) -> httpx.AsyncClient:
        """An httpx client over the ASGI app; `api_key=None` sends no Authorization header."""
        if api_key == "default":
            api_key = self.api_key
        if api_key is not None:
            headers.setdefault("Authorization", f"Token {api_key}")
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL, headers=headers
        )
        self._clients.append(client)
        return client

    def restart(self, **settings: Any) -> Sim:
        """A new region process on the same store location (SQLite only makes this meaningful)."""
        self.region.close()
        store, blobs = open_parts(self.store_kind, self.data_dir)
        if self.store_kind == "memory":
            store = self.region.store  # memory survives only within the process: reuse it
        region = Region(
            self.region.settings.model_copy(update=settings),
            clock=self.clock,
            store=store,
            blobs=blobs,
            webhook_transport=self.webhook_transport,
            realtime_transport=self.realtime_transport,
        )
        return Sim(
            region,
            create_app(region=region),
            self.clock,
            self.data_dir,
            self.store_kind,
            self.webhook_transport,
            self.realtime_transport,
        )

    async def aclose(self) -> None:
        """Stop the region's background work and close the clients (the store stays open)."""
        await self.region.stop()
        for client in self._clients:
            await client.aclose()
        self._clients.clear()

    def close(self) -> None:
        self.region.close()


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
    store, blobs = open_parts(store_kind, data_dir)
    region = Region(
        Settings(seed=1234, **settings),
        clock=clock,
        store=store,
        blobs=blobs,
        webhook_transport=webhook_transport,
        realtime_transport=realtime_transport,
    )
    app = create_app(region=region)
    return Sim(region, app, clock, data_dir, store_kind, webhook_transport, realtime_transport)
