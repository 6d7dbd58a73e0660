"""One window's recording, from `start_recording` until its upload is finalized.

While it records, a driver task walks simulated time: it lets the encoder capture up to now (segments
go to crash-safe storage as they complete, and in `current` mode straight on to the region) and reports
what it observes in the meeting as it happens. Stopping closes the media, writes the side parts
(participant events, meeting metadata, the MP3 speech header) and tells the region; the upload then
follows the SDK's mode. Every step is journaled, so a session can be rebuilt from its directory after
the process was killed (`recorder.session_open`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from recall_sim.recorder import events
from recall_sim.recorder.config import SdkConfig, UploadMode
from recall_sim.recorder.desktop import MeetingWindow
from recall_sim.recorder.errors import UploadFailedError
from recall_sim.recorder.ingest import IngestClient, IngestError, PartRef, StartedRecording
from recall_sim.recorder.live import LiveReporting
from recall_sim.recorder.media import (
    MeetingEncoder,
    RecordedSpans,
    Segment,
    meeting_metadata,
    participant_events,
)
from recall_sim.recorder.observed import NOBODY, MeetingWatch
from recall_sim.recorder.realtime import OnEvent, RealtimeChannel
from recall_sim.recorder.retry import Retrier
from recall_sim.recorder.storage import LocalRecording
from recall_sim.recorder.uploader import Uploader

__all__ = ["Emit", "RecordingSession", "SessionEnded"]

Emit = Callable[[str, dict[str, Any]], None]

#: Clock timestamps are Unix seconds (~1.7e9), so steps finer than a few 1e-7 s do not register; the
#: driver treats moments this close as the same moment and never waits for less.
_SAME_MOMENT = 1e-6


@dataclass
class SessionEnded:
    """How a session's upload ended: finalized, or given up (the local recording is kept)."""

    window_id: str
    recording_id: str
    finalized: bool
    error: str | None = None


@dataclass
class Spans:
    """The spans recorded so far: closed ones, and the one open since its start (None while paused)."""

    closed: list[tuple[float, float]] = field(default_factory=list)
    open_since: float | None = 0.0

    def frozen(self, end: float) -> RecordedSpans:
        spans = list(self.closed)
        if self.open_since is not None and end > self.open_since:
            spans.append((self.open_since, end))
        return RecordedSpans(spans=tuple(spans), duration=end)


class RecordingSession:
    def __init__(
        self,
        config: SdkConfig,
        emit: Emit,
        window: MeetingWindow,
        local: LocalRecording,
        client: IngestClient,
        *,
        start_at: float,
        started_clock: float,
        started_at: datetime,
        mode: UploadMode,
        kind: str,
    ) -> None:
        self.config = config
        self.emit = emit
        self.window = window
        self.local = local
        self.client = client
        self.start_at = start_at
        self.started_clock = started_clock
        self.started_at = started_at
        self.mode = mode
        self.kind = kind
        self.profile = config.media_profile
        self.retrying = Retrier(
            config.clock,
            config.randomness.stream(f"retry/{local.id}"),
            config.retry,
            on_network=self._network,
        )
        self.uploader = Uploader(client, local, self.retrying)
        self.state = "recording"
        self.spans = Spans()
        self.live: LiveReporting | None = None
        self._live_ended: asyncio.Task[None] | None = None
        self.ended = asyncio.Event()
        self.outcome: SessionEnded | None = None
        self._encoder: MeetingEncoder | None = None
        self._driver: asyncio.Task[None] | None = None
        self._segment_start = 0.0
        self._uploads: asyncio.Queue[Segment | None] = asyncio.Queue()
        self._upload_worker: asyncio.Task[None] | None = None
        self._server_calls: asyncio.Queue[tuple[str, Callable[[], Any]] | None] = asyncio.Queue()
        self._server_worker: asyncio.Task[None] | None = None
        self.watch = MeetingWatch(
            window.id, window.script, start_at, emit, desktop_audio=window.desktop_audio
        )
        self._finisher: asyncio.Task[None] | None = None
        self._paused_state = NOBODY

    @property
    def recording_id(self) -> str:
        """The id of the Recording the region made for this session's upload."""
        return str((self.local.first("started") or {})["recording_id"])

    def _network(self, status: str) -> None:
        self.emit(events.NETWORK_STATUS, {"status": status})

    # -- starting ------------------------------------------------------------------------------

    def begin(self, started: StartedRecording, upload_token: str, realtime_events: list[str]) -> None:
        """Start capturing, the ordered calls to the region and (in `current` mode) segment uploads."""
        self.live = self.watch.live = self._live_reporting(realtime_events, started, upload_token)
        self._begin()

    def _live_reporting(self, requested: list[str], started: StartedRecording, token: str) -> LiveReporting:
        config = self.config

        def connect(on_event: OnEvent) -> RealtimeChannel:
            channel = RealtimeChannel(
                started.realtime_url,
                token,
                clock=config.clock,
                jitter=config.randomness.stream(f"realtime/{self.local.id}"),
                policy=config.retry,
                on_event=on_event,
                on_trouble=lambda message: self.emit(
                    events.ERROR, events.error("realtime_channel", message, self.window.id)
                ),
                transport=config.realtime_transport,
            )
            channel.start()
            return channel

        return LiveReporting(
            window_id=self.window.id,
            script=self.window.script,
            start_at=self.start_at,
            started_at=self.started_at,
            desktop_audio=self.window.desktop_audio,
            started=started,
            requested=requested,
            ids=config.randomness.stream("realtime_ids"),
            emit=self.emit,
            connect=connect if LiveReporting.wanted(started) else None,
        )

    def _begin(self) -> None:
        self._encoder = MeetingEncoder(
            self.window.script,
            self.profile,
            kind=self.kind,  # type: ignore[arg-type]
            on_segment=self._on_segment,
            start_at=self.start_at,
            desktop_audio=self.window.desktop_audio,
        )
        loop = asyncio.get_running_loop()
        self._driver = loop.create_task(self._drive(), name=f"recording {self.window.id}")
        self.call_server_in_order()
        if self.mode == "current":
            self._upload_worker = loop.create_task(self._upload_segments(), name=f"uploads {self.window.id}")

    def announce_participants(self) -> None:
        """What the SDK finds as the recording starts (see MeetingWatch.announce)."""
        self.watch.announce()

    # -- recording -----------------------------------------------------------------------------

    def elapsed(self) -> float:
        """Recording time now, to the microsecond the speech track keeps: the clock's Unix-seconds
        floats carry noise below that, which must not decide whether a word touching a pause is kept."""
        return round(self.config.clock.timestamp() - self.started_clock, 6)

    async def _drive(self) -> None:
        assert self._encoder is not None
        grid = self.config.tick or self.profile.fragment_duration
        while True:
            now = self.elapsed()
            self._encoder.advance_to(now)
            if self.live is not None:
                self.live.advance(now, self._encoder.timeline)
            for observation in self.watch.due(now, _SAME_MOMENT):
                if self.state == "recording":
                    self.watch.report(observation)
            next_step = (math.floor(now / grid + 1e-9) + 1) * grid
            observed_next = self.watch.next_at()
            if observed_next is not None:
                next_step = min(next_step, observed_next)
            word_end = self.live.next_word_end() if self.live is not None else None
            if word_end is not None:
                next_step = min(next_step, word_end)
            await self.config.clock.sleep_until(self.started_clock + max(next_step, now + _SAME_MOMENT))

    def _on_segment(self, segment: Segment) -> None:
        if segment.role == "speech-header":
            self.local.add_part("speech_header", segment.data)
            return
        assert self._encoder is not None
        end = self._encoder.emitted_until  # what the segment's media covers, not how far capture got
        stored = self.local.add_segment(segment.data, self._segment_start, end)
        self._segment_start = end
        if self.mode == "current":
            self._uploads.put_nowait(stored)  # type: ignore[arg-type]

    def capture_changed(self, capturable: bool) -> None:
        if self.kind == "mp4" and self.state in ("recording", "paused"):
            self.emit(
                events.MEDIA_CAPTURE_STATUS, events.media_capture_status(self.window.id, "video", capturable)
            )

    async def pause(self) -> None:
        assert self._encoder is not None
        at = self.elapsed()
        self._paused_state = self.watch.state(self.start_at + at)
        self._encoder.pause(at)
        if self.live is not None:
            self.live.advance(at, self._encoder.timeline)  # words the pause cut are dropped now
        self.spans.closed.append((self.spans.open_since or 0.0, at))
        self.spans.open_since = None
        self.local.append("paused", at=at)
        self.state = "paused"
        self._server_calls.put_nowait(("pause", self.client.pause))

    async def resume(self) -> None:
        assert self._encoder is not None
        at = self.elapsed()
        self._encoder.resume(at)
        self.spans.open_since = at
        self.local.append("resumed", at=at)
        self.state = "recording"
        self.watch.report_change(self._paused_state, self.start_at + at)
        self._server_calls.put_nowait(("resume", self.client.resume))

    async def stop(self) -> float:
        """Close the media and write the side parts. Returns the recording's duration."""
        assert self._encoder is not None
        assert self._driver is not None
        self._driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._driver
        at = self.elapsed()
        summary = self._encoder.close(at)
        self.state = "stopped"
        if self.live is not None:
            self.live.advance(at, self._encoder.timeline)
            # The channel drains in the background: the region's last transcript events follow the stop.
            self._live_ended = asyncio.get_running_loop().create_task(self.live.end(), name="realtime end")
        self._write_parts(summary.recorded)
        self.local.append("stopped", duration=at)
        self._server_calls.put_nowait(("end", lambda: self.client.end(at)))
        if self.mode == "current":
            self._uploads.put_nowait(None)
        return at

    def _write_parts(self, recorded: RecordedSpans) -> None:
        script = self.window.script
        if self.local.part("participant_events") is None:
            seed = f"{self.config.randomness.seed}/{self.local.id}"
            found = participant_events(
                script,
                recorded,
                start_at=self.start_at,
                started_at=self.started_at,
                seed=seed,
                desktop_audio=self.window.desktop_audio,
            )
            self.local.add_part("participant_events", json.dumps(found).encode())
        if self.local.part("meeting_metadata") is None:
            metadata = meeting_metadata(script, known_at=self.start_at + recorded.duration)
            if self.window.desktop_audio:
                metadata = {"platform": "desktop-audio", "title": None, "url": None, "zoom": None}
            self.local.add_part("meeting_metadata", json.dumps(metadata).encode())

    # -- talking to the region -----------------------------------------------------------------

    def end_recovered(self, recorded: RecordedSpans) -> None:
        """A recovered session that never stopped: write the side parts for what was kept and tell the
        region where the recording ended."""
        end = recorded.duration
        self._write_parts(recorded)
        self.local.append("stopped", duration=end, recovered=True)
        self._server_calls.put_nowait(("end", lambda: self.client.end(end)))

    def call_server_in_order(self) -> None:
        """Run the queued calls to the region (a recovered session has no capture to start)."""
        self._server_worker = asyncio.get_running_loop().create_task(
            self._call_server(), name=f"server calls {self.window.id}"
        )

    async def _call_server(self) -> None:
        """Pause, resume and end go to the region in order, each retried; a network outage during the
        recording (the real SDK rides out two minutes of one) does not stop the capture."""
        while (call := await self._server_calls.get()) is not None:
            what, operation = call
            try:
                await self.retrying(what, operation)
            except (UploadFailedError, IngestError) as error:
                self.emit(
                    events.ERROR, events.error("server_call_failed", f"{what}: {error}", self.window.id)
                )
            self._server_calls.task_done()

    async def _upload_segments(self) -> None:
        while (segment := await self._uploads.get()) is not None:
            try:
                await self.uploader.upload_segment(segment)  # type: ignore[arg-type]
            except (UploadFailedError, IngestError) as error:
                # Kept locally; finishing the upload tries again.
                self.emit(events.ERROR, events.error("upload_failed", str(error), self.window.id))

    async def finish(self, progress: Callable[[int], None] | None = None) -> SessionEnded:
        """Upload what is left and finalize: all segments concatenated (`current`) or the whole media
        as one file (`seed`), then the side parts. Returns how it ended; never raises for the network."""
        try:
            if self._upload_worker is not None:
                await asyncio.gather(self._upload_worker, return_exceptions=True)
            if self.mode == "current":
                media: PartRef = await self.uploader.finish_segments()
            else:
                media = await self.uploader.upload_whole(progress)
            parts = await self.uploader.upload_parts()
            await self._await_server_calls()
            if self._live_ended is not None:
                await asyncio.gather(self._live_ended, return_exceptions=True)
            await self.uploader.finalize(media, parts)
            self.outcome = SessionEnded(self.window.id, self.recording_id, finalized=True)
        except (UploadFailedError, IngestError) as error:
            self.local.append("upload_failed", error=str(error))
            self.emit(events.ERROR, events.error("upload_failed", str(error), self.window.id))
            self.outcome = SessionEnded(self.window.id, self.recording_id, finalized=False, error=str(error))
        self.ended.set()
        return self.outcome

    async def _await_server_calls(self) -> None:
        self._server_calls.put_nowait(None)
        if self._server_worker is not None:
            await asyncio.gather(self._server_worker, return_exceptions=True)

    async def close(self) -> None:
        """Stop background work without finishing (shutdown, or a simulated crash)."""
        for task in (
            self._driver,
            self._upload_worker,
            self._server_worker,
            self._finisher,
            self._live_ended,
        ):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.live is not None:
            await self.live.close()
        await self.client.aclose()
