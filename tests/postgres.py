"""The test session's PostgreSQL: one server per pytest process (each xdist worker starts its own, so
nothing is shared between processes and nothing needs a lock), and one schema per region under test.

A fresh schema would cost the whole migration (a few dozen CREATEs) per test. Schemas are pooled
instead: a test's store comes from a schema an earlier test finished with, emptied with DELETE (cheaper
than TRUNCATE on tables this small), so the migration runs once per pooled schema.
"""

from __future__ import annotations

import psycopg

from recall_sim.scenarios.local_servers import LocalPostgres
from recall_sim.simulator.store import COLLECTIONS
from recall_sim.simulator.store.postgres import PostgresStore

__all__ = ["PostgresSchemas"]


class PostgresSchemas:
    def __init__(self, server: LocalPostgres) -> None:
        self.server = server
        self._admin = psycopg.connect(server.url(), autocommit=True)
        #: data-directory key -> pooled schema it was given
        self._given: dict[str, str] = {}
        self._free: list[str] = []
        self._made = 0

    def open(self, key: str) -> PostgresStore:
        """The store of `key` (a data directory): the same schema every time it is asked for."""
        schema = self._given.get(key)
        if schema is None:
            schema = self._free.pop() if self._free else self._new_schema()
            self._given[key] = schema
        return PostgresStore(self.server.url(schema=schema))

    def _new_schema(self) -> str:
        self._made += 1
        schema = f"pool_{self._made}"
        self._admin.execute(f"CREATE SCHEMA {schema}")
        return schema

    def fresh_schema(self) -> str:
        """An empty schema of its own, outside the pool (for tests of the migrations themselves)."""
        return self._new_schema()

    def release_all(self) -> None:
        """After a test: empty its schemas and put them back in the pool."""
        for schema in self._given.values():
            with self._admin.transaction():
                for table in [*COLLECTIONS, "meta", "rate_log"]:
                    self._admin.execute(f"DELETE FROM {schema}.{table}")
            self._free.append(schema)
        self._given.clear()

    def close(self) -> None:
        self._admin.close()
