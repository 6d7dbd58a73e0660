"""The region's real-time channel, whole: recorder connections, frames, timed events and deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.realtime.channels import Close, RecorderChannel, RecorderChannels, Send
from recall_sim.simulator.realtime.deliveries import Deliveries
from recall_sim.simulator.realtime.payloads import realtime_start_info
from recall_sim.simulator.realtime.protocol import EndFrame, EventAckFrame, FrameRejected, error, parse_frame
from recall_sim.simulator.realtime.sockets import EndpointSockets
from recall_sim.simulator.realtime.streams import RealtimeStreams
from recall_sim.simulator.records import Reader, RecordingRecord, SdkUploadRecord
from recall_sim.simulator.store import Collection

if TYPE_CHECKING:
    import httpx  # annotations only: httpx loads when a request goes out

__all__ = ["Realtime"]


def channel_holder_key(recording_id: str) -> str:
    """The meta key naming the process that holds a recorder's connection, on a shared store."""
    return f"realtime_channel:{recording_id}"


class Realtime:
    def __init__(
        self,
        ctx: Context,
        *,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        websocket_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.ctx = ctx
        self.channels = RecorderChannels()
        self.sockets = EndpointSockets(ctx.clock, websocket_transport)
        self.deliveries = Deliveries(ctx, self.channels, self.sockets, webhook_transport)
        self.streams = RealtimeStreams(ctx, self.deliveries)
        self.deliveries.register(ctx.scheduler)
        self.streams.register(ctx.scheduler)
        self.uploads = Reader(ctx.store, Collection.SDK_UPLOADS, SdkUploadRecord)

    def start_info(self, recording: RecordingRecord) -> dict[str, Any]:
        upload = self.uploads.get(recording.sdk_upload_id)
        config = (upload.recording_config if upload is not None else None) or {}
        return realtime_start_info(recording, config)

    def connect(self, recording_id: str, send: Send, close: Close) -> RecorderChannel:
        channel = self.channels.attach(recording_id, send, close)
        if self.ctx.store.shared:
            # The recorder's connection lives in this process: the others send its events here.
            self.ctx.store.put_meta(channel_holder_key(recording_id), self.ctx.scheduler.holder)
        self.deliveries.flush(recording_id)
        return channel

    def disconnect(self, channel: RecorderChannel) -> None:
        self.channels.detach(channel)
        if self.ctx.store.shared and not self.channels.connected(channel.recording_id):
            key = channel_holder_key(channel.recording_id)
            if self.ctx.store.get_meta(key) == self.ctx.scheduler.holder:
                self.ctx.store.put_meta(key, None)

    async def receive(self, recording_id: str, text: str) -> tuple[str | None, bool]:
        """Apply one text frame from the recorder: the reply to send (an ack or an error), if any, and
        whether the frame ended the stream (`after_end` then runs once the reply is sent)."""
        try:
            frame = parse_frame(text)
        except FrameRejected as rejected:
            return error(rejected), False
        if isinstance(frame, EventAckFrame):
            await self.deliveries.acknowledge(recording_id, frame.id)
            return None, False
        return self.streams.receive(recording_id, frame), isinstance(frame, EndFrame)

    async def after_end(self, recording_id: str) -> None:
        """The recorder ended its stream: once every event for it is out, its connection closes (and
        the websocket endpoints' do)."""
        await self.streams.ended(recording_id)

    async def aclose(self) -> None:
        self.channels.clear()
        await self.sockets.close_all()
