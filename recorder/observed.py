"""What the SDK sees happen in a meeting while it records: who is there, joins and leaves, speech,
webcam and screenshare, chat. It drives `participant-capture-status` and the `participant_events.*`
real-time events, which the SDK reports as they happen (the uploaded events part is built separately,
from the finished recording, by recorder.media.events)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from recall_sim.recorder import events
from recall_sim.recorder.media import meeting_state
from recall_sim.recorder.meeting import MeetingScript

if TYPE_CHECKING:
    from recall_sim.recorder.live import LiveReporting

__all__ = ["MeetingWatch", "Observation", "observations"]

Emit = Callable[[str, dict[str, Any]], None]
State = dict[str, set[int]]

NOBODY: State = {"join": set(), "webcam_on": set(), "screenshare_on": set()}
_OPPOSITES = (("join", "leave"), ("webcam_on", "webcam_off"), ("screenshare_on", "screenshare_off"))
#: the participant-capture-status each observed change reports: presence is their audio stream
_CAPTURE_KIND: dict[str, tuple[Literal["audio", "video", "screenshare"], bool]] = {
    "join": ("audio", True),
    "leave": ("audio", False),
    "webcam_on": ("video", True),
    "webcam_off": ("video", False),
    "screenshare_on": ("screenshare", True),
    "screenshare_off": ("screenshare", False),
}


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


class MeetingWatch:
    """One recording's view of its meeting: what is still to be observed, what the SDK found at the
    start and at each resume, and where each observation is reported (`participant-capture-status`,
    and the live reporting of recorder.live)."""

    def __init__(
        self,
        window_id: str,
        script: MeetingScript,
        start_at: float,
        emit: Emit,
        *,
        desktop_audio: bool,
    ) -> None:
        self.window_id = window_id
        self.script = script
        self.start_at = start_at
        self.emit = emit
        self.desktop_audio = desktop_audio
        self.live: LiveReporting | None = None
        # Desktop audio has no participant data: whatever plays in it is not observed as a meeting.
        watched = () if desktop_audio else observations(script)
        #: what is still to come, in meeting-time order
        self.pending = [o for o in watched if o.at > start_at]

    def state(self, meeting_time: float) -> State:
        """Who is present, whose webcam and screenshare are on, at `meeting_time`."""
        return NOBODY if self.desktop_audio else meeting_state(self.script, meeting_time)

    def announce(self) -> None:
        """What the SDK finds as the recording starts: who is there (their audio is being captured),
        whose webcam and screenshare are on. Real-time listeners hear it as events at the first moment."""
        self.report_change(NOBODY, self.start_at)

    def report_change(self, before: State, meeting_time: float) -> None:
        """Report, at `meeting_time`, how the meeting differs from `before`: at the start, and at a
        resume (what changed during the pause surfaces then, as in the uploaded events part)."""
        now = self.state(meeting_time)
        for on, off in _OPPOSITES:
            for pid in sorted(before[on] - now[on]):
                self.report(Observation(meeting_time, off, pid))
        for on, _ in _OPPOSITES:
            for pid in sorted(now[on] - before[on]):
                self.report(Observation(meeting_time, on, pid))

    def due(self, recording_time: float, tolerance: float) -> list[Observation]:
        """The observations that have happened by `recording_time`, taken off what is pending."""
        found = []
        while self.pending and self.pending[0].at - self.start_at <= recording_time + tolerance:
            found.append(self.pending.pop(0))
        return found

    def next_at(self) -> float | None:
        """Recording time of the next observation, if any is pending."""
        return self.pending[0].at - self.start_at if self.pending else None

    def report(self, observation: Observation) -> None:
        capture = _CAPTURE_KIND.get(observation.action)
        if capture is not None:
            kind, capturing = capture
            self.emit(
                events.PARTICIPANT_CAPTURE_STATUS,
                events.participant_capture_status(
                    self.window_id, observation.participant_id, kind, capturing
                ),
            )
        if self.live is not None:
            self.live.participant_event(observation)
