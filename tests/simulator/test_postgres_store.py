"""The PostgreSQL store's own parts: versioned migrations, concurrent start-ups, what several processes
agree on through it (counters, job leases, the rate-limit log), and `serve --store` mistakes."""

from __future__ import annotations

import asyncio
import tempfile
import threading
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from recall_sim.scenarios.cli import build_app
from recall_sim.simulator import Settings
from recall_sim.simulator.region import Region
from recall_sim.simulator.shared_clock import SharedClock
from recall_sim.simulator.store.migrations import MIGRATIONS
from recall_sim.simulator.store.postgres import PostgresStore
from tests.postgres import PostgresSchemas


def _versions(url: str) -> list[int]:
    with psycopg.connect(url) as db:
        return [int(r[0]) for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]


def test_concurrent_start_ups_migrate_once(postgres_schemas: PostgresSchemas) -> None:
    url = postgres_schemas.server.url(schema=postgres_schemas.fresh_schema())
    opened: list[PostgresStore] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_store() -> None:
        start.wait()
        try:
            opened.append(PostgresStore(url))
        except BaseException as exc:  # a race would show here as a duplicate table or version
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _versions(url) == list(range(1, len(MIGRATIONS) + 1))
    for store in opened:
        store.close()


def test_an_older_schema_is_upgraded_and_keeps_its_documents(postgres_schemas: PostgresSchemas) -> None:
    url = postgres_schemas.server.url(schema=postgres_schemas.fresh_schema())
    store = PostgresStore(url)
    store.put("jobs", {"id": "job_1", "due_at": 5.0, "kind": "k"})
    store.close()
    with psycopg.connect(url, autocommit=True) as db:  # as version 1 left it
        db.execute("DROP TABLE rate_log")
        db.execute("ALTER TABLE jobs DROP COLUMN lease_holder, DROP COLUMN lease_until")
        db.execute("DELETE FROM schema_migrations WHERE version > 1")
    store = PostgresStore(url)
    assert _versions(url) == list(range(1, len(MIGRATIONS) + 1))
    assert store.find("jobs", order_by="due_at") == [{"id": "job_1", "due_at": 5.0, "kind": "k"}]
    assert store.lease_due_job(10.0, "a", 30.0) == {"id": "job_1", "due_at": 5.0, "kind": "k"}
    store.close()


def test_a_newer_schema_is_refused(postgres_schemas: PostgresSchemas) -> None:
    url = postgres_schemas.server.url(schema=postgres_schemas.fresh_schema())
    PostgresStore(url).close()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (len(MIGRATIONS) + 1,))
    with pytest.raises(RuntimeError, match="upgrade recall-sim"):
        PostgresStore(url)


def test_a_leased_job_is_not_leased_again_until_its_lease_ends(postgres_schemas: PostgresSchemas) -> None:
    url = postgres_schemas.server.url(schema=postgres_schemas.fresh_schema())
    first, second = PostgresStore(url), PostgresStore(url)
    first.put("jobs", {"id": "job_1", "due_at": 1.0})
    first.put("jobs", {"id": "job_2", "due_at": 2.0})
    first.put("jobs", {"id": "job_3", "due_at": 99.0})
    assert first.lease_due_job(10.0, "p1", 30.0) == {"id": "job_1", "due_at": 1.0}
    assert second.lease_due_job(10.0, "p2", 30.0) == {"id": "job_2", "due_at": 2.0}
    assert second.lease_due_job(10.0, "p2", 30.0) is None  # job_3 is not due yet
    second.release_lease("job_2", "p2")
    assert first.lease_due_job(10.0, "p1", 0.0) == {"id": "job_2", "due_at": 2.0}
    # A zero-second lease has already ended: the job goes to whoever asks next, as a dead holder's would.
    assert second.lease_due_job(10.0, "p2", 30.0) == {"id": "job_2", "due_at": 2.0}
    first.close()
    second.close()


def test_counters_and_rate_logs_are_shared(postgres_schemas: PostgresSchemas) -> None:
    url = postgres_schemas.server.url(schema=postgres_schemas.fresh_schema())
    first, second = PostgresStore(url), PostgresStore(url)
    assert [first.increment("n"), second.increment("n"), first.increment("n")] == [1, 2, 3]
    assert first.throttle("s", "ws", 100.0, 60.0, 2) is None
    assert second.throttle("s", "ws", 110.0, 60.0, 2) is None
    assert first.throttle("s", "ws", 120.0, 60.0, 2) == pytest.approx((60.0 - 20.0) / 1)
    assert second.throttle("s", "ws", 160.5, 60.0, 2) is None  # the first request left the window
    first.close()
    second.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--store", "mysql://x"], "postgresql://"),
        (["--store", "postgresql://nobody@127.0.0.1:1/x"], "cannot use postgresql://nobody@127.0.0.1:1/x"),
        (["--store", "postgresql://u@127.0.0.1:1/x", "--in-memory"], "drop --in-memory"),
    ],
)
def test_serve_names_a_store_it_cannot_use(args: list[str], message: str) -> None:
    result = CliRunner().invoke(build_app(), ["serve", "--port", "0", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())
    assert "Traceback" not in result.output


def test_processes_share_one_clock_its_scale_and_its_advances(postgres_schemas: PostgresSchemas) -> None:
    url = postgres_schemas.server.url(schema=postgres_schemas.fresh_schema())
    first = Region(Settings(seed=7, time_scale=0, store_url=url, data_dir=Path(tempfile.mkdtemp())))
    # A second process asked for another scale: the region's is the first one's (frozen).
    second = Region(Settings(time_scale=50, store_url=url, data_dir=first.settings.data_dir))
    try:
        assert isinstance(second.clock, SharedClock)
        assert second.clock.scale == 0
        assert second.default_api_key.id == first.default_api_key.id  # bootstrapped once
        before = first.clock.timestamp()
        assert second.clock.timestamp() == pytest.approx(before, abs=0.01)
        asyncio.run(first.advance(3600))
        assert first.clock.timestamp() == pytest.approx(before + 3600, abs=0.01)
        second.clock.refresh()  # what its scheduler does every poll
        assert second.clock.timestamp() == pytest.approx(before + 3600, abs=0.01)
        asyncio.run(second.advance(60))
        first.clock.refresh()
        assert first.clock.timestamp() == pytest.approx(before + 3660, abs=0.01)
    finally:
        first.close()
        second.close()
