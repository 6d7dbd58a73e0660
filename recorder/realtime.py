"""The SDK's real-time channel to the region: a WebSocket that lives as long as one recording.

The real SDK streams the meeting's audio to Recall while it records, and Recall's streaming
transcription answers with words a moment later. Here the "audio" is what the speech track will carry:
each word the recording keeps, sent as its end passes, plus the participant events the SDK observes
(README, "The real-time channel"). The region answers with `transcript.partial_data` and
`transcript.data` events, which the SDK hands to its `realtime-event` listeners.

Every frame carries a sequence number and stays queued until the region acknowledges it, so a network
drop loses nothing: the channel reconnects with backoff and sends again whatever was not acknowledged
(the region ignores a sequence number it has seen). The channel never holds up the recording; if the
region stays unreachable past the retry budget it gives up with an `error` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
from httpx_ws import (
    AsyncWebSocketSession,
    WebSocketDisconnect,
    WebSocketNetworkError,
    WebSocketUpgradeError,
    aconnect_ws,
)

from recall_sim.recorder.retry import RetryPolicy
from recall_sim.seams import Clock, RandomStream

__all__ = ["RealtimeChannel"]

#: what the region sends back that the SDK passes on: (event name, the event's `data` object)
OnEvent = Callable[[str, dict[str, Any]], None]
OnTrouble = Callable[[str], None]

_CONNECTION_ERRORS = (
    httpx.TransportError,
    WebSocketDisconnect,
    WebSocketNetworkError,
    WebSocketUpgradeError,
    OSError,
)


def _lost_connection(error: BaseException) -> bool:
    """A connection refused or lost, possibly wrapped in the exception groups of httpx_ws's tasks."""
    if isinstance(error, BaseExceptionGroup):
        return all(_lost_connection(inner) for inner in error.exceptions)
    return isinstance(error, _CONNECTION_ERRORS)


class RealtimeChannel:
    def __init__(
        self,
        url: str,
        upload_token: str,
        *,
        clock: Clock,
        jitter: RandomStream,
        policy: RetryPolicy,
        on_event: OnEvent,
        on_trouble: OnTrouble,
        transport: Callable[[], httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.url = url
        self.upload_token = upload_token
        self.clock = clock
        self.jitter = jitter
        self.policy = policy
        self.on_event = on_event
        self.on_trouble = on_trouble
        self.transport = transport
        self._seq = 0
        #: frames not yet acknowledged, in order: resent after a reconnect
        self._unacked: dict[int, dict[str, Any]] = {}
        self._wake = asyncio.Event()
        self._ended = False
        self._task: asyncio.Task[None] | None = None
        self.gave_up = False
        #: seconds to wait, after `end` is acknowledged, for the region to close the connection
        self.linger = 30.0
        self._received: set[str | None] = set()
        #: how many times the channel (re)connected; 1 on a clean run
        self.connections = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="realtime channel")

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame; it goes out as soon as the connection allows, and again until acknowledged."""
        if self._ended or self.gave_up:
            return
        self._seq += 1
        self._unacked[self._seq] = {**frame, "seq": self._seq}
        self._wake.set()

    async def end(self, timeout: float | None = None) -> None:
        """Send `end`; return once the region has acknowledged everything and closed the connection
        after its last events (or, on the clock, after `timeout`: by default the retry budget, since
        the network may be down right now)."""
        timeout = self.policy.budget if timeout is None else timeout
        self.send({"type": "end"})
        self._ended = True
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        await self.close()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        failing_since: float | None = None
        attempt = 0
        while True:
            connected_before = self.connections
            try:
                await self._connected()
                return
            except Exception as error:
                if not _lost_connection(error):
                    self.gave_up = True
                    self.on_trouble(f"real-time channel failed: {error!r}")
                    return
                if self._ended and not self._unacked:
                    return  # the region closed the channel after its last events: the normal end
                now = self.clock.timestamp()
                if failing_since is None or self.connections > connected_before:
                    failing_since, attempt = now, 0  # a connection that worked restarts the budget
                if now - failing_since >= self.policy.budget:
                    self.gave_up = True
                    self.on_trouble(f"real-time channel gave up after {self.policy.budget:.0f} s: {error!r}")
                    return
                base = min(self.policy.max_delay, self.policy.initial * self.policy.multiplier**attempt)
                await self.clock.sleep(base * (1 + self.policy.jitter * (2 * self.jitter.random() - 1)))
                attempt += 1

    async def _connected(self) -> None:
        headers = {"Authorization": f"UploadToken {self.upload_token}"}
        ws: AsyncWebSocketSession
        async with (
            httpx.AsyncClient(transport=self.transport() if self.transport else None) as client,
            aconnect_ws(self.url, client, headers=headers, keepalive_ping_interval_seconds=None) as ws,
        ):
            self.connections += 1
            sent = 0  # everything unacknowledged goes out again on a new connection
            receiver = asyncio.get_running_loop().create_task(self._receive(ws))
            try:
                while True:
                    # Cleared before looking, so a frame queued while these go out wakes the next turn.
                    self._wake.clear()
                    pending = [seq for seq in self._unacked if seq > sent]
                    for seq in pending:
                        await ws.send_text(json.dumps(self._unacked[seq], separators=(",", ":")))
                        sent = seq
                    if self._ended and not self._unacked:
                        # All acknowledged: the region sends what is still due (the last transcript
                        # events, a moment after the last words) and closes the connection itself.
                        await asyncio.wait({receiver}, timeout=self.linger)
                        return
                    waiter = asyncio.get_running_loop().create_task(self._wake.wait())
                    done, _ = await asyncio.wait({waiter, receiver}, return_when=asyncio.FIRST_COMPLETED)
                    if receiver in done:
                        waiter.cancel()
                        receiver.result()  # raises what ended the connection
                        raise ConnectionResetError("the region closed the real-time channel")
            finally:
                receiver.cancel()
                with contextlib.suppress(asyncio.CancelledError, *_CONNECTION_ERRORS):
                    await receiver

    async def _receive(self, ws: AsyncWebSocketSession) -> None:
        while True:
            message = json.loads(await ws.receive_text())
            kind = message.get("type")
            if kind == "ack":
                self._unacked.pop(int(message["seq"]), None)
                if not self._unacked:
                    self._wake.set()
            elif kind == "event":
                # Events come again after a reconnect until acknowledged: each is handed on once.
                event_id = message.get("id")
                if event_id is not None:
                    await ws.send_text(json.dumps({"type": "event_ack", "id": event_id}))
                if event_id is None or event_id not in self._received:
                    self._received.add(event_id)
                    self.on_event(str(message["event"]), dict(message["data"]))
