"""Where a region keeps its state: documents (memory, SQLite or PostgreSQL) and media blobs (filesystem).

The PostgreSQL store (`simulator.store.postgres`) is imported only when asked for: psycopg is an extra."""

from recall_sim.simulator.store.base import COLLECTIONS, Doc, Store
from recall_sim.simulator.store.blobs import BlobStore, UnsafeBlobKey
from recall_sim.simulator.store.collections import Collection
from recall_sim.simulator.store.memory import MemoryStore
from recall_sim.simulator.store.sqlite import SqliteStore

__all__ = [
    "COLLECTIONS",
    "BlobStore",
    "Collection",
    "Doc",
    "MemoryStore",
    "SqliteStore",
    "Store",
    "UnsafeBlobKey",
]
