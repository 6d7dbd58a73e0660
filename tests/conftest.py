"""Fixtures for the project's own tests, thin layers over the pytest plugin partners use
(scenarios.plugin).

`async def` tests run as the plugin runs them: on a fresh virtual-time event loop on `recall_clock`
(seams.run_virtual), with the background work of every region among their fixtures running. The region's
clock is the loop's clock, so rate limits, expiries and retries are tested in simulated time,
deterministically. The `sim` fixture is the plugin's in-process region (tests.support.Sim, a
scenarios.harness.RecallRegion) on each of the three stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recall_sim.scenarios.local_servers import local_postgres
from recall_sim.scenarios.programs import require_postgres_program
from recall_sim.seams import VirtualClock
from tests import support
from tests.postgres import PostgresSchemas
from tests.support import Sim, make_sim


@pytest.fixture(autouse=True)
def clock(recall_clock: VirtualClock) -> VirtualClock:
    """The test's virtual clock: the plugin's `recall_clock`, for every test, so that the plugin runs
    each `async def` test on it (and its regions on it, running)."""
    return recall_clock


#: store -> outcome -> how many store-parametrized tests had it; counted from the reports, so that
#: the xdist controller, which runs no test itself, counts its workers' tests too
STORE_TESTS: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="session")
def postgres_schemas() -> Iterator[PostgresSchemas]:
    """This pytest process's PostgreSQL server (started on first use) and its pool of schemas."""
    initdb = require_postgres_program("initdb")
    pg_ctl = require_postgres_program("pg_ctl")
    with local_postgres(initdb, pg_ctl) as server:
        schemas = PostgresSchemas(server)
        try:
            yield schemas
        finally:
            schemas.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store_kind(request: pytest.FixtureRequest) -> Iterator[str]:
    kind = str(request.param)
    request.node.user_properties.append(("store_kind", kind))
    if kind != "postgresql":
        yield kind
        return
    schemas: PostgresSchemas = request.getfixturevalue("postgres_schemas")
    support.postgres_schemas = schemas
    try:
        yield kind
    finally:
        schemas.release_all()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    kind = dict(report.user_properties).get("store_kind")
    if kind is None or not (report.when == "call" or (report.when == "setup" and not report.passed)):
        return
    outcomes = STORE_TESTS.setdefault(str(kind), {})
    outcomes[report.outcome] = outcomes.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for kind, outcomes in sorted(STORE_TESTS.items()):
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
        terminalreporter.write_line(f"store-parametrized tests on {kind}: {counts}")


@pytest.fixture
def sim(store_kind: str, clock: VirtualClock, tmp_path: Path) -> Iterator[Sim]:
    """A region on the virtual clock, with the store chosen by `store_kind` (all three, by default)."""
    simulated = make_sim(clock, tmp_path, store_kind)
    yield simulated
    simulated.close()
