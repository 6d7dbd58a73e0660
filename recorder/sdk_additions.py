"""What the 2.0 Desktop SDK adds to the seed's session commands (contract section 7): chat messages and
their compliance status, the audio devices desktop-audio recordings use, and a forced crash for testing.

`RecallAiSdk` (recorder.sdk) takes these methods from `SdkAdditions`; they work on the same state and
follow the same rules as the session commands (recorder.sdk_session: nothing before `init`, misuse raises
an error of `recorder.errors`).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from recall_sim.recorder import events
from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.desktop import AudioDeviceDirection, Desktop
from recall_sim.recorder.dispatch import Dispatcher
from recall_sim.recorder.errors import InvalidArgumentError
from recall_sim.recorder.sdk_session import SessionCommands
from recall_sim.recorder.session import RecordingSession

__all__ = ["CHAT_MESSAGE_MAX", "CHAT_TIMEOUT", "SdkAdditions"]

#: the longest chat message the SDK sends, in characters
CHAT_MESSAGE_MAX = 4096
#: seconds the SDK waits for a meeting's chat before reporting the message `timeout`
CHAT_TIMEOUT = 10.0


class SdkAdditions:
    """The 2.0 methods of `RecallAiSdk`, over the state the SDK object keeps."""

    config: SdkConfig
    desktop: Desktop
    dispatcher: Dispatcher
    _recordings: SessionCommands
    #: the device chosen per direction for desktop-audio recordings (None: the system's default)
    desktop_audio_devices: dict[AudioDeviceDirection, str | None]

    if TYPE_CHECKING:  # RecallAiSdk's own, which these methods build on

        def _check_initialised(self) -> None: ...

        def _spawn(self, coroutine: Any) -> asyncio.Task[Any]: ...

        def _emit(self, name: str, payload: dict[str, Any]) -> None: ...

        async def abandon(self) -> None: ...

    # -- chat and compliance ---------------------------------------------------------------------

    async def send_chat_message(
        self, window_id: str, message: str, to: str = "everyone", pin: bool = False
    ) -> None:
        """`sendChatMessage({windowId, message, to?, pin?})`: posts into the recorded meeting's chat.
        Resolves once queued; `compliance-message-status` then says `sent`, `cancelled` (the recording
        ended first) or `timeout` (the meeting has no chat to post in)."""
        if not isinstance(message, str) or not 1 <= len(message) <= CHAT_MESSAGE_MAX:
            raise InvalidArgumentError(f"A chat message has between 1 and {CHAT_MESSAGE_MAX} characters.")
        if not isinstance(to, str) or not to:
            raise InvalidArgumentError('A chat message needs a recipient: a participant id or "everyone".')
        session = self._recordings.session(window_id)
        self._spawn(self._post_chat(session, message, to, pin))

    async def _post_chat(self, session: RecordingSession, message: str, to: str, pin: bool) -> None:
        window_id = session.window.id
        delay = self.desktop.chat_delay
        await self.config.clock.sleep(CHAT_TIMEOUT if delay is None else min(delay, CHAT_TIMEOUT))
        if delay is None:
            status: events.ComplianceStatus = "timeout"
        elif session is not self._recordings.active:
            status = "cancelled"
        else:
            status = "sent"
            posted = getattr(self.desktop, "chat_posted", None)
            if isinstance(posted, list):
                posted.append((window_id, message, to, pin))
        self._emit(events.COMPLIANCE_MESSAGE_STATUS, events.compliance_message_status(window_id, status))

    # -- audio devices ---------------------------------------------------------------------------

    async def list_devices(self) -> list[dict[str, str]]:
        """`listDevices()`: the microphones and speakers desktop-audio recordings can use."""
        self._check_initialised()
        return [device.to_dict() for device in self.desktop.audio_devices()]

    async def set_desktop_audio_device(self, device_id: str | None, direction: str) -> None:
        """`setDesktopAudioDevice(id | null, dir)`: the device later desktop-audio recordings use for
        `input` (microphone) or `output` (speakers); None goes back to the system's choice."""
        self._check_initialised()
        if direction not in ("input", "output"):
            raise InvalidArgumentError(f'The direction is "input" or "output", got {direction!r}.')
        if device_id is not None and not any(
            d.id == device_id and d.direction == direction for d in self.desktop.audio_devices()
        ):
            raise InvalidArgumentError(f"No {direction} device {device_id!r}; listDevices() names them.")
        self.desktop_audio_devices[direction] = device_id  # type: ignore[index]

    # -- a forced crash --------------------------------------------------------------------------

    async def test_unexpected_shutdown(self) -> None:
        """`testUnexpectedShutdown()`: the SDK dies as a crashed helper process would, for testing how
        an app copes. Listeners get `error {type: "process"}` and `shutdown` with a non-zero code; what
        was journaled is uploaded by the next `init` on the same recordings folder."""
        self._check_initialised()
        self._emit(events.ERROR, events.error("process", "The Desktop SDK process exited unexpectedly."))
        self._emit(events.SHUTDOWN, events.shutdown(1, None))
        await self.dispatcher.flush()
        await self.abandon()
