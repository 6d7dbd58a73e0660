"""The Desktop SDK's session commands (contract section 7): start, stop, pause, resume and upload a
recording, and finishing what an earlier run of the SDK left unfinished.

`RecallAiSdk` (recorder.sdk) holds one `SessionCommands` and hands these commands to it; it keeps
`init`, its events and its lifecycle itself. The rules are the real SDK's: one recording at a time
(starting another stops the current one), an upload token records once, a window is recorded once,
recording needs its permissions. Every misuse raises one of the errors in `recorder.errors`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from recall_sim.recorder import events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.desktop import NEEDED_FOR_DESKTOP_AUDIO, NEEDED_FOR_MEETING, Desktop, MeetingWindow
from recall_sim.recorder.errors import (
    NotRecordingError,
    PermissionMissingError,
    UploadTokenReusedError,
    WindowAlreadyRecordedError,
)
from recall_sim.recorder.session import RecordingSession, SessionEnded
from recall_sim.recorder.session_open import recover_session, start_session
from recall_sim.recorder.storage import LocalRecording

__all__ = ["SdkHost", "SessionCommands"]


class SdkHost(Protocol):
    """What the session commands use of the SDK object that holds them: its configuration and
    desktop, the region it was initialised against, and its event stream and background tasks."""

    config: SdkConfig
    desktop: Desktop
    api_url: str | None

    def _check_initialised(self) -> None: ...

    def _window(self, window_id: str) -> MeetingWindow: ...

    def _emit(self, name: str, payload: dict[str, Any]) -> None: ...

    def _log(
        self, message: str, category: str, window_id: str | None = None, level: str = "info"
    ) -> None: ...

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]: ...


class SessionCommands:
    """The recordings of one SDK object: each window's session, the one recording now, and the uploads
    that have ended."""

    def __init__(self, sdk: SdkHost) -> None:
        self.sdk = sdk
        #: window id -> its recording session (a window is recorded once)
        self.sessions: dict[str, RecordingSession] = {}
        #: the session recording (or paused) now, if any
        self.active: RecordingSession | None = None
        self.used_tokens: set[str] = set()
        self.recorded: set[str] = set()
        self.finished: list[SessionEnded] = []
        #: windows recorded with `disableRawMedia` (recordings here never use Raw Media either way)
        self.raw_media_disabled: set[str] = set()
        self._lock = asyncio.Lock()

    @property
    def state(self) -> events.SdkState:
        if self.active is None:
            return "idle"
        return "paused" if self.active.state == "paused" else "recording"

    def knows(self, local_id: str) -> bool:
        """Whether a session of this SDK object records (or recorded) into that local recording."""
        return local_id in {s.local.id for s in self.sessions.values()}

    # -- the commands ------------------------------------------------------------------------------

    async def start_recording(
        self,
        window_id: str,
        upload_token: str,
        realtime_events: list[str] | None = None,
        *,
        disable_raw_media: bool = False,
    ) -> None:
        sdk = self.sdk
        sdk._check_initialised()
        window = sdk._window(window_id)
        if window_id in self.recorded:
            raise WindowAlreadyRecordedError(window_id)
        if upload_token in self.used_tokens:
            raise UploadTokenReusedError()
        needed = NEEDED_FOR_DESKTOP_AUDIO if window.desktop_audio else NEEDED_FOR_MEETING
        for permission in needed:
            if not sdk.desktop.has_permission(permission):
                raise PermissionMissingError(permission)
        async with self._lock:
            assert sdk.api_url is not None
            session = await start_session(
                sdk.config, sdk._emit, window, upload_token, sdk.api_url, realtime_events
            )
            # Only once the region has accepted the new recording: a refused token leaves the
            # current one recording.
            if self.active is not None:
                await self._stop(self.active)
            self.used_tokens.add(upload_token)
            self.recorded.add(window_id)
            if disable_raw_media:
                self.raw_media_disabled.add(window_id)
            self.sessions[window_id] = session
            self.active = session
            sdk._emit(events.SDK_STATE_CHANGE, events.sdk_state("recording"))
            sdk._emit(events.RECORDING_STARTED, events.recording_started(window_id))
            if session.kind == "mp4":
                sdk._emit(
                    events.MEDIA_CAPTURE_STATUS,
                    events.media_capture_status(window_id, "video", window.capturable),
                )
            sdk._emit(events.MEDIA_CAPTURE_STATUS, events.media_capture_status(window_id, "audio", True))
            session.announce_participants()
            sdk._log("recording started", "recording", window_id)

    def session(self, window_id: str, *, active: bool = True) -> RecordingSession:
        """The window's session (the one recording now, with `active`); misuse raises as the SDK does."""
        self.sdk._check_initialised()
        session = self.sessions.get(window_id)
        if session is None:
            self.sdk._window(window_id)  # an unknown window says so
            raise NotRecordingError(f"Window {window_id!r} has not been recorded.")
        if active and session is not self.active:
            raise NotRecordingError(f"Window {window_id!r} is not recording.")
        return session

    async def stop_recording(self, window_id: str) -> None:
        session = self.session(window_id)
        async with self._lock:
            if session is self.active:
                await self._stop(session)

    async def window_closed(self, window_id: str) -> None:
        """The meeting ended: a recording of it ends too."""
        async with self._lock:
            if self.active is not None and self.active.window.id == window_id:
                await self._stop(self.active)

    async def _stop(self, session: RecordingSession) -> None:
        sdk = self.sdk
        window_id = session.window.id
        duration = await session.stop()
        self.active = None
        if session.kind == "mp4":
            sdk._emit(events.MEDIA_CAPTURE_STATUS, events.media_capture_status(window_id, "video", False))
        sdk._emit(events.MEDIA_CAPTURE_STATUS, events.media_capture_status(window_id, "audio", False))
        sdk._emit(events.SDK_STATE_CHANGE, events.sdk_state("idle"))
        sdk._log(f"recording stopped after {duration:.1f} s", "recording", window_id)
        if session.mode == "seed":
            sdk._emit(events.RECORDING_ENDED, {"window": events.window_ref(window_id)})
        else:
            # Parts keep uploading after the stop; the real SDK reports the end once they are up.
            sdk._spawn(self._finish_current(session))

    async def _finish_current(self, session: RecordingSession) -> None:
        ended = await session.finish()
        self._finished(session, ended)
        self.sdk._emit(events.RECORDING_ENDED, {"window": events.window_ref(session.window.id)})

    def _finished(self, session: RecordingSession, ended: SessionEnded) -> None:
        self.finished.append(ended)
        if ended.finalized:
            self.sdk._log("upload complete", "upload", session.window.id)

    async def pause_recording(self, window_id: str) -> None:
        session = self.session(window_id)
        if session.state != "recording":
            raise NotRecordingError(f"Window {window_id!r} is not recording (it is {session.state}).")
        await session.pause()
        self.sdk._emit(events.SDK_STATE_CHANGE, events.sdk_state("paused"))

    async def resume_recording(self, window_id: str) -> None:
        session = self.session(window_id)
        if session.state != "paused":
            raise NotRecordingError(f"Window {window_id!r} is not paused.")
        await session.resume()
        self.sdk._emit(events.SDK_STATE_CHANGE, events.sdk_state("recording"))

    async def upload_recording(self, window_id: str) -> None:
        session = self.session(window_id, active=False)
        if session is self.active:
            raise NotRecordingError(f"Window {window_id!r} is still recording; stop it first.")
        if session.mode == "current":
            return
        if session.outcome is not None or session.state == "uploading":
            return
        session.state = "uploading"
        ended = await session.finish(progress=self._progress_reporter(window_id))
        self._finished(session, ended)

    def _progress_reporter(self, window_id: str) -> Callable[[int], None]:
        last = -1

        def report(percent: int) -> None:
            nonlocal last
            percent = max(0, min(100, percent))
            if percent > last:
                last = percent
                self.sdk._emit(events.UPLOAD_PROGRESS, events.upload_progress(window_id, percent))

        report(0)
        return report

    # -- after a crash, and at the end ---------------------------------------------------------------

    async def resume_unfinished(self, local: LocalRecording) -> None:
        """A recording left by an SDK that died: finish its upload as its mode would have."""
        sdk = self.sdk
        session = recover_session(sdk.config, sdk._emit, local)
        self.sessions[session.window.id] = session
        self.recorded.add(session.window.id)
        sdk._log("resuming an unfinished recording", "recovery", session.window.id)
        progress = self._progress_reporter(session.window.id) if session.mode == "seed" else None
        ended = await session.finish(progress=progress)
        self._finished(session, ended)
        if session.mode == "current":
            sdk._emit(events.RECORDING_ENDED, {"window": events.window_ref(session.window.id)})

    async def close(self) -> None:
        """Let go of every session (the SDK's tasks are already stopped): nothing records any more."""
        for session in self.sessions.values():
            await session.close()
        self.active = None
