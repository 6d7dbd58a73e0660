"""Participant events and meeting metadata, as the SDK records them alongside the media."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from recall_sim.recorder.media import meeting_metadata, participant_events, recorded_utterances
from recall_sim.recorder.media.timeline import RecordedSpans
from recall_sim.recorder.meeting import ChatMessage, MeetingScript
from tests.recorder.media.support import meeting

STARTED = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)


def actions(events: list[dict[str, Any]]) -> list[tuple[float, str, int]]:
    return [(e["timestamp"]["relative"], e["action"], e["participant"]["id"]) for e in events]


def non_speech(events: list[dict[str, Any]]) -> list[tuple[float, str, int]]:
    return [a for a in actions(events) if not a[1].startswith("speech")]


def test_a_whole_recording_sees_everything_from_its_start() -> None:
    script = meeting()
    recorded = RecordedSpans(spans=((0.0, 35.0),), duration=35.0)
    events = participant_events(script, recorded, start_at=2.0, started_at=STARTED)
    assert non_speech(events) == [
        (0.0, "join", 100),
        (0.0, "join", 300),
        (0.0, "webcam_on", 100),
        (1.0, "join", 200),
        (3.0, "webcam_on", 200),
        (6.0, "chat_message", 200),
        (10.0, "screenshare_on", 300),
        (16.0, "screenshare_off", 300),
        (18.0, "webcam_off", 100),
        (28.0, "leave", 300),
    ]
    chat = next(e for e in events if e["action"] == "chat_message")
    assert chat["data"] == {"text": "hi all", "to": "everyone"}
    assert all(e["data"] is None for e in events if e is not chat)
    assert chat["timestamp"]["absolute"] == (STARTED + timedelta(seconds=6)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert chat["participant"] == {
        "id": 200,
        "name": "Bob",
        "is_host": False,
        "platform": "desktop",
        "extra_data": {},
        "email": None,
    }
    times = [e["timestamp"]["relative"] for e in events]
    assert times == sorted(times)
    assert len({e["id"] for e in events}) == len(events)


def test_speech_events_follow_the_speech_track() -> None:
    script = meeting()
    recorded = RecordedSpans(spans=((0.0, 9.9), (12.0, 30.0)), duration=30.0)
    events = participant_events(script, recorded, start_at=0.0, started_at=STARTED)
    speech = [(t, a, p) for t, a, p in actions(events) if a.startswith("speech")]
    expected = []
    for u in recorded_utterances(script, 0.0, recorded):
        pid = dict(u.participant)["id"]
        expected += [(u.start, "speech_on", pid), (u.end, "speech_off", pid)]
    assert sorted(speech) == sorted(expected)


def test_changes_during_a_pause_surface_at_the_resume_and_chat_is_lost() -> None:
    script = meeting()
    # Paused from 6 to 31 (meeting time): the chat, the share, Ada's webcam going off and Cy leaving.
    recorded = RecordedSpans(spans=((0.0, 6.0), (31.0, 35.0)), duration=35.0)
    events = participant_events(script, recorded, start_at=0.0, started_at=STARTED)
    assert non_speech(events) == [
        (0.0, "join", 100),
        (0.0, "join", 300),
        (0.0, "webcam_on", 100),
        (3.0, "join", 200),
        (5.0, "webcam_on", 200),
        (31.0, "webcam_off", 100),
        (31.0, "leave", 300),
    ]


def test_ids_are_deterministic_per_seed() -> None:
    script = meeting()
    recorded = RecordedSpans(spans=((0.0, 20.0),), duration=20.0)
    a = participant_events(script, recorded, start_at=0.0, started_at=STARTED, seed=7)
    b = participant_events(script, recorded, start_at=0.0, started_at=STARTED, seed=7)
    c = participant_events(script, recorded, start_at=0.0, started_at=STARTED, seed=8)
    assert a == b
    assert [e["id"] for e in a] != [e["id"] for e in c]


def test_slack_and_desktop_audio_have_no_participant_data() -> None:
    recorded = RecordedSpans(spans=((0.0, 20.0),), duration=20.0)
    slack = meeting(platform="slack")
    assert participant_events(slack, recorded, start_at=0.0, started_at=STARTED) == []
    assert participant_events(meeting(), recorded, start_at=0.0, started_at=STARTED, desktop_audio=True) == []


def test_meeting_metadata() -> None:
    script = meeting()
    assert meeting_metadata(script) == {
        "platform": "zoom",
        "title": "Weekly sync",
        "url": "https://zoom.us/j/123",
        "zoom": {"meeting_uuid": "uuid=="},
    }
    late = MeetingScript(**{**script.__dict__, "platform": "teams", "details_at": 30.0})
    assert meeting_metadata(late, known_at=10.0) == {
        "platform": "teams",
        "title": None,
        "url": None,
        "zoom": None,
    }
    assert meeting_metadata(late, known_at=30.0)["title"] == "Weekly sync"


def test_chat_at_the_edges_of_a_span() -> None:
    script = MeetingScript(
        **{
            **meeting().__dict__,
            "chat": (ChatMessage(100, 5.0, "at pause"), ChatMessage(100, 8.0, "at resume")),
        }
    )
    recorded = RecordedSpans(spans=((0.0, 5.0), (8.0, 10.0)), duration=10.0)
    events = participant_events(script, recorded, start_at=0.0, started_at=STARTED)
    assert [e["data"]["text"] for e in events if e["action"] == "chat_message"] == ["at resume"]
