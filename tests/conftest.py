"""Fixtures for the project's own tests.

`async def` tests run on a fresh virtual-time event loop (seams.run_virtual): the region's clock is the
loop's clock, so rate limits, expiries and retries are tested in simulated time, deterministically.
Tests that use the pytest plugin's `recall_*` fixtures are the plugin's to run (scenarios.plugin): it
hands this hook a plain function, which the hook leaves alone.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from recall_sim.scenarios.local_servers import local_postgres
from recall_sim.seams import VirtualClock, run_virtual
from tests import support
from tests.postgres import PostgresSchemas
from tests.programs import require_postgres_program
from tests.support import Sim, make_sim


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    clock = pyfuncitem.funcargs.get("clock")
    sims = [value for value in pyfuncitem.funcargs.values() if isinstance(value, Sim)]

    async def with_regions_running() -> None:
        # What the ASGI lifespan does in served mode: the region's background work runs for the test.
        for simulated in sims:
            await simulated.region.start()
        try:
            await pyfuncitem.obj(**kwargs)
        finally:
            for simulated in sims:
                await simulated.aclose()

    run_virtual(with_regions_running(), clock if isinstance(clock, VirtualClock) else None)
    workers = [t.name for t in threading.enumerate() if t.name.startswith(("AnyIO worker", "asyncio_"))]
    if workers:
        pytest.fail(
            f"code on virtual time handed work to a thread ({workers}); time may have jumped meanwhile"
        )
    return True


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


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
