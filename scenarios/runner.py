"""Running one scenario: the whole lifecycle in one process, on virtual time, from one seed.

The region, the desktop with its SDK, the partner's backend and the network between them all run on one
virtual-time event loop (seams.loop): whenever everything waits, time jumps to the next timer, so an
hour-long meeting followed by a day of webhook retries takes seconds. Every random stream (ids, jitter,
media, window ids) derives from the scenario's seed and nothing reads the machine's clock, so the same
seed and code give the same trace, byte for byte.

    run = run_scenario(scenario)
    run.trace.dumps()      # JSON lines
    run.backend.downloads  # what the partner's backend received
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from recall_sim.recorder import events as sdk_events
from recall_sim.recorder.api_client import AsyncApiClient
from recall_sim.recorder.errors import RecallSdkError
from recall_sim.recorder.media import TINY, MediaProfile
from recall_sim.recorder.media.profiles import voiced
from recall_sim.recorder.storage import RecordingStore
from recall_sim.scenarios.backend import Backend
from recall_sim.scenarios.desktop_app import BASE_URL, DesktopApp
from recall_sim.scenarios.model import HttpBurst, Scenario
from recall_sim.scenarios.network import Network
from recall_sim.scenarios.scratch import scratch_directory
from recall_sim.scenarios.trace import Trace
from recall_sim.seams import Randomness, VirtualClock, run_virtual
from recall_sim.simulator import ControlPlane, Region, Settings, create_app
from recall_sim.simulator.control_plane import EndpointCreate
from recall_sim.simulator.faults import FaultRuleCreate
from recall_sim.simulator.settings import WebhookSettings
from recall_sim.simulator.store import BlobStore, MemoryStore

__all__ = ["BASE_URL", "Run", "run_scenario"]

WEBHOOK_URL = "http://backend.test/recall/webhook"
#: where the backend hears real-time events (a `webhook` real-time endpoint: unsigned POSTs)
REALTIME_URL = "http://backend.test/recall/realtime"
#: how long after its last outage the backend keeps listening: Svix's whole retry schedule, and more
_AFTER_OUTAGE = 30 * 3600.0
#: after a crash, the user opens the desktop app again this long after the meeting ended
_RESTART_AFTER = 5.0


@dataclass
class Run:
    """Everything a scenario run did, for the invariants to check against the reference model."""

    scenario: Scenario
    trace: Trace
    backend: Backend
    #: every SDK event delivered to listeners, per SDK instance (a crash starts a new one)
    sdk_events: list[list[tuple[str, dict[str, Any]]]]
    #: errors the desktop app saw from SDK calls, by name: (call, error type)
    app_errors: list[tuple[str, str]]
    #: what the region holds at the end: sdk uploads, recordings, webhook messages and attempts
    uploads: list[dict[str, Any]]
    recordings: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    attempts: list[dict[str, Any]]
    #: per sdk upload id: sha256 of the media the recorder captured, and how many segments it journaled
    captured: dict[str, str]
    segments: dict[str, int]
    #: clock timestamp the run began (the desktop's time zero)
    origin: float
    problems: list[str] = field(default_factory=list)


class ScenarioRunner:
    """One live run: `begin()`, let the clock run (steps may act on it meanwhile), `end()`.
    `run_scenario` does all three; the state machine (scenarios.machine) interleaves its own steps."""

    def __init__(
        self,
        scenario: Scenario,
        clock: VirtualClock,
        workdir: Path,
        media_profile: MediaProfile,
        *,
        durable: bool = False,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.workdir = workdir
        self.media_profile = voiced(media_profile) if scenario.voices else media_profile
        self.randomness = Randomness(scenario.seed)
        self.trace = Trace(clock)
        self.origin = clock.timestamp()
        self.sdk_events: list[list[tuple[str, dict[str, Any]]]] = []
        self.app_errors: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.recordings_dir = workdir / "recordings"
        self.recording_over = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.settings = Settings(
            seed=scenario.seed,
            region=scenario.region,
            profile=scenario.profile,
            delays="realistic",
            data_dir=workdir / "region"
            if durable or scenario.faults.simulator_restart_at is not None
            else None,
            public_base_url=BASE_URL,
            # Signed on the scenario's clock, which the backend verifies against: a machine-time stamp
            # would make a run depend on when it ran, and the trace would differ between runs.
            webhooks=WebhookSettings(signature_time="region"),
        )
        self.backend_transport: httpx.AsyncBaseTransport | None = None
        self.region = self._region()
        # The desktop's network can drop; the backend's is another (it only loses the region when the
        # region restarts). Both reach the same region.
        self.network = Network(create_app(region=self.region), on_exchange=self._exchange)
        self.backend_network = Network(self.network.app)
        self.desktops: list[DesktopApp] = []

    # -- parts -----------------------------------------------------------------------------------

    def _region(self) -> Region:
        if self.settings.data_dir is not None:
            return Region(self.settings, clock=self.clock, webhook_transport=_Forward(self))
        # In memory: the region's blob folder sits in this run's scratch directory, not the system's.
        blobs = BlobStore(Path(tempfile.mkdtemp(prefix="region-blobs-", dir=self.workdir)), temporary=True)
        return Region(
            self.settings,
            clock=self.clock,
            store=MemoryStore(),
            blobs=blobs,
            webhook_transport=_Forward(self),
        )

    def _exchange(self, kind: str, method: str, path: str, status: int | None) -> None:
        self.trace.add(kind, method=method, path=path, status=status)

    def at(self, desktop_time: float, action: Callable[[], Awaitable[None]], what: str) -> asyncio.Task[None]:
        """Run `action` at `desktop_time` (seconds since the run began)."""

        async def later() -> None:
            await self.clock.sleep_until(self.origin + desktop_time)
            await action()

        task = asyncio.get_running_loop().create_task(later(), name=what)
        self._tasks.append(task)
        return task

    # -- faults ------------------------------------------------------------------------------------

    def schedule_faults(self) -> None:
        faults = self.scenario.faults
        for at, seconds in faults.network_drops:
            self.at(at, functools.partial(self.drop_network, seconds), "network drop")
        for burst in faults.http_bursts:
            if burst.at <= 0:
                self._burst(burst)  # in force before anything is asked of the region
            else:
                self.at(burst.at, functools.partial(self._fire, burst), "http burst")
        if faults.recorder_crash_at is not None:
            self.at(faults.recorder_crash_at, self._crash_recorder, "recorder crash")
        if faults.simulator_restart_at is not None:
            self.at(faults.simulator_restart_at, self.restart_region, "region restart")

    def _burst(self, burst: HttpBurst) -> None:
        rule = FaultRuleCreate(
            route=burst.route, methods=list(burst.methods) or None, status=burst.status, count=burst.count
        )
        ControlPlane(self.region).add_fault(rule)
        self.trace.add("fault", fault="http_burst", route=burst.route, status=burst.status, count=burst.count)

    async def _fire(self, burst: HttpBurst) -> None:
        self._burst(burst)

    async def _crash_recorder(self) -> None:
        desktop = self.desktops[-1]
        self.trace.add("fault", fault="recorder_killed", sdk=desktop.instance)
        for step in desktop.steps:
            step.cancel()  # the app died with its SDK: what it meant to do next never happens
        await desktop.sdk.abandon()
        restart_at = max(self.clock.timestamp() - self.origin, self.meeting_end()) + _RESTART_AFTER
        await self.clock.sleep_until(self.origin + restart_at)
        self.trace.add("fault", fault="recorder_restarted")
        fresh = DesktopApp(self, meetings=False)  # the meeting is over; what is left is the upload
        self.desktops.append(fresh)
        fresh.sdk.add_event_listener(sdk_events.UPLOAD_PROGRESS, self._recovered_progress)
        await fresh.start()

    def _recovered_progress(self, payload: dict[str, Any]) -> None:
        if payload.get("progress") == 100:
            self.recording_over.set()

    async def drop_network(self, seconds: float) -> None:
        """The desktop's network is down for `seconds` from now."""
        self.trace.add("fault", fault="network_down", seconds=seconds)
        self.network.cut("network drop")
        await self.clock.sleep(seconds)
        self.network.restore("network drop")
        self.trace.add("fault", fault="network_up")

    async def restart_region(self) -> None:
        """The region's process restarts on its data directory (down for the scenario's downtime)."""
        self.trace.add("fault", fault="region_down")
        self.network.cut("region restart")
        self.backend_network.cut("region restart")
        await self.region.stop()
        self.region.close()
        await self.clock.sleep(self.scenario.faults.simulator_downtime)
        self.region = self._region()
        await self.region.start()
        self.network.app = self.backend_network.app = create_app(region=self.region)
        self.network.restore("region restart")
        self.backend_network.restore("region restart")
        self.trace.add("fault", fault="region_up")

    def meeting_end(self) -> float:
        return (
            self.scenario.meeting.opens_at + self.scenario.meeting.duration
            if not self.scenario.app.desktop_audio
            else (self.scenario.app.stop_at or self.scenario.meeting.duration)
        )

    def horizon(self) -> float:
        """When the run ends: the backend has heard everything Svix would ever send by then."""
        s = self.scenario
        end = max(self.meeting_end(), s.app.stop_at or 0.0) + s.backend.listen_for
        for _, until in s.backend.webhook_outages:
            end = max(end, until + _AFTER_OUTAGE)
        return end

    # -- the run -----------------------------------------------------------------------------------

    async def run(self) -> Run:
        await self.begin()
        await self.clock.sleep_until(self.origin + self.horizon())
        return await self.end()

    async def begin(self) -> None:
        """Start the region, the backend and the desktop, and schedule the scenario's steps."""
        s = self.scenario
        self.trace.add("scenario", name=s.name, seed=s.seed, scenario=s.to_dict())
        await self.region.start()
        control = ControlPlane(self.region)
        endpoint = control.webhooks.create_endpoint(EndpointCreate(url=WEBHOOK_URL))
        api = AsyncApiClient(
            transport=httpx.ASGITransport(app=self.backend_network),
            base_url=BASE_URL,
            headers={"Authorization": f"Token {self.region.default_api_key.id}"},
        )
        self.backend = Backend(
            clock=self.clock,
            api=api,
            secret=lambda: ControlPlane(self.region).webhooks.endpoint_secret(endpoint.id),
            recording_config=_recording_config(s),
            create_transcript=s.backend.create_transcript,
            outages=[(self.origin + a, self.origin + b) for a, b in s.backend.webhook_outages],
            on_note=lambda kind, data: self.trace.add(kind, **data),
        )
        self.backend_transport = httpx.ASGITransport(app=self.backend.app)
        self.endpoint_id = endpoint.id
        self._api = api
        if s.backend.recover_after_outage:
            for start, until in s.backend.webhook_outages:
                self.schedule_recover(start, until)
        self.schedule_faults()
        first = DesktopApp(self, meetings=True)
        self.desktops.append(first)
        await first.start()

    def schedule_recover(self, start: float, until: float) -> None:
        """A second after an outage ends, the backend asks Svix to resend what failed meanwhile."""

        async def recover() -> None:
            since = datetime.fromtimestamp(self.origin + start, UTC)
            recovered = ControlPlane(self.region).webhooks.recover(self.endpoint_id, since)
            self.trace.add("backend_recover", messages=len(recovered))

        self.at(until + 1.0, recover, "recover")

    async def end(self) -> Run:
        """Shut the desktop down, collect what the region holds, close everything."""
        await self.backend.settle()
        for desktop in self.desktops:
            if desktop.sdk.initialised:
                with contextlib.suppress(RecallSdkError):
                    if desktop.sdk.state != "idle" and desktop.window_id is not None:
                        await desktop.sdk.stop_recording(desktop.window_id)
                    await desktop.sdk.settle()
                    await desktop.sdk.shutdown()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        run = self._collect()
        await self._api.aclose()
        await self.region.stop()
        self.region.close()
        return run

    def _collect(self) -> Run:
        state = ControlPlane(self.region).state()["collections"]
        messages = [m.model_dump(mode="json") for m in ControlPlane(self.region).webhooks.list_messages()]
        attempts = state.get("webhook_attempts", [])
        captured, segments = {}, {}
        for local in RecordingStore(self.recordings_dir).all():
            upload_id = str((local.first("started") or {}).get("sdk_upload_id"))
            captured[upload_id] = local.media_sha256()
            segments[upload_id] = len(local.segments())
        for event in state.get("events", []):
            self.trace.add(
                "region_event", type=event["type"], occurred_at=event["occurred_at"], status=event["status"]
            )
        return Run(
            scenario=self.scenario,
            trace=self.trace,
            backend=self.backend,
            sdk_events=self.sdk_events,
            app_errors=self.app_errors,
            uploads=list(state.get("sdk_uploads", [])),
            recordings=list(state.get("recordings", [])),
            messages=messages,
            attempts=list(attempts),
            captured=captured,
            segments=segments,
            origin=self.origin,
            problems=self.problems,
        )


class _Forward(httpx.AsyncBaseTransport):
    """Webhook deliveries go to the backend's app (set once the backend exists)."""

    def __init__(self, runner: ScenarioRunner) -> None:
        self.runner = runner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.runner.backend_transport
        if transport is None:
            raise httpx.ConnectError("the backend is not listening yet")
        return await transport.handle_async_request(request)


def _recording_config(s: Scenario) -> dict[str, Any] | None:
    config: dict[str, Any] = {}
    if s.upload.audio_only or s.app.desktop_audio:
        config.update({"video_mixed_mp4": None, "audio_mixed_mp3": {}})
    if s.upload.streaming_provider is not None:
        config["transcript"] = {"provider": {s.upload.streaming_provider: {}}}
    endpoints = []
    if s.upload.realtime_events:
        endpoints.append({"type": "desktop_sdk_callback", "events": list(s.upload.realtime_events)})
    if s.upload.realtime_webhook_events:
        endpoints.append(
            {"type": "webhook", "url": REALTIME_URL, "events": list(s.upload.realtime_webhook_events)}
        )
    if endpoints:
        config["realtime_endpoints"] = endpoints
    return config or None


def run_scenario(
    scenario: Scenario, *, media_profile: MediaProfile = TINY, workdir: Path | None = None
) -> Run:
    """Run `scenario` to its end on a fresh virtual clock and return what happened."""
    clock = VirtualClock()
    scratch = workdir or scratch_directory("recall-sim-scenario-")
    try:
        return run_virtual(ScenarioRunner(scenario, clock, scratch, media_profile).run(), clock)
    finally:
        if workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)
