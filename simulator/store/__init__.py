"""Where a region keeps its state: documents (memory or SQLite) and media blobs (filesystem)."""

from simulator.store.base import COLLECTIONS, Doc, Store
from simulator.store.blobs import BlobStore, UnsafeBlobKey
from simulator.store.memory import MemoryStore
from simulator.store.sqlite import SqliteStore

__all__ = ["COLLECTIONS", "BlobStore", "Doc", "MemoryStore", "SqliteStore", "Store", "UnsafeBlobKey"]
