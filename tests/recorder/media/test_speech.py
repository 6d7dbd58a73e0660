"""The kept-word rule, the incremental tracker, and the speech track's binary forms."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from recall_sim.recorder.media import GUEST, HOST, read_mp3_speech, read_speech, recorded_utterances
from recall_sim.recorder.media.id3 import ID3Error, build_txxx_tag, read_txxx_frames, tag_size
from recall_sim.recorder.media.reader import id3_speech_header
from recall_sim.recorder.media.speech import (
    MAX_SAMPLE_TEXT,
    SpeechTracker,
    decode_tx3g,
    encode_tx3g,
    speaker_labels_for,
    utterance_json,
)
from recall_sim.recorder.media.timeline import RecordedSpans, RecordingTimeline, WordFate
from recall_sim.recorder.meeting import MeetingScript, Participant, Utterance, Word
from tests.recorder.media.support import expected_words, meeting, words_of


def test_word_fate_at_the_edges_of_a_pause() -> None:
    timeline = RecordingTimeline()
    timeline.pause(5.0)
    timeline.resume(8.0)
    assert timeline.fate(4.0, 5.0, now=9.0) == (WordFate.KEPT, 0)  # ends as the pause starts
    assert timeline.fate(4.9, 5.1, now=9.0)[0] is WordFate.DROPPED  # cut by the pause
    assert timeline.fate(6.0, 6.5, now=9.0)[0] is WordFate.DROPPED  # spoken while paused
    assert timeline.fate(7.9, 8.2, now=9.0)[0] is WordFate.DROPPED  # cut by the resume
    assert timeline.fate(8.0, 8.5, now=9.0) == (WordFate.KEPT, 1)  # starts as capture resumes
    assert timeline.fate(8.8, 9.2, now=9.0)[0] is WordFate.UNDECIDED  # a pause could still cut it
    assert timeline.fate(-0.5, 0.2, now=9.0)[0] is WordFate.DROPPED  # began before the recording
    timeline.stop(10.0)
    assert timeline.fate(9.8, 10.2, now=10.0)[0] is WordFate.DROPPED
    assert timeline.fate(11.0, 11.5, now=10.0)[0] is WordFate.DROPPED
    assert timeline.freeze() == RecordedSpans(spans=((0.0, 5.0), (8.0, 10.0)), duration=10.0)
    assert timeline.blank_intervals()[0] == (5.0, 8.0)


def test_timeline_refuses_impossible_controls() -> None:
    timeline = RecordingTimeline()
    with pytest.raises(ValueError):
        timeline.resume(1.0)
    with pytest.raises(ValueError):
        timeline.freeze()
    timeline.stop(2.0)
    with pytest.raises(ValueError):
        timeline.stop(3.0)
    with pytest.raises(ValueError):
        timeline.pause(3.0)


pause_plans = st.lists(st.tuples(st.floats(0.0, 38.0), st.floats(0.0, 6.0)), max_size=4).map(
    lambda raw: sorted(raw)
)


@given(plan=pause_plans, start_at=st.floats(-2.0, 5.0), stop=st.floats(1.0, 45.0), tick=st.floats(0.05, 3.0))
@example(plan=[(0.5, 0.0)], start_at=0.5, stop=1.0, tick=1.0)  # a zero-length pause at a word's start
def test_incremental_tracker_agrees_with_the_rule(
    plan: list[tuple[float, float]], start_at: float, stop: float, tick: float
) -> None:
    script = meeting()
    timeline = RecordingTimeline()
    tracker = SpeechTracker(script, start_at, "participants")
    settled, now = [], 0.0
    spans, since = [], 0.0
    for at, length in plan:
        if at < now or at + length >= stop:
            continue
        while now + tick < at:
            now += tick
            settled += tracker.advance(now, timeline)
            assert tracker.horizon(now) <= now
        timeline.pause(at)
        settled += tracker.advance(at, timeline)
        timeline.resume(at + length)
        spans.append((since, at))
        since = now = at + length
    timeline.stop(stop)
    spans.append((since, stop))
    settled += tracker.advance(stop, timeline)
    final = recorded_utterances(script, start_at, timeline.freeze())
    assert sorted(settled, key=lambda u: u.start) == final
    got = words_of([u.to_json() for u in final])
    want = expected_words(script, start_at, spans)
    assert [(p, t) for p, t, _, _ in got] == [(p, t) for p, t, _, _ in want]


def test_a_pause_inside_an_utterance_splits_it() -> None:
    script = meeting()
    first = script.utterances[0]  # 100 speaks four words from 1.0 to 2.5
    recorded = RecordedSpans(spans=((0.0, 1.75), (1.8, 10.0)), duration=10.0)
    utterances = recorded_utterances(script, 0.0, recorded)
    assert [w.text for w in utterances[0].words] == [w.text for w in first.words[:2]]
    assert [w.text for w in utterances[1].words] == [w.text for w in first.words[2:]]


def test_roles_name_the_local_microphone_host() -> None:
    script = meeting()
    assert speaker_labels_for(script, desktop_audio=True) == "roles"
    assert speaker_labels_for(meeting(platform="slack"), desktop_audio=False) == "roles"
    assert speaker_labels_for(script, desktop_audio=False) == "participants"
    everything = RecordedSpans(spans=((0.0, 40.0),), duration=40.0)
    people = {dict(u.participant)["id"] for u in recorded_utterances(script, 0.0, everything, "roles")}
    assert people == {HOST["id"], GUEST["id"]}
    assert (HOST["id"], GUEST["id"]) == (100, 200)


def test_an_utterance_too_long_for_one_sample_is_split() -> None:
    words = tuple(Word(f"w{'o' * 60}{k}", k * 0.5, k * 0.5 + 0.4) for k in range(1500))
    script = MeetingScript(
        platform="zoom",
        duration=800,
        participants=(Participant(1, "Long"),),
        utterances=(Utterance(1, words),),
    )
    recorded = RecordedSpans(spans=((0.0, 800.0),), duration=800.0)
    parts = recorded_utterances(script, 0.0, recorded)
    assert len(parts) > 1
    assert all(len(utterance_json(u)) <= MAX_SAMPLE_TEXT for u in parts)
    assert [w.text for u in parts for w in u.words] == [w.text for w in words]


def test_tx3g_sample_and_id3_tag_round_trip() -> None:
    text = json.dumps({"words": [{"text": "héllo - 你好"}]}, ensure_ascii=False).encode()
    sample = encode_tx3g(text)
    assert sample[:2] == len(text).to_bytes(2, "big")
    assert decode_tx3g(sample) == text
    assert decode_tx3g(b"\x00\x00") == b""
    with pytest.raises(ValueError):
        encode_tx3g(b"x" * (MAX_SAMPLE_TEXT + 1))
    tag = build_txxx_tag({"recall-sim-speech": "[1, 2]", "other": "ünïcode"})
    assert tag[:5] == b"ID3\x04\x00"
    assert tag_size(tag + b"\xff\xe3") == len(tag)
    assert read_txxx_frames(tag) == {"recall-sim-speech": "[1, 2]", "other": "ünïcode"}
    with pytest.raises(ID3Error):
        read_txxx_frames(b"ID3\x03\x00\x00\x00\x00\x00\x00")
    with pytest.raises(ID3Error):
        read_txxx_frames(b"not a tag")


def test_the_mp3_header_carries_the_utterance_array() -> None:
    script = meeting()
    recorded = RecordedSpans(spans=((0.0, 12.0),), duration=12.0)
    utterances = recorded_utterances(script, 0.0, recorded)
    header = id3_speech_header(utterances)
    assert read_mp3_speech(header + b"\xff\xe3") == [u.to_json() for u in utterances]
    assert read_speech(header) == [u.to_json() for u in utterances]
    assert read_mp3_speech(b"\xff\xe3\x00\x00") == []
