"""The PostgreSQL store: one region's state shared by any number of `recall-sim serve` processes.

The same layout as the SQLite store (a table per collection: id, insertion seq, JSON text, and a jsonb
column per indexed field), created and upgraded by versioned migrations (migrations.py). Beyond the
document interface it gives what several processes need to agree on: counters (`increment`), job
leases taken with `FOR UPDATE SKIP LOCKED` (`lease_due_job`), a shared rate-limit log (`throttle`), and
a lock for start-up (`startup_lock`).

One connection per store, in autocommit mode outside `transaction()` blocks; a region runs on one event
loop and its units of work hold no awaits, so they stay short.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from recall_sim.simulator.store.base import COLLECTIONS, Doc, Store, check_collection
from recall_sim.simulator.store.migrations import migrate
from recall_sim.simulator.store.sql import QueryBuilder
from recall_sim.simulator.store.sql import column as _col

__all__ = ["PostgresStore", "is_postgres_url"]

#: leases are measured on the database's clock: the same for every process, whatever their time scale.
#: A job whose payload names a process (`runs_on`, e.g. a send over a connection only it holds) is
#: leased only by that process.
_LEASE_SQL = """
UPDATE jobs SET lease_holder = %(holder)s,
                lease_until = clock_timestamp() + make_interval(secs => %(lease)s)
WHERE id = (
    SELECT id FROM jobs
    WHERE ix_due_at <= %(now)s AND (lease_until IS NULL OR lease_until < clock_timestamp())
      AND coalesce(data::jsonb -> 'payload' ->> 'runs_on', %(holder)s) = %(holder)s
    ORDER BY ix_due_at, seq
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
RETURNING data
"""


_TURN_SQL = "SELECT pg_advisory_xact_lock(hashtext('recall-sim unit of work ' || current_schema()))"


def is_postgres_url(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://"))


#: indexed columns are jsonb: a compared value goes as jsonb too
_QUERIES = QueryBuilder("%s", Jsonb)


def _json(value: Any) -> Jsonb | None:
    return None if value is None else Jsonb(value)


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        self._db = psycopg.connect(url, autocommit=True)
        self._depth = 0
        try:
            self.schema_version = migrate(self._db)
        except BaseException:
            self._db.close()
            raise

    @property
    def durable(self) -> bool:
        return True

    @property
    def shared(self) -> bool:
        return True

    def get_json(self, collection: str, doc_id: str) -> str | None:
        check_collection(collection)
        row = self._db.execute(f"SELECT data FROM {collection} WHERE id = %s", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, collection: str, doc: Mapping[str, Any]) -> None:
        indexed = check_collection(collection)
        data = json.dumps(doc, sort_keys=True)
        cols = "".join(f", {_col(f)}" for f in indexed)
        marks = ", %s" * len(indexed)
        updates = "".join(f", {_col(f)} = EXCLUDED.{_col(f)}" for f in indexed)
        # A replace keeps the row's seq, so its place in insertion order.
        self._db.execute(
            f"INSERT INTO {collection} (id, data{cols}) VALUES (%s, %s{marks}) "
            f"ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data{updates}",
            (str(doc["id"]), data, *(_json(doc.get(f)) for f in indexed)),
        )

    def delete(self, collection: str, doc_id: str) -> bool:
        check_collection(collection)
        cur = self._db.execute(f"DELETE FROM {collection} WHERE id = %s", (doc_id,))
        return cur.rowcount > 0

    def find_json(
        self,
        collection: str,
        *,
        where: Mapping[str, Any] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        sql, params = _QUERIES.find(collection, where, order_by, limit)
        return [str(r[0]) for r in self._db.execute(sql, params)]

    def count(self, collection: str, *, where: Mapping[str, Any] | None = None) -> int:
        sql, params = _QUERIES.count(collection, where)
        row = self._db.execute(sql, params).fetchone()
        return int(row[0]) if row is not None else 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        # psycopg nests these as savepoints, and rolls back (then re-raises) on any exception.
        with self._db.transaction():
            self._depth += 1
            try:
                if self._depth == 1:
                    # Units of work take turns across processes, as SQLite's writers do (BEGIN
                    # IMMEDIATE): each sees everything committed before it, so a check-then-write
                    # ("was that the last artifact?") decides the same as in one process.
                    self._db.execute(_TURN_SQL)
                yield
            finally:
                self._depth -= 1

    def get_meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put_meta(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (key, json.dumps(value, sort_keys=True)),
        )

    def increment(self, key: str) -> int:
        row = self._db.execute(
            "INSERT INTO meta (key, value) VALUES (%s, '1') "
            "ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text RETURNING value",
            (key,),
        ).fetchone()
        assert row is not None
        return int(row[0])

    def join_serving(self) -> bool:
        """Count this connection among the processes serving the region (a shared advisory lock, which
        a dead process's session drops); True if no other process is serving it now."""
        key = "recall-sim serving"
        row = self._db.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s || current_schema()))", (key,)
        ).fetchone()
        alone = bool(row is not None and row[0])
        if alone:
            self._db.execute("SELECT pg_advisory_unlock(hashtext(%s || current_schema()))", (key,))
        self._db.execute("SELECT pg_advisory_lock_shared(hashtext(%s || current_schema()))", (key,))
        return alone

    def add_to_meta(self, key: str, amount: float) -> float:
        row = self._db.execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s::float8::text) "
            "ON CONFLICT (key) DO UPDATE SET value = (meta.value::float8 + %s)::text RETURNING value",
            (key, amount, amount),
        ).fetchone()
        assert row is not None
        return float(row[0])

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """Held while a process builds its region: one at a time bootstraps the workspace and keys."""
        key = "recall-sim start-up"
        self._db.execute("SELECT pg_advisory_lock(hashtext(%s || current_schema()))", (key,))
        try:
            yield
        finally:
            self._db.execute("SELECT pg_advisory_unlock(hashtext(%s || current_schema()))", (key,))

    def lease_due_job(self, now: float, holder: str, lease: float) -> Doc | None:
        """The job due soonest by `now` that no live lease holds, leased to `holder` for `lease` seconds."""
        row = self._db.execute(_LEASE_SQL, {"holder": holder, "lease": lease, "now": Jsonb(now)}).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def next_unleased_due_at(self, holder: str) -> float | None:
        row = self._db.execute(
            "SELECT ix_due_at FROM jobs WHERE (lease_until IS NULL OR lease_until < clock_timestamp()) "
            "AND coalesce(data::jsonb -> 'payload' ->> 'runs_on', %s) = %s "
            "ORDER BY ix_due_at, seq LIMIT 1",
            (holder, holder),
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def renew_leases(self, holder: str, lease: float) -> int:
        cur = self._db.execute(
            "UPDATE jobs SET lease_until = clock_timestamp() + make_interval(secs => %s) "
            "WHERE lease_holder = %s",
            (lease, holder),
        )
        return cur.rowcount

    def release_lease(self, job_id: str, holder: str) -> None:
        self._db.execute(
            "UPDATE jobs SET lease_holder = NULL, lease_until = NULL WHERE id = %s AND lease_holder = %s",
            (job_id, holder),
        )

    def release_leases(self, holder: str) -> None:
        if self._db.closed:
            return
        self._db.execute(
            "UPDATE jobs SET lease_holder = NULL, lease_until = NULL WHERE lease_holder = %s", (holder,)
        )

    def throttle(self, scope: str, key: str, now: float, window: float, limit: int) -> float | None:
        """Count one request in the sliding log of (`scope`, `key`); if `limit` requests are already in
        the last `window` seconds, count nothing and return how long to wait (Django REST Framework's
        SimpleRateThrottle, as the in-process limiter)."""
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"rate {scope} {key}",))
            self._db.execute(
                "DELETE FROM rate_log WHERE scope = %s AND key = %s AND at <= %s", (scope, key, now - window)
            )
            row = self._db.execute(
                "SELECT count(*), min(at) FROM rate_log WHERE scope = %s AND key = %s", (scope, key)
            ).fetchone()
            assert row is not None
            count, oldest = int(row[0]), row[1]
            if count >= limit and oldest is not None:
                return (window - (now - float(oldest))) / (limit - count + 1)
            self._db.execute("INSERT INTO rate_log (scope, key, at) VALUES (%s, %s, %s)", (scope, key, now))
            return None

    def clear_rate_log(self) -> None:
        self._db.execute("DELETE FROM rate_log")

    def clear(self) -> None:
        with self._db.transaction():
            tables = ", ".join([*COLLECTIONS, "meta", "rate_log"])
            self._db.execute(f"TRUNCATE {tables}")

    def close(self) -> None:
        self._db.close()
