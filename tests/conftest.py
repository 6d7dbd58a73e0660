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

from seams import VirtualClock, run_virtual
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


@pytest.fixture(params=["memory", "sqlite"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sim(store_kind: str, clock: VirtualClock, tmp_path: Path) -> Iterator[Sim]:
    """A region on the virtual clock, with the store chosen by `store_kind` (both, by default)."""
    simulated = make_sim(clock, tmp_path, store_kind)
    yield simulated
    simulated.close()
