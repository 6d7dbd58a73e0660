"""`RecallAiSdk`: the Desktop Recording SDK's public object, in Python and snake_case (contract section 7).

    sdk = RecallAiSdk(config)
    sdk.add_event_listener("meeting-detected", on_meeting)        # sync or async listeners
    await sdk.init(api_url="https://us-east-1.recall.ai")
    await sdk.start_recording(window_id, upload_token)            # resolves once the command is accepted
    await sdk.stop_recording(window_id)
    await sdk.upload_recording(window_id)                         # seed upload mode; a no-op in current
    window_id = await sdk.prepare_desktop_audio_recording()
    await sdk.shutdown()

Rules kept as the real SDK keeps them: one recording at a time (starting another stops the current one);
an upload token records once; a window is recorded once; recording needs its permissions; nothing works
before `init` or after `shutdown`, and `shutdown` refuses while recording. Every misuse raises one of the
errors in `recorder.errors`. Events arrive in the order things happen, through `dispatch.Dispatcher`.
The session commands (start, stop, pause, resume, upload) are carried out by `sdk_session`'s
`SessionCommands`, which the SDK object holds; the 2.0 additions (chat messages, audio devices,
`test_unexpected_shutdown`) are in `sdk_additions`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from recall_sim.recorder import events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.desktop import (
    PERMISSIONS,
    AudioDeviceDirection,
    DesktopListener,
    MeetingWindow,
    Permission,
)
from recall_sim.recorder.dispatch import Dispatcher, Listener
from recall_sim.recorder.errors import (
    InvalidApiUrlError,
    NotInitialisedError,
    ShutdownWhileRecordingError,
    UnknownWindowError,
)
from recall_sim.recorder.sdk_additions import SdkAdditions
from recall_sim.recorder.sdk_session import SessionCommands
from recall_sim.recorder.session import SessionEnded
from recall_sim.recorder.storage import RecordingStore

__all__ = ["REGION_HOSTS", "RecallAiSdk", "region_of"]

#: Recall's regional API hosts; any other http(s) host is taken to be a simulated region.
REGION_HOSTS = {
    "us-east-1.recall.ai": "us-east-1",
    "api.recall.ai": "us-east-1",
    "us-west-2.recall.ai": "us-west-2",
    "eu-central-1.recall.ai": "eu-central-1",
    "ap-northeast-1.recall.ai": "ap-northeast-1",
}


def region_of(api_url: str) -> str | None:
    """The region an API URL names (None for a simulated region at another host). Invalid URLs raise."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidApiUrlError(f"api_url must be an http(s) URL of a Recall region, got {api_url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidApiUrlError(f"api_url is a base URL, without a path: {api_url!r}")
    return REGION_HOSTS.get(parts.hostname)


class _DesktopEvents(DesktopListener):
    """Forwards what the desktop reports to the SDK, which decides what to emit."""

    def __init__(self, sdk: RecallAiSdk) -> None:
        self.sdk = sdk

    def window_opened(self, window: MeetingWindow) -> None:
        self.sdk._detected(window)

    def window_updated(self, window: MeetingWindow) -> None:
        self.sdk._emit(
            events.MEETING_UPDATED,
            events.meeting_window(window.id, window.platform, window.title, window.url),
        )

    def window_closed(self, window: MeetingWindow) -> None:
        self.sdk._spawn(self.sdk._window_closed(window))

    def capture_changed(self, window: MeetingWindow) -> None:
        session = self.sdk._recordings.sessions.get(window.id)
        if session is not None and session is self.sdk._recordings.active:
            session.capture_changed(window.capturable)


class RecallAiSdk(SdkAdditions):
    """Mirrors the npm package's `RecallAiSdk`: the methods of contract section 7, its events, its rules.
    Init, events and lifecycle are here; the session commands are carried out by the `SessionCommands`
    it holds (`recorder.sdk_session`); what the 2.0 SDK added (chat, audio devices, a forced crash) is in
    `recorder.sdk_additions`."""

    def __init__(self, config: SdkConfig) -> None:
        self.config = config
        self.desktop = config.desktop
        self.dispatcher = Dispatcher()
        self.api_url: str | None = None
        self.region: str | None = None
        self.restart_on_error = False
        self._initialised = False
        self._listener = _DesktopEvents(self)
        self._recordings = SessionCommands(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.desktop_audio_devices: dict[AudioDeviceDirection, str | None] = {"input": None, "output": None}

    @property
    def finished(self) -> list[SessionEnded]:
        """How each recording's upload ended, in the order they ended."""
        return self._recordings.finished

    @property
    def raw_media_disabled(self) -> set[str]:
        """Windows recorded with `disableRawMedia` (recordings here never use Raw Media either way)."""
        return self._recordings.raw_media_disabled

    # -- listeners ---------------------------------------------------------------------------------

    def add_event_listener(self, event_type: str, listener: Listener) -> None:
        """`addEventListener(type, callback)`: callbacks may be plain functions or coroutines."""
        if event_type not in events.ALL_EVENTS:
            raise ValueError(f"unknown event {event_type!r}; one of {', '.join(events.ALL_EVENTS)}")
        self.dispatcher.add(event_type, listener)

    def remove_event_listener(self, event_type: str, listener: Listener) -> None:
        """`removeEventListener(type, callback)`."""
        self.dispatcher.remove(event_type, listener)

    def remove_all_event_listeners(self, event_type: str | None = None) -> None:
        """`removeAllEventListeners(type?)`."""
        self.dispatcher.remove_all(event_type)

    def _emit(self, name: str, payload: dict[str, Any]) -> None:
        self.dispatcher.emit(name, payload)

    def _log(self, message: str, category: str, window_id: str | None = None, level: str = "info") -> None:
        self._emit(events.LOG, events.log(level, message, "recorder", category, window_id))

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- lifecycle -------------------------------------------------------------------------------

    async def init(
        self,
        api_url: str | None = None,
        *,
        apiUrl: str | None = None,
        acquire_permissions_on_startup: Iterable[Permission] = (),
        restart_on_error: bool = False,
    ) -> None:
        """`init({apiUrl, acquirePermissionsOnStartup, restartOnError})`: starts watching the desktop.
        Meetings already open are detected at once; unfinished recordings from an earlier run of the
        SDK on the same recordings folder are uploaded."""
        url = api_url or apiUrl
        if not url:
            raise InvalidApiUrlError("init() needs api_url (or apiUrl)")
        self.region = region_of(url)
        self.api_url = url.rstrip("/")
        self.restart_on_error = restart_on_error
        self.dispatcher.start()
        self._initialised = True
        wanted = list(acquire_permissions_on_startup)
        for permission in wanted:
            await self.request_permission(permission)
        if wanted and all(self.desktop.has_permission(p) for p in PERMISSIONS):
            self._emit(events.PERMISSIONS_GRANTED, {})
        # Meetings already running are reported once, from open_windows(); later ones as they open.
        await self.desktop.start()
        self.desktop.subscribe(self._listener)
        for window in self.desktop.open_windows():
            self._detected(window)
        self._log(f"initialised against {self.api_url}", "lifecycle")
        for local in RecordingStore(self.config.recordings_dir).unfinished():
            if local.first("started") is not None and not self._recordings.knows(local.id):
                self._spawn(self._recordings.resume_unfinished(local))

    @property
    def initialised(self) -> bool:
        """Between a successful `init` and `shutdown` (or the process dying)."""
        return self._initialised

    def _check_initialised(self) -> None:
        if not self._initialised:
            raise NotInitialisedError()

    async def shutdown(self) -> None:
        """`shutdown()`: stops watching the desktop; refuses while a recording is in progress. Uploads
        still going are journaled and finish at the next `init` on the same recordings folder."""
        self._check_initialised()
        if self._recordings.active is not None:
            raise ShutdownWhileRecordingError(self._recordings.active.window.id)
        self._initialised = False
        self.desktop.unsubscribe(self._listener)
        await self.desktop.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._recordings.close()
        self._emit(events.SHUTDOWN, events.shutdown(0, None))
        await self.dispatcher.close()

    async def abandon(self) -> None:
        """What a killed process leaves behind: every task stops where it is, nothing more is written,
        emitted or sent. The recordings folder keeps what was journaled; a new SDK's `init` on it
        finishes the uploads. For scenarios and tests (the real SDK's process simply dies)."""
        self._initialised = False
        self.dispatcher.halt()
        self.desktop.unsubscribe(self._listener)
        await self.desktop.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._recordings.close()

    # -- permissions --------------------------------------------------------------------------------

    async def request_permission(self, permission: Permission) -> bool:
        """`requestPermission(name)`: asks the user; reports `permission-status`."""
        self._check_initialised()
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}; one of {', '.join(PERMISSIONS)}")
        granted = await self.desktop.request_permission(permission)
        self._emit(events.PERMISSION_STATUS, events.permission_status(permission, granted))
        return granted

    # -- meetings --------------------------------------------------------------------------------

    def _detected(self, window: MeetingWindow) -> None:
        if not self._initialised:
            return
        self._emit(
            events.MEETING_DETECTED,
            events.meeting_window(window.id, window.platform, window.title, window.url),
        )

    async def _window_closed(self, window: MeetingWindow) -> None:
        # The meeting ended: a recording of it ends too, then the window is reported closed.
        await self._recordings.window_closed(window.id)
        self._emit(events.MEETING_CLOSED, {"window": events.window_ref(window.id)})

    def _window(self, window_id: str) -> MeetingWindow:
        window = self.desktop.window(window_id)
        if window is None or window.closed:
            raise UnknownWindowError(window_id)
        return window

    # -- recording -------------------------------------------------------------------------------

    @property
    def state(self) -> events.SdkState:
        return self._recordings.state

    async def start_recording(
        self,
        window_id: str,
        upload_token: str,
        realtime_events: list[str] | None = None,
        *,
        disable_raw_media: bool = False,
    ) -> None:
        """`startRecording({windowId, uploadToken, disableRawMedia?})` (the seed's: `realtimeEvents`).
        Raw Media (the meeting platform's own streams) is not simulated: `recording-started` always
        says `rawMedia: false`, as the real SDK does when it falls back to capturing the window."""
        await self._recordings.start_recording(
            window_id, upload_token, realtime_events, disable_raw_media=disable_raw_media
        )

    async def stop_recording(self, window_id: str) -> None:
        """`stopRecording({windowId})`."""
        await self._recordings.stop_recording(window_id)

    async def pause_recording(self, window_id: str) -> None:
        """`pauseRecording({windowId})`: the recording goes on with blank media until resumed."""
        await self._recordings.pause_recording(window_id)

    async def resume_recording(self, window_id: str) -> None:
        """`resumeRecording({windowId})`."""
        await self._recordings.resume_recording(window_id)

    async def upload_recording(self, window_id: str) -> None:
        """`uploadRecording({windowId})`: in the seed upload mode, uploads the finished recording with
        `upload-progress` 0..100; in the current mode parts went up during the recording, so it does
        nothing. Resolves when the upload is finalized (or given up, with an `error` event)."""
        await self._recordings.upload_recording(window_id)

    async def prepare_desktop_audio_recording(self) -> str:
        """`prepareDesktopAudioRecording()`: a window id for recording the system audio and microphone."""
        self._check_initialised()
        return self.desktop.desktop_audio_window().id

    # -- for tests and scenarios ------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until background work (uploads, recovery) and event delivery are done. For tests and
        scenarios; the real SDK has no such call."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.dispatcher.flush()
