"""What a recording reports while it happens, beyond the SDK's own events.

Two audiences, contract section 6:
- the SDK's `realtime-event` listeners (the upload's `desktop_sdk_callback` endpoint, or the seed's
  `start_recording(realtime_events=[...])`): participant events as the SDK observes them, and the
  transcript events the region streams back;
- the region, over the real-time channel (recorder.realtime): every observed participant event (it
  relays them to the upload's `webhook` and `websocket` real-time endpoints) and every word the
  recording keeps, sent as the word's end passes, which its streaming transcription turns into
  `transcript.partial_data` and `transcript.data`.

Words follow the speech track's kept-word rule (recorder.media.speech), so what streams live is what the
uploaded media will carry.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from recall_sim.recorder import events
from recall_sim.recorder.ingest import StartedRecording
from recall_sim.recorder.media.speech import SpeechTracker, SpeechWord, participant_json, speaker_labels_for
from recall_sim.recorder.media.timeline import RecordingTimeline
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.observed import Observation
from recall_sim.recorder.realtime import OnEvent, RealtimeChannel
from recall_sim.seams import RandomStream, isoformat

__all__ = ["CALLBACK", "LiveReporting"]

CALLBACK = "desktop_sdk_callback"

Emit = Callable[[str, dict[str, Any]], None]


def _ref(thing: dict[str, Any] | None, ids: RandomStream) -> dict[str, Any]:
    if thing is not None:
        return {"id": thing["id"], "metadata": dict(thing.get("metadata") or {})}
    return {"id": str(ids.uuid4()), "metadata": {}}


class LiveReporting:
    def __init__(
        self,
        *,
        window_id: str,
        script: MeetingScript,
        start_at: float,
        started_at: datetime,
        desktop_audio: bool,
        started: StartedRecording,
        requested: list[str],
        ids: RandomStream,
        emit: Emit,
        connect: Callable[[OnEvent], RealtimeChannel] | None,
    ) -> None:
        self.window_id = window_id
        self.script = script
        self.start_at = start_at
        self.started_at = started_at
        self.emit = emit
        #: the real-time channel, opened with `connect` when the region listens for this upload
        self.channel = connect(self.region_event) if connect is not None else None
        callbacks = [e for e in started.realtime_endpoints if e.get("type") == CALLBACK]
        #: the real-time events the SDK's listeners get
        self.subscribed = set(requested).union(*(set(e.get("events") or ()) for e in callbacks))
        self.endpoint = _ref(callbacks[0] if callbacks else None, ids)
        self.participant_events = _ref(started.participant_events, ids)
        self.recording = {"id": started.recording_id, "metadata": {}}
        self._speech: SpeechTracker | None = None
        if self.channel is not None:
            labels = speaker_labels_for(script, desktop_audio)
            self._speech = SpeechTracker(script, start_at, labels, live=self._word)

    @staticmethod
    def wanted(started: StartedRecording) -> bool:
        """Whether the region listens on the real-time channel for this upload: it has real-time
        endpoints or a streaming transcript."""
        return bool(started.realtime_endpoints) or started.transcript is not None

    # -- participant events ----------------------------------------------------------------------

    def participant_event(self, observation: Observation) -> None:
        name = f"participant_events.{observation.action}"
        relative = round(max(0.0, observation.at - self.start_at), 6)
        participant = participant_json(self.script.participant(observation.participant_id))
        timestamp = {
            "absolute": isoformat(self.started_at + timedelta(seconds=relative)),
            "relative": relative,
        }
        if self.channel is not None:
            self.channel.send(
                {
                    "type": "participant_event",
                    "event": name,
                    "participant": participant,
                    "timestamp": timestamp,
                    "data": observation.data,
                }
            )
        if name in self.subscribed:
            data = {
                "data": {"participant": participant, "timestamp": timestamp, "data": observation.data},
                "realtime_endpoint": self.endpoint,
                "participant_events": self.participant_events,
                "recording": self.recording,
            }
            self.emit(events.REALTIME_EVENT, events.realtime_event(self.window_id, name, data))

    # -- speech --------------------------------------------------------------------------------

    def _word(self, utterance: int, participant: dict[str, Any], word: SpeechWord | None) -> None:
        assert self.channel is not None
        if word is None:
            self.channel.send({"type": "speech_end", "utterance": utterance})
            return
        self.channel.send(
            {
                "type": "speech_word",
                "utterance": utterance,
                "participant": participant,
                "word": {"text": word.text, "start": word.start, "end": word.end},
            }
        )

    def advance(self, now: float, timeline: RecordingTimeline) -> None:
        """Stream the words kept by recording time `now` (and close utterances a pause or stop cut)."""
        if self._speech is not None:
            self._speech.advance(now, timeline)

    def next_word_end(self) -> float | None:
        """Recording time at which the next word may be kept: the driver wakes then, so words go out
        as they are spoken rather than a media fragment later."""
        return self._speech.next_decision() if self._speech is not None else None

    # -- what the region sends back ------------------------------------------------------------

    def region_event(self, name: str, data: dict[str, Any]) -> None:
        if name in self.subscribed:
            self.emit(events.REALTIME_EVENT, events.realtime_event(self.window_id, name, data))

    async def end(self) -> None:
        if self.channel is not None:
            await self.channel.end()

    async def close(self) -> None:
        if self.channel is not None:
            await self.channel.close()
