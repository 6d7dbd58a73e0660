"""The store interface: JSON documents in named collections, a few fields indexed, atomic transactions.

Both implementations keep documents as JSON text, so what the in-memory store accepts the SQLite store
accepts too, and a document read back is always a fresh copy.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from recall_sim.simulator.errors import UnknownCollection
from recall_sim.simulator.store.collections import Collection

__all__ = ["COLLECTIONS", "Collection", "Doc", "Store", "UnknownCollection"]

Doc = dict[str, Any]

#: Every collection the region keeps, with the fields that `find` may filter or order on.
COLLECTIONS: dict[str, tuple[str, ...]] = {
    Collection.WORKSPACES: (),
    Collection.API_KEYS: ("workspace_id",),
    Collection.SDK_UPLOADS: ("workspace_id",),
    Collection.UPLOAD_TOKENS: ("sdk_upload_id",),
    Collection.RECORDINGS: ("workspace_id", "sdk_upload_id"),
    Collection.ARTIFACTS: ("workspace_id", "recording_id", "kind"),
    Collection.IDEMPOTENCY: ("workspace_id",),
    Collection.INGEST_FILES: ("sdk_upload_id",),
    Collection.JOBS: ("due_at",),
    Collection.EVENTS: ("workspace_id",),
    Collection.WEBHOOK_ENDPOINTS: ("workspace_id",),
    Collection.WEBHOOK_MESSAGES: ("workspace_id", "event_id"),
    Collection.WEBHOOK_ATTEMPTS: ("message_id", "endpoint_id"),
    Collection.WEBHOOK_WORKSPACE_SECRETS: (),
    Collection.REALTIME_SESSIONS: (),
    Collection.REALTIME_DELIVERIES: ("recording_id", "endpoint_id"),
}


def check_collection(collection: str) -> tuple[str, ...]:
    try:
        return COLLECTIONS[collection]
    except KeyError:
        raise UnknownCollection(collection) from None


def check_indexed(collection: str, fields: Iterator[str] | tuple[str, ...] | list[str]) -> None:
    indexed = check_collection(collection)
    for field in fields:
        if field not in indexed:
            raise ValueError(f"{collection}.{field} is not indexed; add it to COLLECTIONS")


class Store(ABC):
    """Documents by collection and id; insertion order is kept and is the order `find` returns."""

    # Every store keeps a document as its JSON text (so what one store accepts the others accept too):
    # the text is what a store reads, and a document is that text parsed.

    @abstractmethod
    def get_json(self, collection: str, doc_id: str) -> str | None:
        """The document as its JSON text, for a reader that parses and validates it in one step."""

    def get(self, collection: str, doc_id: str) -> Doc | None:
        text = self.get_json(collection, doc_id)
        return None if text is None else dict(json.loads(text))

    @abstractmethod
    def find_json(
        self,
        collection: str,
        *,
        where: Mapping[str, Any] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        """Documents whose indexed ``where`` fields equal the given values, as their JSON text, in
        insertion order (or by the indexed field ``order_by``, then insertion order)."""

    def find(
        self,
        collection: str,
        *,
        where: Mapping[str, Any] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
    ) -> list[Doc]:
        """`find_json`'s documents, parsed."""
        texts = self.find_json(collection, where=where, order_by=order_by, limit=limit)
        return [dict(json.loads(text)) for text in texts]

    @abstractmethod
    def put(self, collection: str, doc: Mapping[str, Any]) -> None:
        """Insert or replace the document with id ``doc["id"]`` (a replace keeps its position)."""

    @abstractmethod
    def delete(self, collection: str, doc_id: str) -> bool: ...

    @abstractmethod
    def count(self, collection: str, *, where: Mapping[str, Any] | None = None) -> int: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside land together or not at all. Nested blocks are savepoints."""

    @abstractmethod
    def get_meta(self, key: str) -> Any: ...

    @abstractmethod
    def put_meta(self, key: str, value: Any) -> None: ...

    @abstractmethod
    def clear(self) -> None:
        """Forget every document and meta value."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources; the in-memory store has none."""

    @property
    def durable(self) -> bool:
        """Whether a new process on the same location sees this store's state."""
        return False

    @property
    def shared(self) -> bool:
        """Whether other processes may be using this store at the same moment (PostgreSQL): then jobs
        are leased, counters and rate limits live in the store, and start-up takes a lock."""
        return False

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """Held while a process builds its region on this store; only a shared store needs one."""
        yield

    def join_serving(self) -> bool:
        """Whether this is the only process serving the store (always, unless the store is shared)."""
        return True

    # Job leases: only a shared store (PostgreSQL) has them; a store one process owns never leases.

    def lease_due_job(self, now: float, holder: str, lease: float) -> Doc | None:
        raise NotImplementedError

    def next_unleased_due_at(self, holder: str) -> float | None:
        raise NotImplementedError

    def renew_leases(self, holder: str, lease: float) -> int:
        raise NotImplementedError

    def release_lease(self, job_id: str, holder: str) -> None:
        raise NotImplementedError

    def release_leases(self, holder: str) -> None:
        raise NotImplementedError

    def throttle(self, scope: str, key: str, now: float, window: float, limit: int) -> float | None:
        """A shared store's rate-limit log (see PostgresStore.throttle)."""
        raise NotImplementedError

    def clear_rate_log(self) -> None:
        raise NotImplementedError

    def add_to_meta(self, key: str, amount: float) -> float:
        """Add `amount` to the number meta value `key` (0 when unset) and return it, atomically."""
        with self.transaction():
            total = float(self.get_meta(key) or 0.0) + amount
            self.put_meta(key, total)
        return total

    def increment(self, key: str) -> int:
        """Add one to the integer meta value `key` (0 when unset) and return it, atomically."""
        with self.transaction():
            number = int(self.get_meta(key) or 0) + 1
            self.put_meta(key, number)
        return number
