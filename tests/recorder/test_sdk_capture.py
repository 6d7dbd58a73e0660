"""What the SDK captures, checked in the media the region ends up with: a paused span (blank media, no
words, the region's recording `paused` meanwhile), a window that cannot be captured for a while, and a
desktop-audio recording (MP3, speakers `Host` and `Guest`)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from recall_sim.recorder.config import UploadMode
from recall_sim.recorder.ingest import IngestClient
from recall_sim.recorder.media import TINY, read_speech
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.scenarios.sample_media import decoded_audio_seconds, media_duration, stream_layout
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, download, recording_of, rig, standup
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])

SR = TINY.sample_rate


def _audio(data: bytes) -> tuple[np.ndarray[Any, Any], float]:
    """Decoded mono samples and the time of the first one."""
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return np.concatenate([f.to_ndarray()[0] for f in frames]), float(frames[0].time)


def _frames(data: bytes) -> list[tuple[float, np.ndarray[Any, Any]]]:
    with av.open(io.BytesIO(data)) as container:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def _rms(samples: np.ndarray[Any, Any], start: float, end: float, first: float = 0.0) -> float:
    window = samples[int((start - first) * SR) : int((end - first) * SR)]
    return float(np.sqrt(np.mean(np.square(window, dtype=np.float64))))


def _words(data: bytes) -> list[tuple[str, str, float, float]]:
    return [
        (u["participant"]["name"], w["text"], w["start"], w["end"])
        for u in read_speech(data)
        for w in u["words"]
    ]


def _script_words(
    script: MeetingScript, spans: list[tuple[float, float]]
) -> list[tuple[str, str, float, float]]:
    """The script's words that lie whole inside one of `spans` (recording starts at meeting time 0)."""
    names = {p.id: p.name for p in script.participants}
    return sorted(
        (
            (names[u.participant_id], w.text, w.start, w.end)
            for u in script.utterances
            for w in u.words
            if any(a <= w.start and w.end <= b for a, b in spans)
        ),
        key=lambda word: word[2],
    )


@pytest.mark.parametrize("mode", ["seed", "current"])
async def test_a_paused_span_is_blank_media_without_words(
    sim: Sim, clock: VirtualClock, tmp_path: Path, mode: UploadMode
) -> None:
    meeting = standup(duration=20.0)
    r = rig(sim, clock, tmp_path, [meeting], mode=mode)
    window, upload = await r.recording()
    await clock.sleep(3.2)  # in the middle of "morning ada shall we start" (2.5 .. 4.5)
    await r.sdk.pause_recording(window)
    await clock.sleep(4)
    ingest = IngestClient(API_URL, upload["upload_token"], transport=r.sdk.config.transport)
    assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "paused"
    assert (await ingest.status())["recording_status"]["code"] == "paused"
    await r.sdk.resume_recording(window)  # at 7.2, inside "sorry i am late" (7.0 .. 8.5)
    await clock.sleep(1)
    assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "processing"
    await ingest.aclose()
    await clock.sleep(15)  # the meeting ends at 20 s
    await r.sdk.upload_recording(window)
    await r.sdk.settle()
    await clock.sleep(1)

    states = [(t, p["sdk"]["state"]["code"]) for t, n, p in r.events if n == "sdk-state-change"]
    assert states == [(0.0, "recording"), (3.2, "paused"), (7.2, "recording"), (20.0, "idle")]
    # Alan joined (6 s) while paused: it is seen at the resume. Nothing is reported during the pause.
    seen = [
        (t, p["participantId"], p["type"], p["capturing"])
        for t, n, p in r.events
        if n == "participant-capture-status"
    ]
    assert not [s for s in seen if 3.2 < s[0] < 7.2]
    assert (7.2, 300, "audio", True) in seen
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    media = await download(sim, recording, "video_mixed")
    assert abs(media_duration(media) - 20.0) < 0.6  # the paused span stays on the timeline
    spoken = _words(media)
    assert spoken == _script_words(meeting, [(0.0, 3.2), (7.2, 20.0)])
    assert not [w for w in spoken if w[3] > 3.2 and w[2] < 7.2]
    assert ("Grace Hopper", "morning", 2.5, 2.8) in spoken  # before the pause: kept
    assert ("Ada Lovelace", "no", 8.2, 8.5) in spoken  # after the resume: kept
    samples, first = _audio(media)
    assert _rms(samples, 3.5, 7.0, first) < 1e-3  # silence, though Grace and Alan were speaking
    assert _rms(samples, 2.5, 3.1, first) > 0.02
    assert _rms(samples, 8.2, 9.0, first) > 0.02
    frames = _frames(media)
    blank = [image for t, image in frames if 3.5 <= t < 7.0]
    assert blank
    assert all(image.max() <= 16 for image in blank)
    assert min(int(image.max()) for t, image in frames if t < 3.0 or t >= 7.5) > 100


async def test_a_recording_stopped_while_paused_ends_done_with_a_blank_tail(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    meeting = standup(duration=20.0)
    r = rig(sim, clock, tmp_path, [meeting], mode="current")
    window, upload = await r.recording()
    await clock.sleep(6)
    await r.sdk.pause_recording(window)
    await clock.sleep(4)
    await r.sdk.stop_recording(window)
    await r.sdk.settle()
    await clock.sleep(1)
    states = [(t, p["sdk"]["state"]["code"]) for t, n, p in r.events if n == "sdk-state-change"]
    assert states == [(0.0, "recording"), (6.0, "paused"), (10.0, "idle")]
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    media = await download(sim, recording, "video_mixed")
    assert abs(media_duration(media) - 10.0) < 0.6
    assert _words(media) == _script_words(meeting, [(0.0, 6.0)])
    samples, first = _audio(media)
    assert _rms(samples, 6.5, 9.8, first) < 1e-3  # Alan and Ada spoke after the pause, unrecorded
    assert _rms(samples, 2.5, 4.0, first) > 0.02


async def test_an_uncapturable_window_keeps_recording_audio(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    meeting = standup(duration=14.0, uncapturable=((4.0, 9.0),))
    r = rig(sim, clock, tmp_path, [meeting])
    window, upload = await r.recording()
    await clock.sleep(15)
    await r.sdk.upload_recording(window)
    await r.sdk.settle()
    await clock.sleep(1)
    video = [
        (t, p["capturing"]) for t, n, p in r.events if n == "media-capture-status" and p["type"] == "video"
    ]
    audio = [
        (t, p["capturing"]) for t, n, p in r.events if n == "media-capture-status" and p["type"] == "audio"
    ]
    assert video == [(0.0, True), (4.0, False), (9.0, True), (14.0, False)]
    assert audio == [(0.0, True), (14.0, False)]
    assert all(p["window"] == {"id": window} for p in r.of("media-capture-status"))
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    media = await download(sim, recording, "video_mixed")
    samples, first = _audio(media)
    assert _rms(samples, 7.0, 8.4, first) > 0.02  # Alan speaks while the window is hidden
    assert ("Alan Turing", "late", 8.2, 8.5) in _words(media)
    frames = _frames(media)
    [hidden_at] = [image.astype(int) for t, image in frames if t == 4.0]
    hidden = [image.astype(int) for t, image in frames if 4.0 < t < 9.0]
    assert all(np.abs(image - hidden_at).mean() < 3 for image in hidden)  # the last picture, held
    later = [image.astype(int) for t, image in frames if 10.0 <= t < 13.0]
    assert max(np.abs(image - hidden_at).mean() for image in later) > 3  # live again


async def test_a_recording_that_starts_while_the_window_is_hidden_says_so(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=10.0, uncapturable=((1.0, 5.0),))])
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(2)
    [window] = r.window_ids()
    await r.sdk.start_recording(window, (await r.create_upload())["upload_token"])
    await clock.sleep(5)
    await r.sdk.settle()
    video = [
        (t, p["capturing"]) for t, n, p in r.events if n == "media-capture-status" and p["type"] == "video"
    ]
    assert video == [(2.0, False), (5.0, True)]


async def test_desktop_audio_records_mp3_with_host_and_guest(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    played = standup(duration=60.0)
    r = rig(sim, clock, tmp_path, [], desktop_audio=played)
    await r.sdk.init(api_url=API_URL)
    window = await r.sdk.prepare_desktop_audio_recording()
    upload = await r.create_upload()
    await r.sdk.start_recording(window, upload["upload_token"])
    await clock.sleep(12)
    await r.sdk.stop_recording(window)
    await r.sdk.upload_recording(window)
    await r.sdk.settle()
    await clock.sleep(1)
    assert r.of("meeting-detected") == []  # desktop audio is no meeting window
    assert r.of("participant-capture-status") == []  # and has no participant data
    assert [(p["type"], p["capturing"]) for p in r.of("media-capture-status")] == [
        ("audio", True),
        ("audio", False),
    ]
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    shortcuts = recording["media_shortcuts"]
    assert shortcuts["video_mixed"] is None
    mp3 = await download(sim, recording, "audio_mixed")
    assert [kind for kind, _ in stream_layout(mp3)] == ["audio"]
    assert stream_layout(mp3)[0][1].startswith("mp3")
    assert abs(decoded_audio_seconds(mp3) - 12.0) < 0.2
    [local] = [s.local for s in r.sdk._recordings.sessions.values()]
    assert hashlib.sha256(mp3).hexdigest() == local.media_sha256()
    utterances = read_speech(mp3)
    speakers = {
        (u["participant"]["id"], u["participant"]["name"], u["participant"]["is_host"]) for u in utterances
    }
    assert speakers == {(100, "Host", True), (200, "Guest", False)}
    # The local participant (Ada, the microphone) is Host; Grace and Alan are both Guest.
    by_text = {" ".join(w["text"] for w in u["words"]): u["participant"]["name"] for u in utterances}
    assert by_text == {
        "good morning everyone": "Host",
        "morning ada shall we start": "Guest",
        "sorry i am late": "Guest",
        "no problem alan": "Host",
    }
