"""The PostgreSQL store's schema, in numbered steps applied in order and recorded in `schema_migrations`.

Every process that opens the database runs the steps it has not seen yet, under an advisory lock held
for the length of the transaction: of several processes starting at once, one migrates and the others
wait for it, then find nothing left to do. A collection or indexed field added to `COLLECTIONS` later
needs no step of its own: the last stage creates whatever tables and columns are missing, as the SQLite
store does.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from recall_sim.simulator.store.base import COLLECTIONS

__all__ = ["MIGRATIONS", "migrate"]

#: pg_advisory_xact_lock's key space is shared by everything in the database: salt ours with the schema
_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('recall-sim migrate ' || current_schema()))"

Step = Callable[[psycopg.Connection[tuple[object, ...]]], None]


def _col(field: str) -> str:
    return f"ix_{field}"


def _v1_documents(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """Meta values, one insertion sequence, a table per collection."""
    db.execute("CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)")
    db.execute("CREATE SEQUENCE doc_seq")
    _ensure_collections(db)


def _v2_job_leases(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """Who runs a job, and until when (the database's clock): several processes share one queue."""
    db.execute("ALTER TABLE jobs ADD COLUMN lease_holder text, ADD COLUMN lease_until timestamptz")


def _v3_counters(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """Rate-limit logs shared by every process: one row per counted request."""
    db.execute("CREATE TABLE rate_log (scope text NOT NULL, key text NOT NULL, at double precision NOT NULL)")
    db.execute("CREATE INDEX rate_log_scope_key_at ON rate_log (scope, key, at)")


MIGRATIONS: tuple[Step, ...] = (_v1_documents, _v2_job_leases, _v3_counters)


def _ensure_collections(db: psycopg.Connection[tuple[object, ...]]) -> None:
    # Only what is missing: ALTER TABLE locks a table other processes may be using, even for nothing.
    tables = {
        str(r[0])
        for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    columns = {
        (str(r[0]), str(r[1]))
        for r in db.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    }
    for collection, indexed in COLLECTIONS.items():
        if collection not in tables:
            db.execute(
                f"CREATE TABLE {collection} "
                "(id text PRIMARY KEY, seq bigint NOT NULL DEFAULT nextval('doc_seq'), data text NOT NULL)"
            )
            db.execute(f"CREATE INDEX {collection}_seq ON {collection} (seq)")
        for field in indexed:
            if (collection, _col(field)) not in columns:
                db.execute(f"ALTER TABLE {collection} ADD COLUMN {_col(field)} jsonb")
                # A database from an older version: index the field from the stored documents.
                db.execute(
                    f"UPDATE {collection} SET {_col(field)} = NULLIF(data::jsonb -> %s, 'null'::jsonb)",
                    (field,),
                )
                db.execute(f"CREATE INDEX {collection}_{field} ON {collection} ({_col(field)}, seq)")


def migrate(db: psycopg.Connection[tuple[object, ...]]) -> int:
    """Bring the schema up to date; returns the version it is at."""
    with db.transaction():
        db.execute(_LOCK_SQL)
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        row = db.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        current = int(row[0]) if row is not None else 0  # type: ignore[call-overload]
        if current > len(MIGRATIONS):
            raise RuntimeError(
                f"the database's schema is version {current}, newer than this recall-sim's "
                f"{len(MIGRATIONS)}: upgrade recall-sim"
            )
        for version, step in enumerate(MIGRATIONS, start=1):
            if version > current:
                step(db)
                db.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
        _ensure_collections(db)
        return len(MIGRATIONS)
