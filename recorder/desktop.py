"""The platform layer: what the SDK sees of the desktop it runs on.

The real SDK watches the operating system for meeting windows (Zoom, Meet, Teams, Slack), asks for
permissions, and captures the window's video and the system's audio. Here that is an interface: a
`Desktop` reports meeting windows as they open, change and close, holds permissions, and tells whether
a window can be captured. `SimulatedDesktop` (simulated.py) plays meeting scripts on the clock; a real
backend can implement the same interface later.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal, Protocol

from recall_sim.recorder.meeting import MeetingScript

__all__ = [
    "PERMISSIONS",
    "AudioDevice",
    "AudioDeviceDirection",
    "Desktop",
    "DesktopListener",
    "MeetingWindow",
    "Permission",
]

Permission = Literal["accessibility", "screen-capture", "microphone", "system-audio"]
PERMISSIONS: tuple[Permission, ...] = ("accessibility", "screen-capture", "microphone", "system-audio")

#: what recording a meeting window needs; desktop audio needs only the audio permissions
NEEDED_FOR_MEETING: tuple[Permission, ...] = ("accessibility", "screen-capture", "microphone")
NEEDED_FOR_DESKTOP_AUDIO: tuple[Permission, ...] = ("microphone", "system-audio")


@dataclass
class MeetingWindow:
    """A window the SDK can record. `script` is what plays in it (the simulated desktop's meeting)."""

    id: str
    platform: str
    script: MeetingScript
    #: the desktop clock's timestamp when the window opened: the script's time zero
    opened_at: float
    title: str | None = None
    url: str | None = None
    capturable: bool = True
    closed: bool = False
    #: a desktop-audio "window" (prepare_desktop_audio_recording): system audio and microphone only
    desktop_audio: bool = False
    extra: dict[str, object] = field(default_factory=dict)


AudioDeviceDirection = Literal["input", "output"]


@dataclass(frozen=True)
class AudioDevice:
    """A microphone (`input`) or speakers (`output`) a desktop-audio recording can use."""

    id: str
    name: str
    direction: AudioDeviceDirection

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "direction": self.direction}


class DesktopListener(Protocol):
    def window_opened(self, window: MeetingWindow) -> None: ...

    def window_updated(self, window: MeetingWindow) -> None: ...

    def window_closed(self, window: MeetingWindow) -> None: ...

    def capture_changed(self, window: MeetingWindow) -> None: ...


class Desktop(ABC):
    """What the SDK needs from the machine it runs on."""

    @abstractmethod
    def open_windows(self) -> list[MeetingWindow]:
        """Meeting windows open right now (already-running meetings are detected at `init`)."""

    @abstractmethod
    def window(self, window_id: str) -> MeetingWindow | None: ...

    @abstractmethod
    def subscribe(self, listener: DesktopListener) -> None: ...

    @abstractmethod
    def unsubscribe(self, listener: DesktopListener) -> None: ...

    @abstractmethod
    def has_permission(self, permission: Permission) -> bool: ...

    @abstractmethod
    async def request_permission(self, permission: Permission) -> bool:
        """Ask the user; True if granted."""

    @abstractmethod
    def desktop_audio_window(self) -> MeetingWindow:
        """A window that records the system's audio and the microphone, whatever is playing."""

    def audio_devices(self) -> list[AudioDevice]:
        """The audio endpoints desktop-audio recordings can be pointed at (none by default)."""
        return []

    #: seconds a chat message takes to reach the meeting; None: the meeting has no chat to post in
    chat_delay: float | None = 0.5

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...
