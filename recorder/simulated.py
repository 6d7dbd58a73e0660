"""A desktop that plays meeting scripts on the injected clock.

Each script opens its window at `opens_at` (at once if <= 0: a meeting already running when the SDK
initialises), gets its title and url at `details_at` (they may be missing at first, as in the real SDK),
turns uncapturable during its `uncapturable` spans (minimised, another virtual desktop) and closes after
`duration`. Window ids come from the seeded randomness, so runs repeat exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from recall_sim.recorder.desktop import (
    PERMISSIONS,
    AudioDevice,
    Desktop,
    DesktopListener,
    MeetingWindow,
    Permission,
)
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.seams import Clock, Randomness

__all__ = ["SimulatedDesktop"]

_QUIET = MeetingScript(platform="zoom", duration=24 * 3600.0)

#: a laptop's built-in microphone and speakers
DEFAULT_DEVICES = (
    AudioDevice("builtin-microphone", "Built-in Microphone", "input"),
    AudioDevice("builtin-speakers", "Built-in Speakers", "output"),
)


class SimulatedDesktop(Desktop):
    def __init__(
        self,
        clock: Clock,
        randomness: Randomness,
        meetings: list[MeetingScript] | tuple[MeetingScript, ...] = (),
        *,
        granted: tuple[Permission, ...] = PERMISSIONS,
        grant_on_request: bool = True,
        desktop_audio: MeetingScript | None = None,
        devices: tuple[AudioDevice, ...] = DEFAULT_DEVICES,
    ) -> None:
        self.clock = clock
        self.meetings = list(meetings)
        self._ids = randomness.stream("windows")
        self._granted = set(granted)
        self.grant_on_request = grant_on_request
        self._desktop_audio = desktop_audio or _QUIET
        self._windows: dict[str, MeetingWindow] = {}
        self._listeners: list[DesktopListener] = []
        self._task: asyncio.Task[None] | None = None
        self._extra: list[asyncio.Task[None]] = []
        self._started_at: float | None = None
        self.requests: list[Permission] = []
        self.devices = list(devices)
        #: chat messages posted into meetings: (window id, text, to, pin)
        self.chat_posted: list[tuple[str, str, str, bool]] = []

    # -- the Desktop interface ----------------------------------------------------------------

    def open_windows(self) -> list[MeetingWindow]:
        return [w for w in self._windows.values() if not w.closed and not w.desktop_audio]

    def window(self, window_id: str) -> MeetingWindow | None:
        return self._windows.get(window_id)

    def subscribe(self, listener: DesktopListener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: DesktopListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def has_permission(self, permission: Permission) -> bool:
        return permission in self._granted

    async def request_permission(self, permission: Permission) -> bool:
        self.requests.append(permission)
        if self.grant_on_request:
            self._granted.add(permission)
        return permission in self._granted

    def revoke(self, permission: Permission) -> None:
        self._granted.discard(permission)

    def grant(self, permission: Permission) -> None:
        self._granted.add(permission)

    def audio_devices(self) -> list[AudioDevice]:
        return list(self.devices)

    def open_meeting(self, script: MeetingScript) -> MeetingWindow:
        """A meeting window opens now (a test driving the desktop); it closes after its duration."""
        window = self._open(script, opened_at=self.clock.timestamp())
        if self._task is not None:
            self._extra.append(asyncio.get_running_loop().create_task(self._play_window(window)))
        return window

    def close_window(self, window_id: str) -> bool:
        """The user closes a meeting window now; False if no such window is open."""
        window = self._windows.get(window_id)
        if window is None or window.closed or window.desktop_audio:
            return False
        self._close(window)
        return True

    async def _play_window(self, window: MeetingWindow) -> None:
        script = window.script
        moments: list[tuple[float, Callable[[], None]]] = []
        if script.details_at > 0:
            moments.append((window.opened_at + script.details_at, lambda: self._update(window)))
        for start, end in script.uncapturable:
            moments.append((window.opened_at + start, lambda: self._set_capturable(window, False)))
            moments.append((window.opened_at + end, lambda: self._set_capturable(window, True)))
        moments.append((window.opened_at + script.duration, lambda: self._close(window)))
        for moment, action in sorted(moments, key=lambda item: item[0]):
            await self.clock.sleep_until(moment)
            action()

    def desktop_audio_window(self) -> MeetingWindow:
        window = MeetingWindow(
            id=str(self._ids.uuid4()),
            platform="desktop-audio",
            script=self._desktop_audio,
            opened_at=self.clock.timestamp() - max(0.0, -self._desktop_audio.opens_at),
            desktop_audio=True,
        )
        self._windows[window.id] = window
        return window

    async def start(self) -> None:
        """Open the meetings already running, then play the rest on the clock."""
        if self._task is not None:
            return
        self._started_at = self.clock.timestamp()
        for script in sorted(self.meetings, key=lambda s: s.opens_at):
            if script.opens_at <= 0:
                self._open(script, opened_at=self._started_at + script.opens_at)
        self._task = asyncio.get_running_loop().create_task(self._play(), name="simulated desktop")

    async def stop(self) -> None:
        task, self._task = self._task, None
        tasks, self._extra = [task, *self._extra], []
        for each in tasks:
            if each is not None:
                each.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await each

    # -- playing the scripts -------------------------------------------------------------------

    def _notify(self, action: Callable[[DesktopListener], None]) -> None:
        for listener in list(self._listeners):
            action(listener)

    def _open(self, script: MeetingScript, opened_at: float) -> MeetingWindow:
        known = script.details_at <= 0
        window = MeetingWindow(
            id=str(self._ids.uuid4()),
            platform=script.platform,
            script=script,
            opened_at=opened_at,
            title=script.title if known else None,
            url=script.url if known else None,
        )
        self._windows[window.id] = window
        self._notify(lambda listener: listener.window_opened(window))
        return window

    async def _play(self) -> None:
        assert self._started_at is not None
        timeline: list[tuple[float, int, Callable[[], None]]] = []
        order = 0

        def at(moment: float, action: Callable[[], None]) -> None:
            nonlocal order
            timeline.append((moment, order, action))
            order += 1

        def schedule_window(window: MeetingWindow) -> None:
            script = window.script
            if script.details_at > 0:
                at(window.opened_at + script.details_at, lambda: self._update(window))
            for start, end in script.uncapturable:
                at(window.opened_at + start, lambda: self._set_capturable(window, False))
                at(window.opened_at + end, lambda: self._set_capturable(window, True))
            at(window.opened_at + script.duration, lambda: self._close(window))

        for window in list(self._windows.values()):
            if not window.desktop_audio:
                schedule_window(window)
        for script in self.meetings:
            if script.opens_at > 0:
                moment = self._started_at + script.opens_at

                def opener(script: MeetingScript = script, moment: float = moment) -> None:
                    schedule_window(self._open(script, opened_at=moment))
                    timeline.sort(key=lambda item: (item[0], item[1]))

                at(moment, opener)
        timeline.sort(key=lambda item: (item[0], item[1]))
        while timeline:
            moment, _, action = timeline.pop(0)
            await self.clock.sleep_until(moment)
            action()

    def _update(self, window: MeetingWindow) -> None:
        if window.closed:
            return
        window.title, window.url = window.script.title, window.script.url
        self._notify(lambda listener: listener.window_updated(window))

    def _set_capturable(self, window: MeetingWindow, capturable: bool) -> None:
        if window.closed or window.capturable == capturable:
            return
        window.capturable = capturable
        self._notify(lambda listener: listener.capture_changed(window))

    def _close(self, window: MeetingWindow) -> None:
        if window.closed:
            return
        window.closed = True
        self._notify(lambda listener: listener.window_closed(window))
