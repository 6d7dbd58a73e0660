"""The participant_events artifact's three downloads, all derived from the uploaded events part:
the events themselves, the participants, and the speaker timeline (who spoke when, from speech_on/off)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from recall_sim.seams import isoformat
from recall_sim.simulator.processing.containers import MediaRejected

__all__ = ["ACTIONS", "ParticipantDownloads", "derive_participant_downloads", "parse_events"]

ACTIONS = (
    "join",
    "leave",
    "update",
    "speech_on",
    "speech_off",
    "webcam_on",
    "webcam_off",
    "screenshare_on",
    "screenshare_off",
    "chat_message",
)
_PARTICIPANT_KEYS = ("id", "name", "is_host", "platform", "extra_data", "email")

ParticipantDownloads = dict[str, list[dict[str, Any]]]


def _participant(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), int) or isinstance(raw.get("id"), bool):
        raise MediaRejected(
            "participant_events_invalid", "Every event needs a participant with an integer id."
        )
    return {
        "id": raw["id"],
        "name": raw.get("name"),
        "is_host": bool(raw.get("is_host", False)),
        "platform": raw.get("platform", "unknown"),
        "extra_data": raw.get("extra_data") or {},
        "email": raw.get("email"),
    }


def parse_events(data: bytes) -> list[dict[str, Any]]:
    """The events part, checked and normalised; anything malformed fails the upload."""
    try:
        events = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise MediaRejected(
            "participant_events_invalid", "The participant events part is not JSON."
        ) from None
    if not isinstance(events, list):
        raise MediaRejected("participant_events_invalid", "The participant events part is not a list.")
    out: list[dict[str, Any]] = []
    for event in events:
        if not isinstance(event, dict) or event.get("action") not in ACTIONS:
            raise MediaRejected("participant_events_invalid", "An event has no valid action.")
        stamp = event.get("timestamp")
        if not isinstance(stamp, dict) or not isinstance(stamp.get("relative"), int | float):
            raise MediaRejected("participant_events_invalid", "An event has no relative timestamp.")
        out.append(
            {
                "id": str(event.get("id", len(out))),
                "action": event["action"],
                "participant": _participant(event.get("participant")),
                "timestamp": {"absolute": stamp.get("absolute"), "relative": float(stamp["relative"])},
                "data": event.get("data"),
            }
        )
    return sorted(out, key=lambda e: e["timestamp"]["relative"])


def _stamp(started_at: datetime, relative: float) -> dict[str, Any]:
    absolute = isoformat(started_at + timedelta(seconds=relative))
    return {"absolute": absolute, "relative": round(relative, 6)}


def derive_participant_downloads(
    events: list[dict[str, Any]], started_at: datetime, duration: float
) -> ParticipantDownloads:
    participants: dict[int, dict[str, Any]] = {}
    for event in events:
        participants[event["participant"]["id"]] = event["participant"]
        if event["timestamp"]["absolute"] is None:
            event["timestamp"] = _stamp(started_at, event["timestamp"]["relative"])
    timeline: list[dict[str, Any]] = []
    speaking: dict[int, float] = {}

    def close(pid: int, end: float) -> None:
        start = speaking.pop(pid)
        if end > start:
            timeline.append(
                {
                    "participant": participants[pid],
                    "start_timestamp": _stamp(started_at, start),
                    "end_timestamp": _stamp(started_at, end),
                }
            )

    for event in events:
        pid, at = event["participant"]["id"], event["timestamp"]["relative"]
        if event["action"] == "speech_on" and pid not in speaking:
            speaking[pid] = at
        elif event["action"] in ("speech_off", "leave") and pid in speaking:
            close(pid, at)
    for pid in list(speaking):
        close(pid, duration)
    timeline.sort(key=lambda s: (s["start_timestamp"]["relative"], s["participant"]["id"]))
    return {
        "participant_events": events,
        "participants": sorted(participants.values(), key=lambda p: p["id"]),
        "speaker_timeline": timeline,
    }
