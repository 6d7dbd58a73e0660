"""The recall-sim pytest plugin: a Recall region, the Desktop SDK and webhooks as pytest fixtures.

Installed with recall-sim and loaded through its `pytest11` entry point, so a partner's test suite needs
no conftest (with plugin autoloading off, `-p recall_sim.scenarios.plugin`). Fixtures:

- `recall_region`: an in-process region on virtual time (scenarios.harness.RecallRegion);
- `recall_recorder`: the Desktop SDK on a simulated desktop, wired to it (scenarios.desktop);
- `recall_webhooks`: a verifying, deduping receiver registered as the region's webhook endpoint
  (scenarios.receiver.WebhookReceiver); at teardown it fails the test if messages are undelivered;
- `recall_served`: a region over real HTTP on a free loopback port (scenarios.served.RecallServed);
  `recall_webhooks` in a test with it listens on a loopback port too;
- `recall_scenario`: run and check whole-lifecycle scenarios (scenarios.scenario_runs.ScenarioRuns);
- `recall_clock`: the virtual clock the in-process fixtures share.

Each takes options from the marker of its name (scenarios.options); `--recall-seed` and
`--recall-profile` set the seed and profile of every region and scenario no marker names.

`async def` tests that use an in-process fixture run on a virtual-time loop (seams.run_virtual) on
`recall_clock`, with the region's background work running: whenever every task waits, time jumps to
the next timer. The plugin takes such tests whichever other async plugin (pytest-asyncio, anyio) is
installed or marks them, since their loops run on the machine's clock; it leaves every other test
alone. Plain `def` tests can use `recall_region.run(coro)`.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Every pytest run where recall-sim is installed imports this module, also a partner's that never uses
# it: at import time it defines hooks and fixtures only, and each fixture imports what it uses.
if TYPE_CHECKING:
    from recall_sim.scenarios.desktop import RecallRecorder
    from recall_sim.scenarios.harness import RecallRegion
    from recall_sim.scenarios.options import Defaults, WebhookOptions
    from recall_sim.scenarios.receiver import WebhookReceiver
    from recall_sim.scenarios.scenario_runs import ScenarioRuns
    from recall_sim.scenarios.served import RecallServed
    from recall_sim.seams import VirtualClock

__all__ = [
    "recall_clock",
    "recall_recorder",
    "recall_region",
    "recall_scenario",
    "recall_served",
    "recall_webhooks",
]

MARKERS = (
    "recall_region(**options): options of the recall_region fixture (scenarios.options.RegionOptions)",
    "recall_served(**options): options of the recall_served fixture (scenarios.options.ServedOptions)",
    "recall_recorder(**options): options of the recall_recorder fixture (scenarios.options.RecorderOptions)",
    "recall_webhooks(**options): options of the recall_webhooks fixture (scenarios.options.WebhookOptions)",
    "recall_scenario(**options): options of the recall_scenario fixture (scenarios.options.ScenarioOptions)",
)

_DESCRIBED = pytest.StashKey[str]()
_CALL_FAILED = pytest.StashKey[bool]()


# -- hooks -----------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--recall-seed` and `--recall-profile`."""
    group = parser.getgroup("recall-sim", "recall-sim: a simulated Recall.ai region")
    group.addoption(
        "--recall-seed",
        type=int,
        default=None,
        help="seed of every recall_region, recall_served and recall_scenario no marker gives one",
    )
    group.addoption(
        "--recall-profile",
        choices=("seed", "current"),
        default=None,
        help="API profile (seed: late 2024, current: 2026) of every region and scenario no marker names",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers (so `--strict-markers` knows them) and keep the command line's defaults."""
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if not os.environ.get("RECALL_SIM_EXAMPLES"):
        return  # Hypothesis loads only when shared examples are asked for: a partner's run stays light
    from recall_sim.scenarios.shared_examples import ExamplesMisconfigured, use_shared_examples

    try:
        use_shared_examples()
    except ExamplesMisconfigured as error:
        raise pytest.UsageError(str(error)) from None


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say the seed and profile the command line chose, so a run's output names how to repeat it."""
    seed, profile = config.getoption("recall_seed"), config.getoption("recall_profile")
    said = [f"--recall-seed {seed}"] if seed is not None else []
    if profile is not None:
        said.append(f"--recall-profile {profile}")
    return f"recall-sim: {' '.join(said)}" if said else None


def _coroutine_function(obj: Any) -> Callable[..., Any] | None:
    """The test's coroutine function, also when another async plugin has wrapped it in a sync one."""
    while obj is not None:
        if inspect.iscoroutinefunction(obj):
            return obj  # type: ignore[no-any-return]
        obj = getattr(obj, "__wrapped__", None)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, object, object]:
    """Run `async def` tests that use an in-process fixture on virtual time. The test function is
    swapped for a plain one, so whichever hook calls it (pytest's own, another plugin's) runs it here,
    and none runs it twice."""
    test = _coroutine_function(pyfuncitem.obj)
    if test is None or "recall_clock" not in pyfuncitem.funcargs:
        return (yield)
    from recall_sim.scenarios.harness import RecallRegion, run_on_virtual_time
    from recall_sim.seams import VirtualClock as VirtualClockType

    clock = pyfuncitem.funcargs["recall_clock"]
    assert isinstance(clock, VirtualClockType), "recall_clock is a seams.VirtualClock"

    regions = [v for v in pyfuncitem.funcargs.values() if isinstance(v, RecallRegion)]

    def on_virtual_time(**kwargs: Any) -> None:
        run_on_virtual_time(test(**kwargs), clock, *regions)

    original = pyfuncitem.obj
    pyfuncitem.obj = on_virtual_time
    try:
        return (yield)
    finally:
        pyfuncitem.obj = original


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Note whether the test itself failed (the undelivered check then stays quiet), and add the
    region's seed and profile to a failure's report."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    if report.failed and _DESCRIBED in item.stash:
        report.sections.append(("recall-sim", item.stash[_DESCRIBED]))
    return report


# -- fixtures --------------------------------------------------------------------------------------


def _defaults(request: pytest.FixtureRequest) -> Defaults:
    from recall_sim.scenarios.options import Defaults

    config = request.config
    return Defaults(config.getoption("recall_seed"), config.getoption("recall_profile"))


@pytest.fixture
def recall_clock() -> VirtualClock:
    """The virtual clock of the test's in-process region, recorder and receiver (seams.VirtualClock)."""
    from recall_sim.seams import VirtualClock

    return VirtualClock()


@pytest.fixture
def recall_region(request: pytest.FixtureRequest, recall_clock: VirtualClock) -> Iterator[RecallRegion]:
    """An in-process region on virtual time; options from `@pytest.mark.recall_region(...)`."""
    from recall_sim.scenarios.harness import RecallRegion
    from recall_sim.scenarios.options import RegionOptions, options_for

    options = options_for(request.node, "recall_region", RegionOptions).resolved(_defaults(request))
    region = RecallRegion(options, recall_clock)
    request.node.stash[_DESCRIBED] = region.describe()
    try:
        yield region
    finally:
        region.close()


@pytest.fixture
def recall_recorder(
    request: pytest.FixtureRequest, recall_region: RecallRegion, tmp_path: Path
) -> RecallRecorder:
    """The Desktop SDK on a simulated desktop, talking to `recall_region` in process; options from
    `@pytest.mark.recall_recorder(...)`."""
    from recall_sim.scenarios.desktop import RecallRecorder
    from recall_sim.scenarios.options import RecorderOptions, options_for

    options = options_for(request.node, "recall_recorder", RecorderOptions)
    seed = recall_region.options.seed
    assert seed is not None
    try:
        return RecallRecorder(recall_region, options, tmp_path / "recall-recordings", seed)
    except ValueError as error:
        pytest.fail(f"@pytest.mark.recall_recorder: {error}", pytrace=False)


@pytest.fixture
def recall_served(request: pytest.FixtureRequest) -> Iterator[RecallServed]:
    """A region over real HTTP on a free 127.0.0.1 port, with the machine's clock; options from
    `@pytest.mark.recall_served(...)`."""
    from recall_sim.scenarios.harness import region_settings
    from recall_sim.scenarios.options import ServedOptions, options_for
    from recall_sim.scenarios.served import RecallServed
    from recall_sim.simulator.serve import served

    options = options_for(request.node, "recall_served", ServedOptions).resolved(_defaults(request))
    settings = region_settings(options, time_scale=options.time_scale)
    with served(settings) as handle:
        region = RecallServed(handle)
        request.node.stash[_DESCRIBED] = f"served region at {handle.base_url}, seed {options.seed}"
        try:
            yield region
        finally:
            region.close()


def _undelivered_failure(lines: list[str]) -> str:
    listed = "\n".join(f"  - {line}" for line in lines)
    return (
        f"recall_webhooks: webhooks were still undelivered when the test ended:\n{listed}\n"
        "Let time pass until they arrive (await recall_webhooks.wait_for(event_type), or "
        "await recall_region.advance(seconds)), or allow it with "
        "@pytest.mark.recall_webhooks(allow_undelivered=True)."
    )


@pytest.fixture
def recall_webhooks(request: pytest.FixtureRequest) -> Iterator[WebhookReceiver]:
    """A webhook receiver registered as an endpoint of the test's region (in process, or on a loopback
    port for `recall_served`); options from `@pytest.mark.recall_webhooks(...)`. At teardown it fails
    the test when messages are still undelivered to it."""
    from recall_sim.scenarios.options import WebhookOptions, options_for

    options = options_for(request.node, "recall_webhooks", WebhookOptions)
    filter_types = list(options.filter_types) if options.filter_types is not None else None
    names = request.fixturenames
    if "recall_served" in names and "recall_region" in names:
        pytest.fail("recall_webhooks listens to one region: recall_region or recall_served", pytrace=False)
    lines: list[str] = []
    if "recall_served" in names:
        served: RecallServed = request.getfixturevalue("recall_served")
        with served.receive_webhooks(filter_types) as receiver:
            yield receiver
            if _check_delivery(request, options):
                lines = served.undelivered(receiver)
    else:
        region: RecallRegion = request.getfixturevalue("recall_region")
        receiver = region.receive_webhooks(filter_types)
        yield receiver
        if _check_delivery(request, options):
            lines = region.undelivered(receiver)
    if lines:
        pytest.fail(_undelivered_failure(lines), pytrace=False)


def _check_delivery(request: pytest.FixtureRequest, options: WebhookOptions) -> bool:
    # A test that failed already says more than its undelivered webhooks would.
    return not options.allow_undelivered and not request.node.stash.get(_CALL_FAILED, True)


@pytest.fixture
def recall_scenario(request: pytest.FixtureRequest) -> ScenarioRuns:
    """Runs and checks whole-lifecycle scenarios (`.run(name, seed=...)`, `.check(...)`); options from
    `@pytest.mark.recall_scenario(...)`."""
    from recall_sim.scenarios.options import ScenarioOptions, options_for
    from recall_sim.scenarios.scenario_runs import ScenarioRuns

    return ScenarioRuns(options_for(request.node, "recall_scenario", ScenarioOptions), _defaults(request))
