"""The partner's desktop app in a scenario: an SDK on a simulated desktop, the sample app's listeners
(fetch a token when a meeting is detected, upload when the recording ends) and the scenario's app
behaviour (pauses, an early stop, desktop audio, a reused token, a damaged disk).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx
from httpx_ws.transport import ASGIWebSocketTransport

from recall_sim.recorder import events as sdk_events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.errors import RecallSdkError
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.recorder.storage import RecordingStore

if TYPE_CHECKING:
    from recall_sim.scenarios.runner import ScenarioRunner

__all__ = ["DesktopApp"]

#: where the simulated region answers (in process)
BASE_URL = "http://recall.test"


class DesktopApp:
    """The partner's desktop app: the SDK, its listeners and the scenario's app behaviour."""

    def __init__(self, runner: ScenarioRunner, meetings: bool) -> None:
        self.runner = runner
        s = runner.scenario
        self.events: list[tuple[str, dict[str, Any]]] = []
        runner.sdk_events.append(self.events)
        instance = len(runner.sdk_events)
        randomness = runner.randomness.derive(f"desktop/{instance}")
        self.desktop = SimulatedDesktop(
            runner.clock,
            randomness.derive("windows"),
            [s.meeting] if meetings and not s.app.desktop_audio else [],
            desktop_audio=s.meeting if s.app.desktop_audio else None,
        )
        self.sdk = RecallAiSdk(
            SdkConfig(
                desktop=self.desktop,
                clock=runner.clock,
                randomness=randomness.derive("sdk"),
                recordings_dir=runner.recordings_dir,
                upload_mode=s.app.upload_mode,
                media_profile=runner.media_profile,
                transport=httpx.ASGITransport(app=runner.network),
                realtime_transport=lambda: ASGIWebSocketTransport(app=runner.network),
            )
        )
        self.token: str | None = None
        self.window_id: str | None = None
        self.instance = instance
        #: the app's own timed steps (pause, resume, stop), which die with it
        self.steps: list[asyncio.Task[None]] = []
        for name in sdk_events.ALL_EVENTS:
            self.sdk.add_event_listener(name, self._seen(name))
        self.sdk.add_event_listener(sdk_events.MEETING_DETECTED, self._on_detected)
        self.sdk.add_event_listener(sdk_events.RECORDING_ENDED, self._on_ended)

    def _seen(self, name: str) -> Callable[[dict[str, Any]], None]:
        def listener(payload: dict[str, Any]) -> None:
            self.events.append((name, payload))
            if name != sdk_events.LOG:
                self.runner.trace.add("sdk_event", sdk=self.instance, event=name, payload=payload)

        return listener

    async def _call(self, what: str, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except RecallSdkError as error:
            self.runner.app_errors.append((what, type(error).__name__))
            self.runner.trace.add("app_error", call=what, error=type(error).__name__, message=str(error))
            return None

    async def _record(self, window_id: str) -> None:
        s = self.runner.scenario
        try:
            self.token = await self.runner.backend.create_upload_token()
        except RuntimeError as error:
            self.runner.problems.append(str(error))
            return
        self.window_id = window_id
        realtime = list(s.upload.realtime_events) or None
        await self._call("start_recording", self.sdk.start_recording(window_id, self.token, realtime))
        self.schedule_steps()

    async def _on_detected(self, payload: dict[str, Any]) -> None:
        await self._record(payload["window"]["id"])

    async def _on_ended(self, payload: dict[str, Any]) -> None:
        s = self.runner.scenario
        window_id = payload["window"]["id"]
        if s.faults.corrupt_upload:
            self.corrupt_local_media()
        await self._call("upload_recording", self.sdk.upload_recording(window_id))
        if s.app.reuse_token and self.token is not None:
            other = await self.sdk.prepare_desktop_audio_recording()
            await self._call("start_recording (reused token)", self.sdk.start_recording(other, self.token))
        self.runner.recording_over.set()

    async def start(self) -> None:
        await self.sdk.init(api_url=BASE_URL)
        if self.runner.scenario.app.desktop_audio and self.instance == 1:
            window_id = await self.sdk.prepare_desktop_audio_recording()
            await self._record(window_id)

    def schedule_steps(self) -> None:
        """The app's own timed steps for its recording: pauses, resumes and the early stop."""
        runner, sdk, steps = self.runner, self.sdk, self.steps
        app, window_id = runner.scenario.app, self.window_id
        assert window_id is not None
        now = runner.clock.timestamp() - runner.origin
        # A pause planned for before the recording started (a slow token) is simply not made.
        for pause_at, resume_at in (p for p in app.pauses if p[0] >= now):
            steps.append(
                runner.at(
                    pause_at,
                    lambda: self._call("pause_recording", sdk.pause_recording(window_id)),
                    "pause",
                )
            )
            steps.append(
                runner.at(
                    resume_at,
                    lambda: self._call("resume_recording", sdk.resume_recording(window_id)),
                    "resume",
                )
            )
        stop_at = app.stop_at
        if stop_at is None and app.desktop_audio:
            stop_at = runner.scenario.meeting.duration  # desktop audio has no window that closes
        if stop_at is not None:
            steps.append(
                runner.at(
                    stop_at, lambda: self._call("stop_recording", sdk.stop_recording(window_id)), "stop"
                )
            )

    def corrupt_local_media(self) -> None:
        """Damage the recorder's local media before upload (a failing disk): processing must fail it."""
        for local in RecordingStore(self.runner.recordings_dir).all():
            segments = local.segments()
            if segments:
                middle = segments[len(segments) // 2]
                data = bytearray(middle.path.read_bytes())
                for i in range(len(data) // 4, len(data) // 2):
                    data[i] ^= 0x5A
                middle.path.write_bytes(bytes(data))
                self.runner.trace.add("fault", fault="corrupt_local_media", segment=middle.index)
