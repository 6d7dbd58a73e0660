"""What the region does with the recorder's real-time frames (README: "The real-time channel").

- `participant_event`: relayed at once to the upload's webhook and websocket endpoints that subscribe
  to it (the SDK delivers its own `desktop_sdk_callback` events).
- `speech_word`: kept as part of its utterance; when the upload streams a transcript, a
  `transcript.partial_data` with the utterance's words so far follows `partial_latency` later.
- `speech_end`: the utterance is over; its `transcript.data` follows `final_latency` later. A partial
  still due after the final is dropped: partials are replaced by the final.
- `end`: the recorder stopped; websocket endpoints are closed once every event is out.

Transcript events go to the recorder over its connection and to the endpoints that subscribe to them.
Every frame with a `seq` is answered with an ack; a `seq` at or below the highest one processed is a
resend after a reconnect, acknowledged again and otherwise ignored. Each frame's effects (the session,
the deliveries, the timed emissions) are one unit of work, and emissions are durable jobs.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from recall_sim.seams import isoformat
from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.realtime.deliveries import Deliveries
from recall_sim.simulator.realtime.payloads import participant_event_data, transcript_data
from recall_sim.simulator.realtime.protocol import (
    EndFrame,
    Frame,
    ParticipantEventFrame,
    SpeechEndFrame,
    SpeechWordFrame,
    ack,
    event,
)
from recall_sim.simulator.realtime.records import RealtimeSession, StreamedUtterance
from recall_sim.simulator.records import (
    Reader,
    RealtimeEndpoint,
    RecordingRecord,
    Repository,
    SdkUploadRecord,
)
from recall_sim.simulator.scheduler import Job, Scheduler
from recall_sim.simulator.store import Collection
from recall_sim.simulator.transcription.option_rules import streaming_refusal

__all__ = ["EMIT_JOB", "RealtimeStreams"]

EMIT_JOB = "realtime_transcript"
PARTIAL = "transcript.partial_data"
FINAL = "transcript.data"


def _body(name: str, data: dict[str, Any]) -> str:
    return json.dumps({"event": name, "data": data}, separators=(",", ":"), ensure_ascii=False)


class RealtimeStreams:
    def __init__(self, ctx: Context, deliveries: Deliveries) -> None:
        self.ctx = ctx
        self.deliveries = deliveries
        self._sessions = Repository(ctx.store, Collection.REALTIME_SESSIONS, RealtimeSession)
        self.sessions: Reader[RealtimeSession] = self._sessions
        self.recordings = Reader(ctx.store, Collection.RECORDINGS, RecordingRecord)
        self.uploads = Reader(ctx.store, Collection.SDK_UPLOADS, SdkUploadRecord)

    def register(self, scheduler: Scheduler) -> None:
        scheduler.register(EMIT_JOB, self.realtime_transcript)

    def _config(self, recording: RecordingRecord) -> dict[str, Any]:
        upload = self.uploads.get(recording.sdk_upload_id)
        return (upload.recording_config if upload is not None else None) or {}

    def _session(self, recording: RecordingRecord) -> RealtimeSession:
        found = self.sessions.get(recording.id)
        if found is not None:
            return found
        now = self.ctx.now()
        return RealtimeSession(
            id=recording.id, workspace_id=recording.workspace_id, created_at=now, updated_at=now
        )

    def _subscribers(self, recording: RecordingRecord, name: str) -> list[RealtimeEndpoint]:
        return [
            e for e in recording.realtime_endpoints if e.type in ("webhook", "websocket") and name in e.events
        ]

    # -- frames -------------------------------------------------------------------------------------

    def receive(self, recording_id: str, frame: Frame) -> str | None:
        """Apply one frame from the recorder; the ack to answer with, if it carries a `seq`."""
        recording = self.recordings.get(recording_id)
        if recording is None:
            return None
        with self.ctx.unit_of_work():
            session = self._session(recording)
            resent = frame.seq is not None and session.last_seq is not None and frame.seq <= session.last_seq
            if not resent:
                session = self._apply(recording, session, frame)
                if frame.seq is not None:
                    session.last_seq = frame.seq
                session.updated_at = self.ctx.now()
                self._sessions.put(session)
        return None if frame.seq is None else ack(frame.seq)

    def _apply(self, recording: RecordingRecord, session: RealtimeSession, frame: Frame) -> RealtimeSession:
        config = self._config(recording)
        # A streaming provider that refused the upload's options never transcribes: no transcript events.
        transcript = config.get("transcript")
        streams_transcript = transcript is not None and streaming_refusal(transcript) is None
        latency = self.ctx.settings.realtime
        if isinstance(frame, ParticipantEventFrame):
            started = recording.started_at or recording.created_at
            timestamp = {
                "absolute": frame.timestamp.absolute or _absolute(started, frame.timestamp.relative),
                "relative": frame.timestamp.relative,
            }
            for endpoint in self._subscribers(recording, frame.event):
                data = participant_event_data(
                    recording,
                    config,
                    endpoint,
                    participant=frame.participant.model_dump(),
                    timestamp=timestamp,
                    data=frame.data,
                )
                self.deliveries.enqueue(recording, endpoint, frame.event, _body(frame.event, data))
            session.participant_events += 1
        elif isinstance(frame, SpeechWordFrame):
            utterance = session.utterances.setdefault(
                str(frame.utterance), StreamedUtterance(participant=frame.participant.model_dump())
            )
            if not utterance.ended:  # a word after its utterance's end is a recorder bug: ignored
                utterance.words.append(frame.word.model_dump())
                if streams_transcript:
                    self._schedule(
                        session, frame.utterance, len(utterance.words), False, latency.partial_latency
                    )
        elif isinstance(frame, SpeechEndFrame):
            ending = session.utterances.get(str(frame.utterance))
            if ending is not None and not ending.ended:
                ending.ended = True
                if streams_transcript:
                    self._schedule(session, frame.utterance, len(ending.words), True, latency.final_latency)
        elif isinstance(frame, EndFrame):
            session.ended = True
        return session

    def _schedule(
        self, session: RealtimeSession, utterance: int, words: int, final: bool, delay: float
    ) -> None:
        session.pending_emissions += 1
        payload = {"recording_id": session.id, "utterance": utterance, "words": words, "final": final}
        self.ctx.scheduler.schedule(EMIT_JOB, payload, delay=delay)

    # -- timed transcript events ----------------------------------------------------------------------

    async def realtime_transcript(self, job: Job) -> None:
        """The `realtime_transcript` job: one partial or final transcript event, to every destination."""
        recording = self.recordings.get(job.payload["recording_id"])
        session = self.sessions.get(job.payload["recording_id"])
        if recording is None or session is None:
            return
        final = bool(job.payload["final"])
        name = FINAL if final else PARTIAL
        config = self._config(recording)
        with self.ctx.unit_of_work():
            # Read again inside: with several processes on one store, the recorder's words may have
            # been added to the session (by the process holding its connection) since the read above.
            session = self.sessions.get(job.payload["recording_id"]) or session
            session.pending_emissions = max(0, session.pending_emissions - 1)
            utterance = session.utterances.get(str(job.payload["utterance"]))
            if utterance is not None and not utterance.final_sent:
                utterance.final_sent = final
                words = int(job.payload["words"])
                callback = next(
                    (e for e in recording.realtime_endpoints if e.type == "desktop_sdk_callback"), None
                )
                to_recorder = transcript_data(recording, config, callback, utterance, words)
                self.deliveries.enqueue(recording, None, name, event(name, to_recorder))
                for endpoint in self._subscribers(recording, name):
                    data = transcript_data(recording, config, endpoint, utterance, words)
                    self.deliveries.enqueue(recording, endpoint, name, _body(name, data))
            self._sessions.put(session)
        await self.deliveries.close_idle(recording.id)

    async def ended(self, recording_id: str) -> None:
        await self.deliveries.close_idle(recording_id)


def _absolute(started_at: datetime, relative: float) -> str:
    return isoformat(started_at + timedelta(seconds=relative))
