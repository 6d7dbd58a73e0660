"""What the plugin's `recall_recorder` fixture gives a test: the Desktop SDK on a simulated desktop.

`RecallRecorder` is recorder.RecallAiSdk on a recorder.simulated.SimulatedDesktop that plays one meeting
script, talking to the test's RecallRegion in process (HTTP and the real-time WebSocket through ASGI
transports), on the region's virtual clock, as a partner's desktop app embeds the real SDK.

With `desktop_audio=True` the meeting opens no window: it plays as the machine's audio, which
`prepare_desktop_audio_recording()` records (audio only: MP3, speakers by role), as for a meeting in an
app the SDK does not detect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from httpx_ws.transport import ASGIWebSocketTransport

from recall_sim.recorder import events as sdk_events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.errors import RecallSdkError
from recall_sim.recorder.media import get_profile
from recall_sim.recorder.meetings import load_meeting
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.scenarios.harness import RecallRegion
from recall_sim.scenarios.options import RecorderOptions
from recall_sim.seams import Randomness

__all__ = ["RecallRecorder"]


class RecallRecorder:
    """The Desktop SDK (recorder.RecallAiSdk) on a SimulatedDesktop, wired to a RecallRegion in process."""

    def __init__(
        self, region: RecallRegion, options: RecorderOptions, recordings_dir: Path, seed: int
    ) -> None:
        self.region = region
        self.options = options
        #: the meeting the desktop plays (None: a quiet desktop)
        self.meeting = load_meeting(options.meeting) if options.meeting is not None else None
        if options.desktop_audio and self.meeting is None:
            raise ValueError("desktop_audio=True plays the meeting as desktop audio: name a meeting")
        randomness = Randomness(seed).derive("recorder")
        windows = [self.meeting] if self.meeting and not options.desktop_audio else []
        self.desktop = SimulatedDesktop(
            region.clock,
            randomness.derive("desktop"),
            windows,
            desktop_audio=self.meeting if options.desktop_audio else None,
        )
        self.sdk = RecallAiSdk(
            SdkConfig(
                desktop=self.desktop,
                clock=region.clock,
                randomness=randomness.derive("sdk"),
                recordings_dir=recordings_dir,
                upload_mode=options.upload_mode,
                media_profile=get_profile(options.media),
                transport=region.transport(),
                realtime_transport=lambda: ASGIWebSocketTransport(app=region.app),
            )
        )
        #: every SDK event but `log`, as listeners received them: (name, payload)
        self.events: list[tuple[str, dict[str, Any]]] = []
        #: the sdk uploads `record_every_meeting` created
        self.uploads: list[dict[str, Any]] = []
        #: with `desktop_audio`, what `init` starts once `record_every_meeting` asked for it
        self._desktop_audio: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._desktop_audio_task: asyncio.Task[None] | None = None
        for name in sdk_events.ALL_EVENTS:
            if name != sdk_events.LOG:
                self.sdk.add_event_listener(name, self._heard(name))
        region._companions.append(self._end)

    def _heard(self, name: str) -> Callable[[dict[str, Any]], None]:
        def listener(payload: dict[str, Any]) -> None:
            self.events.append((name, payload))

        return listener

    def names(self) -> list[str]:
        """The names of the events so far, in order."""
        return [name for name, _ in self.events]

    def of(self, name: str) -> list[dict[str, Any]]:
        """The payloads of the `name` events so far."""
        return [payload for n, payload in self.events if n == name]

    async def init(self, **options: Any) -> None:
        """`sdk.init(api_url=<the region>)`: meetings already open are detected at once; with
        `desktop_audio` and `record_every_meeting`, the desktop audio recording starts."""
        await self.sdk.init(api_url=self.region.base_url, **options)
        if self._desktop_audio is not None and self._desktop_audio_task is None:
            self._desktop_audio_task = asyncio.get_running_loop().create_task(self._desktop_audio())

    def record_every_meeting(
        self, upload_token: Callable[[dict[str, Any]], Awaitable[str]] | None = None
    ) -> None:
        """The listeners of Recall's sample desktop app: on `meeting-detected` get an upload token
        (from `upload_token(window)`, your backend's call; by default a new sdk upload with the
        region's key) and start recording; on `recording-ended` upload the recording. With
        `desktop_audio`, `init` instead prepares a desktop audio recording, starts it with a token the
        same way and stops it when the meeting is over."""
        sdk = self.sdk

        async def token_for(window: dict[str, Any]) -> str:
            if upload_token is not None:
                return await upload_token(window)
            response = await self.region.client().post("/api/v1/sdk_upload/", json={})
            response.raise_for_status()
            self.uploads.append(response.json())
            return str(response.json()["upload_token"])

        async def detected(payload: dict[str, Any]) -> None:
            window = payload["window"]
            await sdk.start_recording(window["id"], await token_for(window))

        async def ended(payload: dict[str, Any]) -> None:
            await sdk.upload_recording(payload["window"]["id"])

        async def desktop_audio() -> None:
            assert self.meeting is not None
            window_id = await sdk.prepare_desktop_audio_recording()
            await sdk.start_recording(
                window_id, await token_for({"id": window_id, "platform": "desktop-audio"})
            )
            await self.region.clock.sleep(self.meeting.duration)
            if sdk.state != "idle":
                await sdk.stop_recording(window_id)

        sdk.add_event_listener(sdk_events.MEETING_DETECTED, detected)
        sdk.add_event_listener(sdk_events.RECORDING_ENDED, ended)
        if self.options.desktop_audio:
            self._desktop_audio = desktop_audio

    async def _end(self) -> None:
        """At the end of the test: a recording still going is left as a killed app leaves it (nothing
        more is sent); otherwise the SDK finishes its background work and shuts down."""
        task = self._desktop_audio_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if not self.sdk.initialised:
            return
        if self.sdk.state != "idle":
            await self.sdk.abandon()
            return
        with contextlib.suppress(RecallSdkError):
            await self.sdk.settle()
            await self.sdk.shutdown()
