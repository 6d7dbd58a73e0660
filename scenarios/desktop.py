"""What the plugin's `recall_recorder` fixture gives a test: the Desktop SDK on a simulated desktop.

`RecallRecorder` is recorder.RecallAiSdk on a recorder.simulated.SimulatedDesktop that plays meeting
scripts, talking to the test's RecallRegion in process (HTTP and the real-time WebSocket through ASGI
transports), on the region's virtual clock, as a partner's desktop app embeds the real SDK. Its options
(scenarios.options.RecorderOptions) also give it a retry policy, a transport that fails on purpose, a
media profile and the desktop's permissions and devices.

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

import httpx
from httpx_ws.transport import ASGIWebSocketTransport

from recall_sim.recorder import events as sdk_events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.errors import RecallSdkError
from recall_sim.recorder.media import MediaProfile, get_profile
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.meetings import load_meeting
from recall_sim.recorder.retry import RetryPolicy
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
        #: the meetings the desktop plays, in the order given
        self.meetings = _meetings(options)
        #: the (first) meeting the desktop plays (None: a quiet desktop)
        self.meeting = self.meetings[0] if self.meetings else None
        if options.desktop_audio and self.meeting is None:
            raise ValueError("desktop_audio=True plays the meeting as desktop audio: name a meeting")
        if options.desktop_audio and len(self.meetings) > 1:
            raise ValueError(
                f"desktop_audio=True plays one meeting as desktop audio: name one, not {len(self.meetings)}"
            )
        randomness = Randomness(seed).derive("recorder")
        self.desktop = SimulatedDesktop(
            region.clock,
            randomness.derive("desktop"),
            [] if options.desktop_audio else self.meetings,
            desktop_audio=self.meeting if options.desktop_audio else None,
            grant_on_request=options.grant_on_request,
            **_desktop_keywords(options),
        )
        self.sdk = RecallAiSdk(
            SdkConfig(
                desktop=self.desktop,
                clock=region.clock,
                randomness=randomness.derive("sdk"),
                recordings_dir=recordings_dir,
                upload_mode=options.upload_mode,
                media_profile=_media_profile(options.media),
                retry=options.retry if options.retry is not None else RetryPolicy(),
                transport=_transport(options, region),
                realtime_transport=lambda: ASGIWebSocketTransport(app=region.app),
            )
        )
        #: every SDK event but `log`, as listeners received them: (name, payload)
        self.events: list[tuple[str, dict[str, Any]]] = []
        #: every SDK event, `log` too, with when a listener received it: (seconds since the recorder
        #: was made, name, payload)
        self.timeline: list[tuple[float, str, dict[str, Any]]] = []
        self._origin = region.clock.timestamp()
        #: the sdk uploads `record_every_meeting` created
        self.uploads: list[dict[str, Any]] = []
        #: with `desktop_audio`, what `init` starts once `record_every_meeting` asked for it
        self._desktop_audio: Callable[[], Coroutine[Any, Any, None]] | None = None
        self._desktop_audio_task: asyncio.Task[None] | None = None
        for name in sdk_events.ALL_EVENTS:
            self.sdk.add_event_listener(name, self._heard(name))
        region._companions.append(self._end)

    def _heard(self, name: str) -> Callable[[dict[str, Any]], None]:
        clock = self.region.clock

        def listener(payload: dict[str, Any]) -> None:
            self.timeline.append((round(clock.timestamp() - self._origin, 6), name, payload))
            if name != sdk_events.LOG:
                self.events.append((name, payload))

        return listener

    def names(self) -> list[str]:
        """The names of the events so far (`log` left out), in order."""
        return [name for name, _ in self.events]

    def of(self, *names: str) -> list[dict[str, Any]]:
        """The payloads of the events called `names` so far, in order."""
        return [payload for _, n, payload in self.timeline if n in names]

    def at(self, name: str) -> list[float]:
        """When each event called `name` reached the listeners, in seconds since the recorder was made."""
        return [t for t, n, _ in self.timeline if n == name]

    def window_ids(self) -> list[str]:
        """The meeting windows the SDK detected, in order."""
        return [payload["window"]["id"] for payload in self.of(sdk_events.MEETING_DETECTED)]

    async def create_upload(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """`POST /api/v1/sdk_upload/` with the region's key, as your backend does for a recording."""
        response = await self.region.client().post("/api/v1/sdk_upload/", json=body)
        if response.status_code != 201:
            raise httpx.HTTPStatusError(
                f"POST /api/v1/sdk_upload/ answered {response.status_code}: {response.text}",
                request=response.request,
                response=response,
            )
        return dict(response.json())

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
            upload = await self.create_upload({})
            self.uploads.append(upload)
            return str(upload["upload_token"])

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


def _meetings(options: RecorderOptions) -> list[MeetingScript]:
    """The scripts of `meetings` if given, else of `meeting`: shipped names and files are loaded."""
    named = options.meetings if options.meetings is not None else (options.meeting,)
    return [m if isinstance(m, MeetingScript) else load_meeting(m) for m in named if m is not None]


def _desktop_keywords(options: RecorderOptions) -> dict[str, Any]:
    """The desktop's options the marker set; SimulatedDesktop's own defaults for the rest."""
    keywords: dict[str, Any] = {}
    if options.granted is not None:
        keywords["granted"] = options.granted
    if options.devices is not None:
        keywords["devices"] = options.devices
    return keywords


def _media_profile(media: str | MediaProfile) -> MediaProfile:
    return media if isinstance(media, MediaProfile) else get_profile(media)


def _transport(options: RecorderOptions, region: RecallRegion) -> httpx.AsyncBaseTransport:
    """The region's transport, or the option's: a transport, or one made around the region's."""
    given = options.transport
    if given is None:
        return region.transport()
    if isinstance(given, httpx.AsyncBaseTransport):
        return given
    return given(region.transport())
