"""The MP4 recording: real H.264 + AAC + mov_text, fragmented, segmented, with the speech inside."""

from __future__ import annotations

import hashlib
import io
import math

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recall_sim.recorder.media import (
    STANDARD,
    TINY,
    MeetingEncoder,
    Segment,
    read_mp4_speech_samples,
    read_speech,
)
from recall_sim.recorder.media.synth import voice_for
from recall_sim.recorder.meeting import MeetingScript, Participant, Span
from tests.recorder.media.support import (
    FPS,
    SR,
    Recording,
    decode_audio,
    decode_video,
    dominant_frequency,
    expected_words,
    meeting,
    record,
    rms,
    stream_durations,
    streams,
    utterance,
    words_of,
)

START_AT = 0.5
STOP = 31.0


@pytest.fixture(scope="module")
def plain() -> Recording:
    return record(meeting(), STOP, start_at=START_AT, step=0.7)


@pytest.fixture(scope="module")
def paused() -> Recording:
    # The pause cuts words on both edges (utterances run back to back in `meeting()`).
    return record(meeting(), STOP, start_at=START_AT, pauses=[(10.3, 16.55)])


def test_stream_layout_and_durations(plain: Recording) -> None:
    assert streams(plain.data) == [("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")]
    durations = stream_durations(plain.data)
    assert STOP <= durations["video"] < STOP + 1 / FPS
    assert STOP <= durations["audio"] < STOP + 1024 / SR
    assert plain.summary.duration == STOP
    frames = decode_video(plain.data)
    assert len(frames) == STOP * FPS
    assert [t for t, _ in frames[:3]] == [0.0, 0.5, 1.0]
    samples, first = decode_audio(plain.data)
    assert first == 0.0
    assert STOP * SR <= len(samples) < STOP * SR + 1024


def test_fragmented_with_segments_cut_after_fragments(plain: Recording) -> None:
    data = plain.data
    assert data[4:8] == b"ftyp"
    segments = plain.segments
    assert [s.index for s in segments] == list(range(len(segments)))
    assert segments[0].data[4:8] == b"ftyp"
    for segment in segments[1:]:
        assert segment.data[4:8] == b"moof"  # every later segment starts at a fragment
    assert len(segments) == 4  # 31 fragments of 1 s, 10 per segment, the rest in the last
    info = plain.summary.segments
    assert [(i.size, i.sha256) for i in info] == [
        (len(s.data), hashlib.sha256(s.data).hexdigest()) for s in segments
    ]
    assert plain.summary.sha256 == hashlib.sha256(data).hexdigest()
    assert plain.summary.size == len(data)
    assert plain.summary.concatenation == tuple(range(len(segments)))


def test_every_prefix_of_segments_is_a_shorter_valid_recording(plain: Recording) -> None:
    full = words_of(read_speech(plain.data))
    previous = 0.0
    for k in range(1, len(plain.segments)):
        prefix = b"".join(s.data for s in plain.segments[:k])
        frames = decode_video(prefix)
        samples, _ = decode_audio(prefix)
        duration = len(frames) / FPS
        assert previous < duration < STOP
        assert abs(len(samples) / SR - duration) < 1.0
        # The speech that made it is a prefix of the whole. (The speech track leads the media, so it
        # may hold an utterance that ends after the prefix's last frame.)
        words = words_of(read_speech(prefix))
        assert words == full[: len(words)]
        previous = duration


def test_speech_round_trip_is_exactly_the_recorded_words(plain: Recording) -> None:
    script = meeting()
    expected = expected_words(script, START_AT, [(0.0, STOP)])
    got = words_of(read_speech(plain.data))
    assert [(p, t) for p, t, _, _ in got] == [(p, t) for p, t, _, _ in expected]
    for (_, _, s, e), (_, _, es, ee) in zip(got, expected, strict=True):
        assert abs(s - es) < 0.05
        assert abs(e - ee) < 0.05
    first = read_speech(plain.data)[0]
    assert first["participant"] == {
        "id": 100,
        "name": "Ada",
        "is_host": True,
        "platform": "desktop",
        "extra_data": {},
        "email": "ada@example.com",
    }
    assert read_speech(plain.data) == plain.summary.speech_json()


def test_each_sample_spans_its_utterance(plain: Recording) -> None:
    samples = read_mp4_speech_samples(plain.data)
    assert len(samples) == len(plain.summary.utterances)
    for sample in samples:
        words = sample.utterance["words"]
        assert abs(sample.start - words[0]["start"]) <= 1 / SR
        assert abs(sample.end - words[-1]["end"]) <= 1 / SR


def test_overlapping_utterances_get_consecutive_samples_with_the_true_times_inside() -> None:
    script = MeetingScript(
        platform="teams",
        duration=12,
        participants=(Participant(100, "A"), Participant(200, "B")),
        utterances=(utterance(100, 1.0, 6), utterance(200, 2.0, 2), utterance(100, 6.0, 2)),
    )
    rec = record(script, 10.0)
    samples = read_mp4_speech_samples(rec.data)
    assert [s.utterance["participant"]["id"] for s in samples] == [100, 200, 100]
    # One track cannot hold overlapping samples: the first lasts until the second starts.
    assert samples[0].start == 1.0
    assert samples[0].end == samples[1].start == 2.0
    assert samples[0].utterance["words"][-1]["end"] == pytest.approx(3.3)
    assert [len(s.utterance["words"]) for s in samples] == [6, 2, 2]


def test_pause_gives_black_frames_silence_and_no_words(paused: Recording) -> None:
    spans = [(0.0, 10.3), (16.55, STOP)]
    assert paused.summary.recorded.spans == tuple(spans)
    frames = decode_video(paused.data)
    assert len(frames) == STOP * FPS  # the paused span stays on the timeline
    for t, image in frames:
        if 10.5 <= t < 16.5:  # black, but for the odd compression residue
            assert image.mean() < 0.5, t
            assert image.max() <= 16, t
    assert min(int(image.max()) for t, image in frames if t < 10.0) > 100
    samples, _ = decode_audio(paused.data)
    silent = samples[int(10.5 * SR) : int(16.5 * SR)]
    speaking = samples[int(1.0 * SR) : int(10.0 * SR)]
    assert rms(silent) < 1e-3
    assert rms(speaking) > 0.02
    expected = expected_words(meeting(), START_AT, spans)
    got = words_of(read_speech(paused.data))
    assert [(p, t) for p, t, _, _ in got] == [(p, t) for p, t, _, _ in expected]
    assert all(not (10.3 < s < 16.55 or 10.3 < e < 16.55) for _, _, s, e in got)
    # The pause cut words: something was dropped on each side.
    spoken = expected_words(meeting(), START_AT, [(0.0, STOP)])
    assert len(got) < len([w for w in spoken if not 10.3 <= w[2] < 16.55])


def test_uncapturable_window_freezes_the_picture_but_audio_continues() -> None:
    script = meeting()
    blocked = MeetingScript(**{**script.__dict__, "uncapturable": ((12.25, 20.25),)})
    plain = record(script, 24.0)
    frozen = record(blocked, 24.0)
    frames = decode_video(frozen.data)
    inside = [image.astype(int) for t, image in frames if 12.5 <= t < 20.0]
    before = next(image.astype(int) for t, image in frames if t == 12.0)
    assert all(np.abs(image - before).mean() < 3 for image in inside)
    # Without the block, the window changed over that span (speakers, the screenshare).
    changing = [image.astype(int) for t, image in decode_video(plain.data) if 12.5 <= t < 20.0]
    assert max(np.abs(image - before).mean() for image in changing) > 10
    a, _ = decode_audio(frozen.data)
    b, _ = decode_audio(plain.data)
    window = slice(int(12.5 * SR), int(20.0 * SR))
    assert rms(a[window]) > 0.02
    assert np.allclose(a[window], b[window], atol=1e-6)
    assert read_speech(frozen.data) == read_speech(plain.data)


def test_distinct_participants_have_distinct_dominant_frequencies() -> None:
    pids = (100, 200, 300)
    script = MeetingScript(
        platform="google-meet",
        duration=12,
        participants=tuple(Participant(pid, f"P{pid}") for pid in pids),
        utterances=tuple(utterance(pid, 1.0 + 3.5 * k, 8, word=0.35, gap=0.02) for k, pid in enumerate(pids)),
    )
    samples, _ = decode_audio(record(script, 12.0).data)
    found = []
    for k, pid in enumerate(pids):
        start = 1.0 + 3.5 * k
        found.append(dominant_frequency(samples[int(start * SR) : int((start + 2.8) * SR)]))
        assert found[-1] == pytest.approx(voice_for(pid).f0, rel=0.05)
    assert min(abs(a - b) for i, a in enumerate(found) for b in found[i + 1 :]) > 15


def test_audio_is_aligned_with_the_speech_track(plain: Recording) -> None:
    samples, _ = decode_audio(plain.data)
    first = read_speech(plain.data)[0]["words"][0]
    loud = np.nonzero(np.abs(samples) > 0.01)[0]
    assert abs(loud[0] / SR - first["start"]) < 0.02


def test_same_inputs_give_byte_identical_media() -> None:
    a = record(meeting(), 12.0, start_at=1.0, pauses=[(4.0, 6.0)])
    b = record(meeting(), 12.0, start_at=1.0, pauses=[(4.0, 6.0)], step=0.3)
    assert a.summary.sha256 == b.summary.sha256
    assert [s.sha256 for s in a.summary.segments] == [s.sha256 for s in b.summary.segments]


def test_hour_of_meeting_keeps_memory_bounded() -> None:
    script = MeetingScript(
        platform="zoom",
        duration=4000,
        participants=(Participant(100, "A"), Participant(200, "B")),
        utterances=tuple(utterance((100, 200)[k % 2], 5.0 + 25.0 * k, 10) for k in range(40)),
        webcam=(Span(100, 0, 4000),),
    )
    held = []
    encoder = MeetingEncoder(script, TINY, on_segment=lambda s: held.append(len(s.data)))
    for t in range(30, 1000, 30):
        encoder.advance_to(float(t))
        assert encoder._sink.buffered < 200_000
    summary = encoder.close(1000.0)
    assert len(summary.segments) == 100
    assert max(held) < 100_000


def test_controls_reject_time_going_back_and_use_after_close() -> None:
    encoder = MeetingEncoder(meeting(), TINY)
    encoder.advance_to(3.0)
    with pytest.raises(ValueError, match="forward"):
        encoder.advance_to(2.0)
    encoder.pause(4.0)
    assert encoder.paused
    with pytest.raises(ValueError, match="not capturing"):
        encoder.pause(5.0)
    encoder.resume(5.0)
    with pytest.raises(ValueError, match="not paused"):
        encoder.resume(6.0)
    encoder.close(6.0)
    with pytest.raises(ValueError, match="closed"):
        encoder.advance_to(7.0)


def test_recording_that_ends_while_paused_and_a_blink_of_a_recording_decode() -> None:
    rec = record(meeting(), 6.0, pauses=[(2.0, 2.0)])
    encoder = MeetingEncoder(meeting(), TINY)
    encoder.pause(1.0)
    summary = encoder.close(3.0)
    assert summary.recorded.spans == ((0.0, 1.0),)
    assert len(decode_video(rec.data)) == 12
    blink: list[bytes] = []
    MeetingEncoder(meeting(), TINY, on_segment=lambda s: blink.append(s.data)).close(0.01)
    with av.open(io.BytesIO(b"".join(blink))) as container:
        assert len(list(container.decode(video=0))) == 1


def test_the_standard_profile_records_both_containers() -> None:
    mp4_layout = [("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")]
    for kind, layout, frame in (("mp4", mp4_layout, 1024), ("mp3", [("audio", "mp3float")], 1152)):
        segments: list[Segment] = []
        encoder = MeetingEncoder(meeting(), STANDARD, kind=kind, on_segment=segments.append)  # type: ignore[arg-type]
        encoder.advance_to(2.0)
        summary = encoder.close(3.0)
        data = b"".join(segments[i].data for i in summary.concatenation)
        assert streams(data) == layout
        if kind == "mp4":
            frames = decode_video(data)
            assert len(frames) == 3 * STANDARD.fps
            assert frames[0][1].shape == (STANDARD.height, STANDARD.width, 3)
        samples, _ = decode_audio(data)
        # Within one codec frame of the recording (LAME may pad with one whole frame).
        assert 3 * STANDARD.sample_rate <= len(samples) <= 3 * STANDARD.sample_rate + frame
        assert words_of(read_speech(data)) == words_of(summary.speech_json())


@settings(max_examples=10)
@given(
    plan=st.lists(st.tuples(st.floats(0.2, 14.0), st.floats(0.0, 3.0)), max_size=3).map(sorted),
    start_at=st.floats(0.0, 6.0),
    stop=st.floats(2.0, 18.0),
)
def test_any_pause_plan_gives_a_valid_recording_with_exactly_the_kept_words(
    plan: list[tuple[float, float]], start_at: float, stop: float
) -> None:
    pauses, spans, since = [], [], 0.0
    for at, length in plan:
        if at > since and at + length < stop:
            pauses.append((at, at + length))
            spans.append((since, at))
            since = at + length
    spans.append((since, stop))
    rec = record(meeting(), stop, start_at=start_at, pauses=pauses, step=0.9)
    assert len(decode_video(rec.data)) == math.ceil(stop * FPS - 1e-9)
    got = words_of(read_speech(rec.data))
    want = expected_words(meeting(), start_at, spans)
    assert [(p, t) for p, t, _, _ in got] == [(p, t) for p, t, _, _ in want]
    assert all(abs(a[2] - b[2]) < 0.05 for a, b in zip(got, want, strict=True))


def test_an_utterance_by_a_stranger_is_refused() -> None:
    script = MeetingScript(platform="zoom", duration=5, participants=(), utterances=(utterance(999, 1.0, 2),))
    with pytest.raises(ValueError, match="not a participant"):
        MeetingEncoder(script, TINY)
