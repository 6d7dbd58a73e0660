"""The SQLite store: served mode's default, one database file in the data directory.

One table per collection (id, insertion seq, JSON body, and a column per indexed field), WAL
journaling, and synchronous=NORMAL: a killed process loses nothing that was committed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from recall_sim.simulator.store.base import COLLECTIONS, Store, check_collection
from recall_sim.simulator.store.sql import QueryBuilder
from recall_sim.simulator.store.sql import column as _col

__all__ = ["SqliteStore"]

_QUERIES = QueryBuilder("?")


class SqliteStore(Store):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The region runs on one event loop; a served test may build it on another thread first.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=OFF")
        self._depth = 0
        self._create_schema()

    @property
    def durable(self) -> bool:
        return True

    def _create_schema(self) -> None:
        with self.transaction():
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._db.execute("CREATE TABLE IF NOT EXISTS seq (n INTEGER NOT NULL)")
            if self._db.execute("SELECT COUNT(*) FROM seq").fetchone()[0] == 0:
                self._db.execute("INSERT INTO seq (n) VALUES (0)")
            for collection, indexed in COLLECTIONS.items():
                cols = "".join(f", {_col(f)}" for f in indexed)
                self._db.execute(
                    f"CREATE TABLE IF NOT EXISTS {collection} "
                    f"(id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL{cols})"
                )
                self._db.execute(f"CREATE INDEX IF NOT EXISTS {collection}_seq ON {collection} (seq)")
                existing = {row[1] for row in self._db.execute(f"PRAGMA table_info({collection})")}
                for field in indexed:
                    if _col(field) not in existing:
                        # A data dir from an older version: index the field from the stored documents.
                        self._db.execute(f"ALTER TABLE {collection} ADD COLUMN {_col(field)}")
                        self._db.execute(
                            f"UPDATE {collection} SET {_col(field)} = json_extract(data, '$.{field}')"
                        )
                    index = f"{collection}_{field}"
                    columns = f"{_col(field)}, seq"
                    self._db.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {collection} ({columns})")

    def get_json(self, collection: str, doc_id: str) -> str | None:
        check_collection(collection)
        row = self._db.execute(f"SELECT data FROM {collection} WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def put(self, collection: str, doc: Mapping[str, Any]) -> None:
        indexed = check_collection(collection)
        doc_id = str(doc["id"])
        data = json.dumps(doc, sort_keys=True)
        values = [doc.get(f) for f in indexed]
        with self.transaction():
            row = self._db.execute(f"SELECT seq FROM {collection} WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                seq = self._db.execute("UPDATE seq SET n = n + 1 RETURNING n").fetchone()[0]
            else:
                seq = row[0]
            cols = "".join(f", {_col(f)}" for f in indexed)
            marks = ", ?" * len(indexed)
            self._db.execute(
                f"INSERT OR REPLACE INTO {collection} (id, seq, data{cols}) VALUES (?, ?, ?{marks})",
                (doc_id, seq, data, *values),
            )

    def delete(self, collection: str, doc_id: str) -> bool:
        check_collection(collection)
        # One statement is atomic on its own (SQLite undoes a statement that fails), inside a transaction
        # or not: a transaction of its own would only add two statements.
        cur = self._db.execute(f"DELETE FROM {collection} WHERE id = ?", (doc_id,))
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
        name = f"sp{self._depth}"
        if self._depth == 0:
            self._db.execute("BEGIN IMMEDIATE")
        else:
            self._db.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            else:
                self._db.execute(f"ROLLBACK TO {name}")
                self._db.execute(f"RELEASE {name}")
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")
            else:
                self._db.execute(f"RELEASE {name}")

    def get_meta(self, key: str) -> Any:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put_meta(self, key: str, value: Any) -> None:
        # One statement, atomic on its own, as in `delete`.
        self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (key, json.dumps(value, sort_keys=True)),
        )

    def clear(self) -> None:
        with self.transaction():
            for collection in COLLECTIONS:
                self._db.execute(f"DELETE FROM {collection}")
            self._db.execute("DELETE FROM meta")

    def close(self) -> None:
        self._db.close()
