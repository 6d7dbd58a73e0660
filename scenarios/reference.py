"""The reference model: what must come out of a scenario, predicted from the scenario alone.

It is written from the contract and the README's rules, not from the recorder's or the region's code, so
that a bug in either shows up as a disagreement:

- the recording runs from the moment the meeting is detected (plus one second per refused sdk-upload
  create, the backend's retry) until the meeting ends or the app stops it; pauses cut it into spans;
- a word is kept if it lies wholly inside one span (touching an edge counts); an utterance cut by a
  pause becomes two; desktop audio and Slack huddles name their speakers `Host` (the local microphone)
  and `Guest`;
- the participant events part describes the meeting as seen: the state found at the start and at each
  resume, changes and chat inside spans, `speech_on`/`speech_off` around each kept run of words;
  huddles and desktop audio carry none;
- the webhooks follow contract section 5 for the workspace's profile; the SDK's own events follow
  section 7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from recall_sim.recorder.media.events import ACTIONS
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.scenarios.model import Scenario

__all__ = ["Prediction", "Word", "predict"]


@dataclass(frozen=True)
class Word:
    speaker: str
    text: str
    start: float
    end: float


@dataclass
class Prediction:
    #: desktop times the recording started and stopped
    started_at: float
    stopped_at: float
    #: the recording's unpaused spans, in recording time
    spans: list[tuple[float, float]]
    media_kind: str
    upload_status: str
    upload_sub_code: str | None
    recording_status: str
    artifacts: list[str]
    #: webhook event types, in the order the region creates the messages
    webhook_events: list[str]
    #: the SDK's milestone events of the first instance (see `milestones`)
    sdk_milestones: list[str]
    words: list[Word]
    #: (action, participant id, relative time) of the participant events part
    participant_events: list[tuple[str, int, float]]
    #: (call, error type) the desktop app must see refused
    app_errors: list[tuple[str, str]] = field(default_factory=list)
    #: whether the recorded length is known exactly (a crash cuts it at a segment boundary)
    exact_duration: bool = True

    @property
    def duration(self) -> float:
        return self.stopped_at - self.started_at


def milestones(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The SDK events the model predicts, from one instance's delivered events: detection, the
    recording's state changes, its end, and shutdown (upload progress only by its ends)."""
    out: list[str] = []
    for name, payload in events:
        if name == "sdk-state-change":
            out.append(f"sdk-state-change:{payload['sdk']['state']['code']}")
        elif name in ("meeting-detected", "recording-started", "recording-ended", "shutdown"):
            out.append(name)
        elif name == "upload-progress" and payload["progress"] in (0, 100):
            out.append(f"upload-progress:{payload['progress']}")
    return out


def _recording_window(s: Scenario) -> tuple[float, float]:
    meeting = s.meeting
    if s.app.desktop_audio:
        start = 0.0
        stop = s.app.stop_at if s.app.stop_at is not None else meeting.duration
    else:
        start = max(0.0, meeting.opens_at)
        stop = start + meeting.duration
        if s.app.stop_at is not None:
            stop = min(stop, max(start, s.app.stop_at))
    for burst in s.faults.http_bursts:
        if (
            burst.route == "/api/v1/sdk_upload/"
            and burst.at <= start
            and (not burst.methods or "POST" in burst.methods)
        ):
            start += burst.count  # the backend retries a refused create a second later
    return start, max(start, stop)


def _spans(s: Scenario, start: float, stop: float) -> list[tuple[float, float]]:
    spans, open_at = [], start
    for pause_at, resume_at in s.app.pauses:
        if not open_at <= pause_at < stop:
            continue
        spans.append((open_at - start, pause_at - start))
        open_at = min(resume_at, stop)
    # A recording stopped the instant it started still captured that instant: the SDK announced the
    # people it found there, so its one span is empty but there.
    if open_at < stop or not spans:
        spans.append((open_at - start, stop - start))
    return [(round(a, 6), round(b, 6)) for a, b in spans]


def _speaker(s: Scenario, participant_id: int) -> str:
    participant = s.meeting.participant(participant_id)
    if s.app.desktop_audio or s.meeting.audio_only:
        return "Host" if participant.is_local else "Guest"
    return participant.name


def _kept(s: Scenario, start: float, spans: list[tuple[float, float]]) -> list[tuple[int, int, list[Word]]]:
    """Kept runs of words: (utterance index, span index, words), in start order."""
    offset = start - (0.0 if s.app.desktop_audio else max(0.0, s.meeting.opens_at))
    runs: list[tuple[int, int, list[Word]]] = []
    for index, utterance in enumerate(s.meeting.utterances):
        groups: dict[int, list[Word]] = {}
        for w in utterance.words:
            a, b = round(w.start - offset, 6), round(w.end - offset, 6)
            for span_index, (lo, hi) in enumerate(spans):
                if lo <= a and b <= hi:
                    groups.setdefault(span_index, []).append(
                        Word(_speaker(s, utterance.participant_id), w.text, a, b)
                    )
                    break
        runs += [(index, span, words) for span, words in sorted(groups.items())]
    runs.sort(key=lambda run: (run[2][0].start, run[0]))
    return runs


def _state(meeting: MeetingScript, t: float) -> set[tuple[str, int]]:
    """(kind, participant) on at meeting time t: presence, webcam, screenshare."""
    on: set[tuple[str, int]] = set()
    for p in meeting.participants:
        if p.join_at <= t and (p.leave_at is None or p.leave_at > t):
            on.add(("presence", p.id))
    for kind, spans in (("webcam", meeting.webcam), ("screenshare", meeting.screenshare)):
        for span in spans:
            if span.start <= t < span.end:
                on.add((kind, span.participant_id))
    return on


_ON = {"presence": "join", "webcam": "webcam_on", "screenshare": "screenshare_on"}
_OFF = {"presence": "leave", "webcam": "webcam_off", "screenshare": "screenshare_off"}


def _participant_events(
    s: Scenario, start: float, spans: list[tuple[float, float]], runs: list[tuple[int, int, list[Word]]]
) -> list[tuple[str, int, float]]:
    meeting = s.meeting
    if s.app.desktop_audio or meeting.audio_only:
        return []
    offset = start - max(0.0, meeting.opens_at)  # meeting time = recording time + offset
    changes: list[tuple[float, str, int, bool]] = []
    for p in meeting.participants:
        changes.append((p.join_at, "presence", p.id, True))
        if p.leave_at is not None:
            changes.append((p.leave_at, "presence", p.id, False))
    for kind, spans_of in (("webcam", meeting.webcam), ("screenshare", meeting.screenshare)):
        for span in spans_of:
            changes += [
                (span.start, kind, span.participant_id, True),
                (span.end, kind, span.participant_id, False),
            ]
    found: list[tuple[str, int, float]] = []
    seen: set[tuple[str, int]] = set()
    for a, b in spans:
        now = _state(meeting, a + offset)
        found += [(_OFF[k], pid, a) for k, pid in seen - now]
        found += [(_ON[k], pid, a) for k, pid in now - seen]
        for at, kind, pid, on in changes:
            if a + offset < at < b + offset:
                found.append(((_ON if on else _OFF)[kind], pid, round(at - offset, 6)))
        for message in meeting.chat:
            if a + offset <= message.at < b + offset:
                found.append(("chat_message", message.participant_id, round(message.at - offset, 6)))
        # What is on just before the span ends: a change exactly at its end is not seen.
        seen = {(k, pid) for k, pid in _state(meeting, b + offset - 1e-9)}
    for index, _, words in runs:
        pid = meeting.utterances[index].participant_id
        found += [("speech_on", pid, words[0].start), ("speech_off", pid, words[-1].end)]
    rank = {action: i for i, action in enumerate(ACTIONS)}
    return sorted(((a, pid, round(t, 6)) for a, pid, t in found), key=lambda e: (e[2], rank[e[0]], e[1]))


def _pausing(pauses: list[bool]) -> list[str]:
    """Per pause inside the recording: paused, then (if resumed before the stop) recording again."""
    out: list[str] = []
    for resumed in pauses:
        out += ["paused", "recording"] if resumed else ["paused"]
    return out


def _webhooks(s: Scenario, artifacts: list[str], failed: bool, pauses: list[bool]) -> list[str]:
    current = s.profile == "current"
    out: list[str] = ["sdk_upload.recording_started"] if current else []
    out += [
        "recording.processing" if step == "recording" else "recording.paused" for step in _pausing(pauses)
    ]
    if current:
        out.append("sdk_upload.recording_ended")
    if failed:
        out += ["recording.failed", "sdk_upload.failed"]
        return out
    out.append("recording.processing")
    out += [f"{kind}.done" for kind in artifacts]
    out += ["recording.done", "sdk_upload.complete" if current else "sdk_upload.completed"]
    if s.backend.create_transcript is not None:
        out += ["transcript.processing", "transcript.done"]
    return out


def _sdk_milestones(s: Scenario, pauses: list[bool]) -> list[str]:
    out = [] if s.app.desktop_audio else ["meeting-detected"]
    out += ["sdk-state-change:recording", "recording-started"]
    out += [f"sdk-state-change:{step}" for step in _pausing(pauses)]
    out.append("sdk-state-change:idle")
    if s.faults.recorder_crash_at is not None:
        return out[: 3 if not s.app.desktop_audio else 2]  # cut by the crash (checked as a prefix)
    out.append("recording-ended")
    if s.app.upload_mode == "seed":
        out += ["upload-progress:0", "upload-progress:100"]
    out.append("shutdown")
    return out


def predict(s: Scenario, *, nothing_journaled: bool = False) -> Prediction:
    """The model's prediction. After a crash the recording keeps what was journaled up to a segment
    boundary; `nothing_journaled` says the crash came before the first segment was whole, in which case
    the resumed upload has no media and must fail with `media_empty`."""
    start, stop = _recording_window(s)
    crash = s.faults.recorder_crash_at
    if crash is not None and crash < stop:
        stop = max(start, crash)
    spans = _spans(s, start, stop)
    # Each pause inside the recording, and whether it was resumed before the recording stopped.
    pauses = [r < stop for p, r in s.app.pauses if start <= p < stop]
    runs = _kept(s, start, spans)
    audio = s.app.desktop_audio or s.meeting.audio_only
    kind = "mp3" if audio else "mp4"
    artifacts = [
        "audio_mixed" if audio or s.upload.audio_only else "video_mixed",
        "participant_events",
        "meeting_metadata",
    ]
    if s.upload.streaming_provider is not None:
        artifacts.append("transcript")  # the streamed transcript becomes the recording's transcript
    empty = nothing_journaled and crash is not None
    failed = s.faults.corrupt_upload or empty
    errors = []
    if s.app.reuse_token and crash is None:  # after a crash the restarted app holds no token
        errors.append(("start_recording (reused token)", "UploadTokenReusedError"))
    return Prediction(
        started_at=start,
        stopped_at=stop,
        spans=spans,
        media_kind=kind,
        upload_status="failed" if failed else "complete",
        upload_sub_code="media_empty" if empty else "media_corrupt" if failed else None,
        recording_status="failed" if failed else "done",
        artifacts=[] if failed else artifacts,
        webhook_events=_webhooks(s, artifacts, failed, pauses),
        sdk_milestones=_sdk_milestones(s, pauses),
        words=[w for _, _, words in runs for w in words],
        participant_events=_participant_events(s, start, spans, runs),
        app_errors=errors,
        exact_duration=crash is None or crash >= _recording_window(s)[1],
    )
