"""What the SDK sees happen in a meeting while it records: who is there, joins and leaves, speech,
webcam and screenshare, chat. It drives `participant-capture-status` and the `participant_events.*`
real-time events, which the SDK reports as they happen (the uploaded events part is built separately,
from the finished recording, by recorder.media.events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recorder.meeting import MeetingScript

__all__ = ["Observation", "observations"]


@dataclass(frozen=True)
class Observation:
    #: meeting-time seconds
    at: float
    action: str
    participant_id: int
    data: dict[str, Any] | None = None
    #: ordering among simultaneous observations: leaves and offs first, then joins, then the rest
    rank: int = 0


def observations(script: MeetingScript) -> list[Observation]:
    """Everything observable in the script, in meeting-time order. Slack huddles show nobody."""
    if script.audio_only:
        return []
    found: list[Observation] = []
    for p in script.participants:
        found.append(Observation(p.join_at, "join", p.id, rank=1))
        if p.leave_at is not None:
            found.append(Observation(p.leave_at, "leave", p.id, rank=0))
    for span in script.webcam:
        found.append(Observation(span.start, "webcam_on", span.participant_id, rank=2))
        found.append(Observation(span.end, "webcam_off", span.participant_id, rank=0))
    for span in script.screenshare:
        found.append(Observation(span.start, "screenshare_on", span.participant_id, rank=2))
        found.append(Observation(span.end, "screenshare_off", span.participant_id, rank=0))
    for message in script.chat:
        chat = {"text": message.text, "to": message.to}
        found.append(Observation(message.at, "chat_message", message.participant_id, chat, rank=2))
    for utterance in script.utterances:
        found.append(Observation(utterance.start, "speech_on", utterance.participant_id, rank=2))
        found.append(Observation(utterance.end, "speech_off", utterance.participant_id, rank=0))
    return sorted(found, key=lambda o: (o.at, o.rank, o.participant_id, o.action))
