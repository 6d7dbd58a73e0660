"""The parts recorded alongside the media: participant events and meeting metadata.

The Desktop SDK reads the meeting client's participant list while it records and uploads what it saw
as the `participant_events` part, in the participant-events download shape (contract section 4):

    {"id", "action", "participant": {...}, "timestamp": {"absolute", "relative"},
     "data": null | {"text", "to"}}

Only what happened while capturing is there. At the start and at each resume the SDK reports the
state it finds (who is present, whose webcam or screenshare is on) as events at that instant, so the
list always describes the meeting as seen; changes during a pause surface at the resume, and chat sent
during a pause is lost. `speech_on` / `speech_off` follow the speech track (first and last kept word of
each utterance), so the speaker timeline agrees with the transcript. The script has no renames or role
changes, so no `update` events are produced. Slack huddles and desktop-audio recordings carry no
participant data: their list is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from recall_sim.recorder.media.speech import participant_json, recorded_utterances
from recall_sim.recorder.media.timeline import RecordedSpans
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.seams import RandomStream, isoformat

__all__ = ["ACTIONS", "meeting_metadata", "meeting_state", "participant_events"]

#: the actions in the order they are listed when several happen at the same instant: whatever ends,
#: then whoever leaves, then whoever joins, then whatever starts, then chat
ACTIONS = (
    "speech_off",
    "screenshare_off",
    "webcam_off",
    "leave",
    "join",
    "update",
    "webcam_on",
    "screenshare_on",
    "speech_on",
    "chat_message",
)
_RANK = {action: rank for rank, action in enumerate(ACTIONS)}


@dataclass(frozen=True)
class _Change:
    at: float  # meeting time
    kind: str  # "presence" | "webcam" | "screenshare"
    participant_id: int
    on: bool


def _changes(script: MeetingScript) -> list[_Change]:
    changes: list[_Change] = []
    for p in script.participants:
        changes.append(_Change(p.join_at, "presence", p.id, True))
        if p.leave_at is not None:
            changes.append(_Change(p.leave_at, "presence", p.id, False))
    for kind, spans in (("webcam", script.webcam), ("screenshare", script.screenshare)):
        for span in spans:
            changes.append(_Change(span.start, kind, span.participant_id, True))
            changes.append(_Change(span.end, kind, span.participant_id, False))
    # Offs before ons at one instant, so a span ending as the next begins leaves the state "on".
    changes.sort(key=lambda c: (c.at, c.on))
    return changes


def _state_before(changes: Iterable[_Change], t: float, inclusive: bool) -> set[tuple[str, int]]:
    state: set[tuple[str, int]] = set()
    for change in changes:
        if change.at > t or (change.at == t and not inclusive):
            break
        if change.on:
            state.add((change.kind, change.participant_id))
        else:
            state.discard((change.kind, change.participant_id))
    return state


_ON = {"presence": "join", "webcam": "webcam_on", "screenshare": "screenshare_on"}
_OFF = {"presence": "leave", "webcam": "webcam_off", "screenshare": "screenshare_off"}


def meeting_state(script: MeetingScript, t: float) -> dict[str, set[int]]:
    """What the SDK finds when it (re)starts capturing at meeting-time `t`: who is present (`join`),
    whose webcam (`webcam_on`) and screenshare (`screenshare_on`) are on. Empty for Slack huddles."""
    found: dict[str, set[int]] = {action: set() for action in _ON.values()}
    if script.audio_only:
        return found
    for kind, pid in _state_before(_changes(script), t, inclusive=True):
        found[_ON[kind]].add(pid)
    return found


def participant_events(
    script: MeetingScript,
    recorded: RecordedSpans,
    *,
    start_at: float,
    started_at: datetime,
    seed: int | str = 0,
    desktop_audio: bool = False,
) -> list[dict[str, Any]]:
    """The `participant_events` part of a finished recording.

    `start_at` is the meeting-time instant the recording started, `started_at` the same instant on
    the wall clock (absolute timestamps are `started_at` + relative). Event ids are UUIDs drawn from
    `seed`, so the same inputs give the same list.
    """
    if desktop_audio or script.audio_only:
        return []
    changes = _changes(script)
    raw: list[tuple[float, str, int, dict[str, Any] | None]] = []  # (relative, action, id, data)
    seen: set[tuple[str, int]] = set()
    for a, b in recorded.spans:
        found = _state_before(changes, start_at + a, inclusive=True)
        for kind, pid in seen - found:
            raw.append((a, _OFF[kind], pid, None))
        for kind, pid in found - seen:
            raw.append((a, _ON[kind], pid, None))
        for change in changes:
            if start_at + a < change.at < start_at + b:
                action = (_ON if change.on else _OFF)[change.kind]
                raw.append((change.at - start_at, action, change.participant_id, None))
        for message in script.chat:
            if start_at + a <= message.at < start_at + b:
                chat: dict[str, Any] = {"text": message.text, "to": message.to}
                raw.append((message.at - start_at, "chat_message", message.participant_id, chat))
        seen = _state_before(changes, start_at + b, inclusive=False)
    for utterance in recorded_utterances(script, start_at, recorded):
        pid = dict(utterance.participant)["id"]
        raw.append((utterance.start, "speech_on", pid, None))
        raw.append((utterance.end, "speech_off", pid, None))
    raw.sort(key=lambda e: (round(e[0], 6), _RANK[e[1]], e[2]))
    ids = RandomStream(seed, "participant_events")
    events = []
    for relative, action, pid, data in raw:
        relative = round(relative, 6)
        events.append(
            {
                "id": str(ids.uuid4()),
                "action": action,
                "participant": participant_json(script.participant(pid)),
                "timestamp": {
                    "absolute": isoformat(started_at + timedelta(seconds=relative)),
                    "relative": relative,
                },
                "data": data,
            }
        )
    return events


def meeting_metadata(script: MeetingScript, *, known_at: float | None = None) -> dict[str, Any]:
    """The `meeting_metadata` part: `{"platform", "title", "url", "zoom": {"meeting_uuid"} | null}`.

    Title and URL may reach the SDK late (`meeting-updated`); `known_at` is the meeting-time instant
    the metadata is read, and details not yet arrived by then are null.
    """
    known = known_at is None or script.details_at <= known_at
    return {
        "platform": script.platform,
        "title": script.title if known else None,
        "url": script.url if known else None,
        "zoom": {"meeting_uuid": script.zoom_meeting_uuid} if script.platform == "zoom" else None,
    }
