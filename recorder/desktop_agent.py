"""The helper process behind the Desktop SDK for JavaScript: the Python SDK on a simulated desktop,
driven by JSON lines on stdin and reporting on stdout (recorder.agent_protocol).

The real npm package is a thin JavaScript layer over a native helper it spawns; `@recall-sim/desktop-sdk`
spawns this instead. Each command runs as a task of its own, so a long `uploadRecording` does not hold
up the others. The agent lives exactly as long as its parent: it stops when stdin closes (the Node
process exited, however it died), after answering `shutdown`, or on SIGINT/SIGTERM.

Besides the SDK's own commands it takes `desktop.*` commands, for tests that drive the desktop: open a
meeting window, close one, revoke or grant a permission, take the network down and bring it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast

import httpx

from recall_sim.recorder import agent_protocol as protocol
from recall_sim.recorder import events as sdk_events
from recall_sim.recorder.config import SdkConfig, UploadMode
from recall_sim.recorder.desktop import PERMISSIONS, Permission
from recall_sim.recorder.errors import InvalidArgumentError, NotInitialisedError, RecallSdkError
from recall_sim.recorder.media import get_profile
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.seams import Randomness, RealClock, entropy_seed

__all__ = ["AgentOptions", "DesktopAgent", "MeetingResolver", "OfflineSwitch", "run_agent"]

#: a meeting's name (shipped meeting or named scenario), a file's path, or a script inline
MeetingResolver = Callable[[Any], MeetingScript]

#: exit code of `testUnexpectedShutdown`: the helper dies as if it had crashed
CRASH_EXIT_CODE = 70


@dataclass
class AgentOptions:
    """How the agent starts; `init`'s options may override each (meeting, uploadMode, seed, ...)."""

    meeting: str
    upload_mode: str = "auto"
    seed: int | None = None
    time_scale: float = 1.0
    media: str = "tiny"
    recordings_dir: Path | None = None


class OfflineSwitch(httpx.AsyncBaseTransport):
    """The desktop's network: while it is off every request fails as a refused connection does."""

    def __init__(self) -> None:
        self.online = True
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.online:
            raise httpx.ConnectError("the desktop's network is down", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _text(params: dict[str, Any], name: str, command: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(f"{command}() needs {name} (a non-empty string).")
    return value


class DesktopAgent:
    def __init__(self, options: AgentOptions, resolve: MeetingResolver, write: Callable[[str], None]) -> None:
        self.options = options
        self.resolve = resolve
        self.write = write
        self.clock = RealClock(scale=options.time_scale)
        self.network = OfflineSwitch()
        self.sdk: RecallAiSdk | None = None
        self.desktop: SimulatedDesktop | None = None
        self.upload_mode = options.upload_mode
        self.done = asyncio.Event()
        self.exit_code = 0
        self._scratch: Path | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "init": self._init,
            "shutdown": self._shutdown,
            "startRecording": self._start_recording,
            "stopRecording": lambda p: self._sdk().stop_recording(_text(p, "windowId", "stopRecording")),
            "pauseRecording": lambda p: self._sdk().pause_recording(_text(p, "windowId", "pauseRecording")),
            "resumeRecording": lambda p: self._sdk().resume_recording(
                _text(p, "windowId", "resumeRecording")
            ),
            "uploadRecording": lambda p: self._sdk().upload_recording(
                _text(p, "windowId", "uploadRecording")
            ),
            "prepareDesktopAudioRecording": lambda p: self._sdk().prepare_desktop_audio_recording(),
            "sendChatMessage": self._send_chat_message,
            "listDevices": lambda p: self._sdk().list_devices(),
            "setDesktopAudioDevice": lambda p: self._sdk().set_desktop_audio_device(
                p.get("id"), str(p.get("direction"))
            ),
            "requestPermission": self._request_permission,
            "testUnexpectedShutdown": self._crash,
            "dumpAXTree": self._dump_ax_tree,
            "dumpAllApplications": self._dump_all_applications,
            "desktop.openMeeting": self._open_meeting,
            "desktop.closeMeeting": self._close_meeting,
            "desktop.revokePermission": self._revoke,
            "desktop.grantPermission": self._grant,
            "desktop.setNetwork": self._set_network,
        }

    # -- the loop -------------------------------------------------------------------------------

    def receive(self, line: str) -> None:
        """One line from stdin: run the command it carries as a task of its own."""
        if not line.strip():
            return
        try:
            command = protocol.parse_command(line)
        except protocol.ProtocolError as error:
            self.write(protocol.failure(error.command_id, "protocol_error", str(error)))
            return
        task = asyncio.get_running_loop().create_task(self._run(command), name=command.command)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, command: protocol.Command) -> None:
        handler = self._handlers.get(command.command)
        if handler is None:
            known = ", ".join(sorted(self._handlers))
            message = f"Unknown command {command.command!r}; one of {known}."
            self.write(protocol.failure(command.id, "unknown_command", message))
            return
        try:
            result = await handler(command.params)
        except RecallSdkError as error:
            reply = protocol.failure(command.id, error.code, str(error))
        except ValueError as error:  # the Python SDK's refusal of an unknown event or permission name
            reply = protocol.failure(command.id, "invalid_argument", str(error))
        except Exception as error:  # a bug here must reach the caller as a rejection, not hang it
            print(f"desktop-agent: {command.command} failed: {error!r}", file=sys.stderr, flush=True)
            reply = protocol.failure(command.id, "internal_error", f"{command.command}: {error!r}")
        else:
            reply = protocol.answer(command.id, result)
        if self.sdk is not None:
            # The events a command caused reach the app before its answer does, so a caller that
            # awaits `uploadRecording` has seen `upload-progress` 100 by then.
            await self.sdk.dispatcher.flush()
        self.write(reply)
        if command.command == "shutdown" and self.sdk is None:
            self.done.set()

    async def close(self) -> None:
        """The parent went away (or asked to stop): leave what is journaled, as a dying process does."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.sdk is not None and self.sdk.initialised:
            await self.sdk.abandon()
        await self.network.aclose()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    # -- the SDK's commands ----------------------------------------------------------------------

    def _sdk(self) -> RecallAiSdk:
        if self.sdk is None or not self.sdk.initialised:
            raise NotInitialisedError()
        return self.sdk

    def _forward(self, name: str) -> Callable[[dict[str, Any]], None]:
        def listener(payload: dict[str, Any]) -> None:
            self.write(protocol.event(name, payload))

        return listener

    async def _init(self, params: dict[str, Any]) -> None:
        config = params.get("config", params)
        if isinstance(config, str):  # the real package sends its options as a JSON string
            config = json.loads(config)
        if not isinstance(config, dict):
            raise InvalidArgumentError("init() takes an options object.")
        if self.sdk is not None and self.sdk.initialised:
            return  # already running: the real SDK's init is idempotent within one helper
        meeting = self.resolve(config.get("meeting") or self.options.meeting)
        mode = str(config.get("uploadMode") or self.options.upload_mode)
        if mode not in ("auto", "seed", "current"):
            raise InvalidArgumentError(f'uploadMode is "auto", "seed" or "current", got {mode!r}.')
        self.upload_mode = mode
        seed = config.get("seed", self.options.seed)
        randomness = Randomness(int(seed) if seed is not None else entropy_seed())
        media = str(config.get("mediaProfile") or self.options.media)
        profile = get_profile(media)
        recordings = config.get("recordingsDir") or self.options.recordings_dir
        if recordings is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="recall-sim-agent-"))
            recordings = self._scratch
        # The same derivations as `recall-sim record`: with one seed and one meeting, both see the
        # same window ids and the same media.
        self.desktop = SimulatedDesktop(self.clock, randomness.derive("desktop"), [meeting])
        sdk = RecallAiSdk(
            SdkConfig(
                desktop=self.desktop,
                clock=self.clock,
                randomness=randomness.derive("sdk"),
                recordings_dir=Path(recordings),
                upload_mode="seed" if mode == "auto" else mode,  # type: ignore[arg-type]
                media_profile=profile,
                transport=self.network,
            )
        )
        for name in sdk_events.ALL_EVENTS:
            if name != sdk_events.SHUTDOWN:  # the JavaScript side reports the process's own exit
                sdk.add_event_listener(name, self._forward(name))
        permissions = config.get("acquirePermissionsOnStartup") or []
        if not isinstance(permissions, list):
            raise InvalidArgumentError("acquirePermissionsOnStartup is a list of permissions.")
        self.sdk = sdk
        try:
            await sdk.init(
                api_url=config.get("api_url") or config.get("apiUrl"),
                acquire_permissions_on_startup=permissions,
                restart_on_error=bool(config.get("restartOnError", False)),
            )
        except BaseException:
            self.sdk = None
            raise

    async def _shutdown(self, params: dict[str, Any]) -> None:
        await self._sdk().shutdown()
        self.done.set()

    async def _workspace_mode(self, upload_token: str) -> UploadMode:
        """`uploadMode: auto`: record as the SDK generation of the upload's workspace would, asking a
        simulated region's control plane; a region without one is taken to be a seed-era one."""
        sdk = self._sdk()
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                state = (await http.get(f"{sdk.api_url}/_simulator/state")).json()
            collections = state["collections"]
            token = next(t for t in collections["upload_tokens"] if t["id"] == upload_token)
            workspace = next(w for w in collections["workspaces"] if w["id"] == token["workspace_id"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError, StopIteration):
            return "seed"
        return "current" if workspace.get("profile") == "current" else "seed"

    async def _start_recording(self, params: dict[str, Any]) -> None:
        sdk = self._sdk()
        window_id = _text(params, "windowId", "startRecording")
        token = _text(params, "uploadToken", "startRecording")
        realtime = params.get("realtimeEvents")
        if realtime is not None and not (
            isinstance(realtime, list) and all(isinstance(e, str) for e in realtime)
        ):
            raise InvalidArgumentError("realtimeEvents is a list of event names.")
        if self.upload_mode == "auto":
            sdk.config.upload_mode = await self._workspace_mode(token)
        await sdk.start_recording(
            window_id, token, realtime, disable_raw_media=bool(params.get("disableRawMedia", False))
        )

    async def _send_chat_message(self, params: dict[str, Any]) -> None:
        sdk = self._sdk()
        await sdk.send_chat_message(
            _text(params, "windowId", "sendChatMessage"),
            params.get("message"),  # type: ignore[arg-type]  # the SDK checks it
            params.get("to", "everyone"),
            bool(params.get("pin", False)),
        )

    async def _request_permission(self, params: dict[str, Any]) -> None:
        await self._sdk().request_permission(params.get("permission"))  # type: ignore[arg-type]

    async def _crash(self, params: dict[str, Any]) -> None:
        """`testUnexpectedShutdown()`: die at once, answering nothing, as a crashed helper does."""
        self._sdk()
        sys.stdout.flush()
        os._exit(CRASH_EXIT_CODE)

    async def _dump_ax_tree(self, params: dict[str, Any]) -> dict[str, Any]:
        self._sdk()
        return {"process": params.get("procName"), "windows": self._meeting_windows()}

    async def _dump_all_applications(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self._sdk()
        return self._meeting_windows()

    def _meeting_windows(self) -> list[dict[str, Any]]:
        assert self.desktop is not None
        return [
            {"id": w.id, "platform": w.platform, "title": w.title, "url": w.url}
            for w in self.desktop.open_windows()
        ]

    # -- driving the desktop from a test ---------------------------------------------------------

    def _desktop(self) -> SimulatedDesktop:
        self._sdk()
        assert self.desktop is not None
        return self.desktop

    async def _open_meeting(self, params: dict[str, Any]) -> str:
        desktop = self._desktop()
        meeting = params.get("meeting") or self.options.meeting
        return desktop.open_meeting(self.resolve(meeting)).id

    async def _close_meeting(self, params: dict[str, Any]) -> bool:
        return self._desktop().close_window(_text(params, "windowId", "desktop.closeMeeting"))

    def _permission(self, params: dict[str, Any]) -> Permission:
        permission = params.get("permission")
        if permission not in PERMISSIONS:
            raise InvalidArgumentError(f"unknown permission {permission!r}; one of {', '.join(PERMISSIONS)}")
        return cast(Permission, permission)

    async def _revoke(self, params: dict[str, Any]) -> None:
        self._desktop().revoke(self._permission(params))

    async def _grant(self, params: dict[str, Any]) -> None:
        desktop = self._desktop()
        desktop.grant(self._permission(params))

    async def _set_network(self, params: dict[str, Any]) -> None:
        self._desktop()
        online = params.get("online")
        if not isinstance(online, bool):
            raise InvalidArgumentError("desktop.setNetwork needs online: true or false.")
        self.network.online = online


async def _read_lines(stream: TextIO, agent: DesktopAgent) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=16 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stream)
    while True:
        line = await reader.readline()
        if not line:
            return  # the parent closed stdin: it has exited
        agent.receive(line.decode("utf-8", errors="replace"))


async def run_agent(options: AgentOptions, resolve: MeetingResolver) -> int:
    """Serve commands on stdin until shutdown, stdin's end or a signal; the exit code."""

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    agent = DesktopAgent(options, resolve, write)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, agent.done.set)
    reading = loop.create_task(_read_lines(sys.stdin, agent))
    stopping = loop.create_task(agent.done.wait())
    await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    for task in (reading, stopping):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await agent.close()
    return agent.exit_code
