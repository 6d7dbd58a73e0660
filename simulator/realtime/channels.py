"""The recorders connected to the region's real-time WebSocket, one per recording.

A connection is process state, not stored: when the recorder is not connected, events for it wait as
pending deliveries and go out, in order, once it connects again. A new connection for a recording
replaces an older one (a recorder reconnecting after a network drop may reach the region before the
old connection is noticed to be dead).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["Close", "RecorderChannel", "RecorderChannels", "Send"]

Send = Callable[[str], Awaitable[None]]


Close = Callable[[], Awaitable[None]]


class RecorderChannel:
    def __init__(self, recording_id: str, send: Send, close: Close) -> None:
        self.recording_id = recording_id
        self._send = send
        self._close = close
        # Acks (from the connection's own task) and events (from delivery jobs) share one socket.
        self._lock = asyncio.Lock()
        self.open = True

    async def send(self, text: str) -> None:
        async with self._lock:
            await self._send(text)

    async def close(self) -> None:
        async with self._lock:
            self.open = False
            await self._close()


class RecorderChannels:
    def __init__(self) -> None:
        self._channels: dict[str, RecorderChannel] = {}

    def attach(self, recording_id: str, send: Send, close: Close) -> RecorderChannel:
        previous = self._channels.get(recording_id)
        if previous is not None:
            previous.open = False
        channel = RecorderChannel(recording_id, send, close)
        self._channels[recording_id] = channel
        return channel

    def detach(self, channel: RecorderChannel) -> None:
        channel.open = False
        if self._channels.get(channel.recording_id) is channel:
            del self._channels[channel.recording_id]

    def connected(self, recording_id: str) -> bool:
        return recording_id in self._channels

    async def send(self, recording_id: str, text: str) -> bool:
        """Send to the recording's recorder; False if it is not connected or the send failed."""
        channel = self._channels.get(recording_id)
        if channel is None:
            return False
        try:
            await channel.send(text)
        except Exception:  # a connection that died under us: the event waits for the next one
            self.detach(channel)
            return False
        return True

    async def close(self, recording_id: str) -> None:
        """Close the recorder's connection normally: the stream ended and everything for it was sent."""
        channel = self._channels.get(recording_id)
        if channel is None:
            return
        self.detach(channel)
        try:
            await channel.close()
        except Exception:  # already gone: nothing more to say to it
            return

    def clear(self) -> None:
        for channel in self._channels.values():
            channel.open = False
        self._channels.clear()
