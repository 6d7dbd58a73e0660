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
The 2.0 additions (chat messages, audio devices, `test_unexpected_shutdown`) are in `sdk_additions`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from recall_sim.recorder import events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.desktop import (
    NEEDED_FOR_DESKTOP_AUDIO,
    NEEDED_FOR_MEETING,
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
    NotRecordingError,
    PermissionMissingError,
    ShutdownWhileRecordingError,
    UnknownWindowError,
    UploadTokenReusedError,
    WindowAlreadyRecordedError,
)
from recall_sim.recorder.sdk_additions import SdkAdditions
from recall_sim.recorder.session import RecordingSession, SessionEnded
from recall_sim.recorder.session_open import recover_session, start_session
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
        session = self.sdk._sessions.get(window.id)
        if session is not None and session is self.sdk._active:
            session.capture_changed(window.capturable)


class RecallAiSdk(SdkAdditions):
    """Mirrors the npm package's `RecallAiSdk`: the methods of contract section 7, its events, its rules.
    The session commands are here; what the 2.0 SDK added (chat, audio devices, a forced crash) is in
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
        self._sessions: dict[str, RecordingSession] = {}
        self._active: RecordingSession | None = None
        self._used_tokens: set[str] = set()
        self._recorded: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()
        self.finished: list[SessionEnded] = []
        self.desktop_audio_devices: dict[AudioDeviceDirection, str | None] = {"input": None, "output": None}
        #: windows recorded with `disableRawMedia` (recordings here never use Raw Media either way)
        self.raw_media_disabled: set[str] = set()

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
            if local.first("started") is not None and local.id not in {
                s.local.id for s in self._sessions.values()
            }:
                self._spawn(self._resume_unfinished(local))

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
        if self._active is not None:
            raise ShutdownWhileRecordingError(self._active.window.id)
        self._initialised = False
        self.desktop.unsubscribe(self._listener)
        await self.desktop.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for session in self._sessions.values():
            await session.close()
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
        for session in self._sessions.values():
            await session.close()
        self._active = None

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
        async with self._lock:
            if self._active is not None and self._active.window.id == window.id:
                await self._stop(self._active)
        self._emit(events.MEETING_CLOSED, {"window": events.window_ref(window.id)})

    def _window(self, window_id: str) -> MeetingWindow:
        window = self.desktop.window(window_id)
        if window is None or window.closed:
            raise UnknownWindowError(window_id)
        return window

    # -- recording -------------------------------------------------------------------------------

    @property
    def state(self) -> events.SdkState:
        if self._active is None:
            return "idle"
        return "paused" if self._active.state == "paused" else "recording"

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
        self._check_initialised()
        window = self._window(window_id)
        if window_id in self._recorded:
            raise WindowAlreadyRecordedError(window_id)
        if upload_token in self._used_tokens:
            raise UploadTokenReusedError()
        needed = NEEDED_FOR_DESKTOP_AUDIO if window.desktop_audio else NEEDED_FOR_MEETING
        for permission in needed:
            if not self.desktop.has_permission(permission):
                raise PermissionMissingError(permission)
        async with self._lock:
            assert self.api_url is not None
            session = await start_session(
                self.config, self._emit, window, upload_token, self.api_url, realtime_events
            )
            # Only once the region has accepted the new recording: a refused token leaves the
            # current one recording.
            if self._active is not None:
                await self._stop(self._active)
            self._used_tokens.add(upload_token)
            self._recorded.add(window_id)
            if disable_raw_media:
                self.raw_media_disabled.add(window_id)
            self._sessions[window_id] = session
            self._active = session
            self._emit(events.SDK_STATE_CHANGE, events.sdk_state("recording"))
            self._emit(events.RECORDING_STARTED, events.recording_started(window_id))
            if session.kind == "mp4":
                self._emit(
                    events.MEDIA_CAPTURE_STATUS,
                    events.media_capture_status(window_id, "video", window.capturable),
                )
            self._emit(events.MEDIA_CAPTURE_STATUS, events.media_capture_status(window_id, "audio", True))
            session.announce_participants()
            self._log("recording started", "recording", window_id)

    def _session(self, window_id: str, *, active: bool = True) -> RecordingSession:
        self._check_initialised()
        session = self._sessions.get(window_id)
        if session is None:
            self._window(window_id)  # an unknown window says so
            raise NotRecordingError(f"Window {window_id!r} has not been recorded.")
        if active and session is not self._active:
            raise NotRecordingError(f"Window {window_id!r} is not recording.")
        return session

    async def stop_recording(self, window_id: str) -> None:
        """`stopRecording({windowId})`."""
        session = self._session(window_id)
        async with self._lock:
            if session is self._active:
                await self._stop(session)

    async def _stop(self, session: RecordingSession) -> None:
        window_id = session.window.id
        duration = await session.stop()
        self._active = None
        if session.kind == "mp4":
            self._emit(events.MEDIA_CAPTURE_STATUS, events.media_capture_status(window_id, "video", False))
        self._emit(events.MEDIA_CAPTURE_STATUS, events.media_capture_status(window_id, "audio", False))
        self._emit(events.SDK_STATE_CHANGE, events.sdk_state("idle"))
        self._log(f"recording stopped after {duration:.1f} s", "recording", window_id)
        if session.mode == "seed":
            self._emit(events.RECORDING_ENDED, {"window": events.window_ref(window_id)})
        else:
            # Parts keep uploading after the stop; the real SDK reports the end once they are up.
            self._spawn(self._finish_current(session))

    async def _finish_current(self, session: RecordingSession) -> None:
        ended = await session.finish()
        self._finished(session, ended)
        self._emit(events.RECORDING_ENDED, {"window": events.window_ref(session.window.id)})

    def _finished(self, session: RecordingSession, ended: SessionEnded) -> None:
        self.finished.append(ended)
        if ended.finalized:
            self._log("upload complete", "upload", session.window.id)

    async def pause_recording(self, window_id: str) -> None:
        """`pauseRecording({windowId})`: the recording goes on with blank media until resumed."""
        session = self._session(window_id)
        if session.state != "recording":
            raise NotRecordingError(f"Window {window_id!r} is not recording (it is {session.state}).")
        await session.pause()
        self._emit(events.SDK_STATE_CHANGE, events.sdk_state("paused"))

    async def resume_recording(self, window_id: str) -> None:
        """`resumeRecording({windowId})`."""
        session = self._session(window_id)
        if session.state != "paused":
            raise NotRecordingError(f"Window {window_id!r} is not paused.")
        await session.resume()
        self._emit(events.SDK_STATE_CHANGE, events.sdk_state("recording"))

    async def upload_recording(self, window_id: str) -> None:
        """`uploadRecording({windowId})`: in the seed upload mode, uploads the finished recording with
        `upload-progress` 0..100; in the current mode parts went up during the recording, so it does
        nothing. Resolves when the upload is finalized (or given up, with an `error` event)."""
        session = self._session(window_id, active=False)
        if session is self._active:
            raise NotRecordingError(f"Window {window_id!r} is still recording; stop it first.")
        if session.mode == "current":
            return
        if session.outcome is not None or session.state == "uploading":
            return
        session.state = "uploading"
        ended = await session.finish(progress=self._progress_reporter(window_id))
        self._finished(session, ended)

    def _progress_reporter(self, window_id: str) -> Any:
        last = -1

        def report(percent: int) -> None:
            nonlocal last
            percent = max(0, min(100, percent))
            if percent > last:
                last = percent
                self._emit(events.UPLOAD_PROGRESS, events.upload_progress(window_id, percent))

        report(0)
        return report

    async def prepare_desktop_audio_recording(self) -> str:
        """`prepareDesktopAudioRecording()`: a window id for recording the system audio and microphone."""
        self._check_initialised()
        return self.desktop.desktop_audio_window().id

    # -- after a crash ---------------------------------------------------------------------------

    async def _resume_unfinished(self, local: Any) -> None:
        """A recording left by an SDK that died: finish its upload as its mode would have."""
        session = recover_session(self.config, self._emit, local)
        self._sessions[session.window.id] = session
        self._recorded.add(session.window.id)
        self._log("resuming an unfinished recording", "recovery", session.window.id)
        progress = self._progress_reporter(session.window.id) if session.mode == "seed" else None
        ended = await session.finish(progress=progress)
        self._finished(session, ended)
        if session.mode == "current":
            self._emit(events.RECORDING_ENDED, {"window": events.window_ref(session.window.id)})

    async def settle(self) -> None:
        """Wait until background work (uploads, recovery) and event delivery are done. For tests and
        scenarios; the real SDK has no such call."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.dispatcher.flush()
