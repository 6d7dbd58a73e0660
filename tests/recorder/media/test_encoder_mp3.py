"""The MP3 recording: libmp3lame frames in segments, the speech as a leading ID3v2.4 tag."""

from __future__ import annotations

import numpy as np
import pytest

from recall_sim.recorder.media import (
    GUEST,
    HOST,
    TINY,
    MeetingEncoder,
    concatenated_sha256,
    media_kind_for,
    read_speech,
)
from recall_sim.recorder.media.id3 import read_txxx_frames, tag_size
from tests.recorder.media.support import (
    SR,
    Recording,
    decode_audio,
    expected_words,
    meeting,
    record,
    rms,
    streams,
    words_of,
)

STOP = 25.0
FRAME = 576  # MPEG-2.5 layer III at 8 kHz


@pytest.fixture(scope="module")
def slack() -> Recording:
    return record(meeting(platform="slack"), STOP, start_at=1.0, pauses=[(9.0, 12.0)])


def test_slack_and_desktop_audio_record_mp3() -> None:
    assert media_kind_for(meeting(platform="slack")) == "mp3"
    assert media_kind_for(meeting(), desktop_audio=True) == "mp3"
    assert media_kind_for(meeting(), audio_only=True) == "mp3"
    assert media_kind_for(meeting()) == "mp4"
    with pytest.raises(ValueError, match="audio-only"):
        MeetingEncoder(meeting(platform="slack"), TINY, kind="mp4")


def test_header_first_then_frames_decodes_with_the_speech(slack: Recording) -> None:
    summary = slack.summary
    assert summary.kind == "mp3"
    header = slack.segments[-1]
    assert header.role == "speech-header"
    assert [s.role for s in slack.segments[:-1]] == ["media"] * (len(slack.segments) - 1)
    assert summary.concatenation[0] == header.index
    data = slack.data
    assert data.startswith(b"ID3\x04\x00")
    assert tag_size(data) == len(header.data)
    assert streams(data) == [("audio", "mp3float")]
    assert summary.sha256 is None
    assert concatenated_sha256(slack.segments[i].data for i in summary.concatenation)
    samples, first = decode_audio(data)
    assert first == 0.0
    assert STOP * SR <= len(samples) <= STOP * SR + FRAME
    spans = [(0.0, 9.0), (12.0, STOP)]
    expected = expected_words(meeting(platform="slack"), 1.0, spans)
    utterances = read_speech(data)
    got = words_of(utterances)
    assert [t for _, t, _, _ in got] == [t for _, t, _, _ in expected]
    assert all(
        abs(a[2] - b[2]) < 0.05 and abs(a[3] - b[3]) < 0.05 for a, b in zip(got, expected, strict=True)
    )
    # Slack has no participant data: the local microphone is Host, everyone else Guest.
    assert {u["participant"]["name"] for u in utterances} == {"Host", "Guest"}
    for u in utterances:
        assert u["participant"] in (HOST, GUEST)
    assert utterances == summary.speech_json()
    assert list(read_txxx_frames(data)) == ["recall-sim-speech"]


def test_pause_is_silent(slack: Recording) -> None:
    samples, _ = decode_audio(slack.data)
    assert rms(samples[int(9.2 * SR) : int(11.8 * SR)]) < 1e-3
    assert rms(samples[int(2.0 * SR) : int(8.0 * SR)]) > 0.02


def test_segments_cut_at_frames_so_every_prefix_decodes(slack: Recording) -> None:
    media = [s.data for s in slack.segments if s.role == "media"]
    assert len(media) == 3  # 10 s of frames per segment
    for segment in media:
        assert len(segment) % 144 == 0  # 16 kbit/s at 8 kHz: every frame is 72 * 16000 / 8000 bytes
        assert segment[:2] == b"\xff\xe3"  # starts on an MPEG-2.5 frame sync
    previous = 0
    for k in range(1, len(media) + 1):
        samples, _ = decode_audio(b"".join(media[:k]))
        assert len(samples) > previous
        previous = len(samples)


def test_desktop_audio_names_host_and_guest_and_is_aligned() -> None:
    rec = record(meeting(), 12.0, desktop_audio=True)
    assert rec.summary.kind == "mp3"
    utterances = read_speech(rec.data)
    by_role = {u["participant"]["id"]: u["participant"]["name"] for u in utterances}
    assert by_role == {100: "Host", 200: "Guest"}
    samples, _ = decode_audio(rec.data)
    loud = np.nonzero(np.abs(samples) > 0.01)[0]
    assert abs(loud[0] / SR - utterances[0]["words"][0]["start"]) < 0.02


def test_same_inputs_give_byte_identical_mp3() -> None:
    a = record(meeting(platform="slack"), 12.0, pauses=[(3.0, 4.5)])
    b = record(meeting(platform="slack"), 12.0, pauses=[(3.0, 4.5)], step=0.25)
    assert [s.sha256 for s in a.summary.segments] == [s.sha256 for s in b.summary.segments]
    assert a.data == b.data
