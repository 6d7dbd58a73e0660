"""Scale-out: three `recall-sim serve` processes on one PostgreSQL database and one data directory serve
one region (reliability/_load_run.py with `processes=3`).

Twenty recorders spread over the three all finish; the receiver, failing every third attempt, verifies
every delivery; each (message, attempt number) is made exactly once (the region's attempt log has each
once, and the receiver had exactly as many requests per message as the log has attempts). Then again
with one process SIGKILLed while it holds a job: nothing accepted is lost and its jobs complete on the
others once its leases expire.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from recall_sim.recorder.meetings import load_meeting
from recall_sim.scenarios.local_servers import LocalPostgres, local_postgres
from recall_sim.scenarios.programs import require_postgres_program
from reliability._load_run import LoadResult, run_load

pytestmark = pytest.mark.served

SEED = 4343


@pytest.fixture(scope="module")
def postgres() -> Iterator[LocalPostgres]:
    with local_postgres(require_postgres_program("initdb"), require_postgres_program("pg_ctl")) as server:
        yield server


def _database(server: LocalPostgres, name: str) -> str:
    with psycopg.connect(server.url(), autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return server.url(name)


def _run(tmp_path: Path, figures: Any, part: str, url: str, *, kill_one: bool) -> LoadResult:
    result = run_load(
        tmp_path,
        recorders=20,
        meeting=load_meeting("one-on-one"),
        scale=4.0,
        seed=SEED,
        processes=3,
        store_url=url,
        kill_one=kill_one,
    )
    figures.record(part, tries=20, failures=len(result.problems), lost=result.lost, **result.figures())
    print(
        f"{part}: {result.figures()}, region messages {result.region_messages}, "
        f"receiver attempts {result.receiver_attempts}, region attempts {len(result.attempt_log)}, "
        f"killed holding {result.killed_holding}"
    )
    assert not result.problems, f"seed {SEED}:\n" + "\n".join(result.problems[:20])
    assert result.server_errors == 0
    assert result.webhooks == result.region_messages > 0
    assert result.receiver_failures == result.receiver_attempts // 3 > 0
    assert result.leftover_jobs == []
    return result


@pytest.mark.quick
def test_three_processes_on_one_database_serve_twenty_recorders(
    tmp_path: Path, figures: Any, postgres: LocalPostgres
) -> None:
    result = _run(tmp_path, figures, "scale-out", _database(postgres, "three"), kill_one=False)
    made = Counter(result.attempt_log)
    assert [pair for pair, n in made.items() if n > 1] == []
    per_message = Counter(message for message, _ in result.attempt_log)
    assert dict(per_message) == result.receiver_requests
    for message, count in per_message.items():
        numbers = sorted(n for m, n in result.attempt_log if m == message)
        assert numbers == list(range(1, count + 1)), message


@pytest.mark.quick
def test_a_process_killed_holding_jobs_loses_nothing(
    tmp_path: Path, figures: Any, postgres: LocalPostgres
) -> None:
    result = _run(tmp_path, figures, "scale-out, one killed", _database(postgres, "killed"), kill_one=True)
    assert result.killed_holding
    # Every message was delivered (checked in _run); at least once: a killed attempt may be made again.
    assert set(result.receiver_requests) == {m for m, _ in result.attempt_log}
