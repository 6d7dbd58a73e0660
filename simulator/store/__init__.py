"""Where a region keeps its state: documents (memory, SQLite or PostgreSQL) and media blobs (filesystem).

The PostgreSQL store (`simulator.store.postgres`) is imported only when asked for: psycopg is an extra."""

from simulator.store.base import COLLECTIONS, Doc, Store
from simulator.store.blobs import BlobStore, UnsafeBlobKey
from simulator.store.memory import MemoryStore
from simulator.store.sqlite import SqliteStore

__all__ = ["COLLECTIONS", "BlobStore", "Doc", "MemoryStore", "SqliteStore", "Store", "UnsafeBlobKey"]
