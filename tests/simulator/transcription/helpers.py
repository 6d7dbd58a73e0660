"""Meetings recorded with the recorder's own media encoder and uploaded through the ingest protocol, so
the transcripts under test are made from real media carrying a real speech track."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from recall_sim.recorder.media import TINY, MeetingEncoder, meeting_metadata, participant_events
from recall_sim.recorder.meeting import MeetingScript, Participant, Utterance, Word
from tests.simulator.ingest.helpers import create_upload, record_and_upload
from tests.support import Sim

#: the seed document's create_transcript body (tests/simulator/seed_examples.toml has its text)
SEED_BODY: dict[str, Any] = {
    "provider": {"assembly_ai_async": {"language_code": "en", "speaker_labels": True, "diarization": True}},
    "diarization": {"algorithm_priority": ["speaker_timeline"]},
}
CURRENT_BODY: dict[str, Any] = {
    "provider": {"recallai_async": {"language_code": "en"}},
    "diarization": {"use_separate_streams_when_available": False},
}
AUDIO_ONLY = {"recording_config": {"video_mixed_mp4": None, "audio_mixed_mp3": {}}}


def _utterance(pid: int, start: float, words: str, length: float = 0.3, gap: float = 0.1) -> Utterance:
    out, t = [], start
    for text in words.split():
        out.append(Word(text, round(t, 3), round(t + length, 3)))
        t += length + gap
    return Utterance(pid, tuple(out))


def three_people(duration: float = 8.0) -> MeetingScript:
    """Ada, Bob and Cy take turns; Bob speaks twice, so one speaker has two segments."""
    return MeetingScript(
        platform="zoom",
        duration=duration,
        title="Weekly sync",
        participants=(
            Participant(100, "Ada", is_host=True, is_local=True),
            Participant(200, "Bob"),
            Participant(300, "Cy", platform="dial-in"),
        ),
        utterances=(
            _utterance(100, 0.5, "hello team this is the weekly sync"),
            _utterance(200, 3.6, "damn the numbers look fine"),
            _utterance(300, 5.8, "ship it"),
            _utterance(200, 6.8, "agreed"),
        ),
        zoom_meeting_uuid="uuid==",
    )


@dataclass
class Meeting:
    upload: dict[str, Any]
    recording_id: str
    #: the speech track as the encoder wrote it into the media
    utterances: list[dict[str, Any]]
    events: list[dict[str, Any]]


async def record_meeting(
    sim: Sim,
    script: MeetingScript | None = None,
    *,
    stop: float | None = None,
    desktop_audio: bool = False,
    upload_body: dict[str, Any] | None = None,
    api_key: str | None = None,
    upload: dict[str, Any] | None = None,
) -> Meeting:
    """Encode `script` with the recorder's encoder, upload it with its participant events and meeting
    metadata, and let processing finish. `upload`: an upload already created, else one is."""
    script = script or three_people()
    segments: list[Any] = []
    encoder = MeetingEncoder(script, TINY, on_segment=segments.append, desktop_audio=desktop_audio)
    summary = encoder.close(stop if stop is not None else script.duration)
    media = b"".join(segments[i].data for i in summary.concatenation)
    events = participant_events(
        script, summary.recorded, start_at=0.0, started_at=sim.clock.now(), desktop_audio=desktop_audio
    )
    metadata = meeting_metadata(script)
    if desktop_audio:
        metadata = {"platform": "desktop-audio", "title": None, "url": None, "zoom": None}
    if upload_body is None and summary.kind == "mp3":
        upload_body = AUDIO_ONLY
    upload = upload or await create_upload(sim, upload_body, api_key)
    await record_and_upload(
        sim,
        media,
        upload=upload,
        media_format=summary.kind,
        events=json.dumps(events).encode(),
        metadata=metadata,
        platform=str(metadata["platform"]),
    )
    await sim.clock.sleep(1)
    return Meeting(upload, upload["recording_id"], summary.speech_json(), events)


async def create_transcript(client: httpx.AsyncClient, recording_id: str, body: Any = None) -> httpx.Response:
    return await client.post(f"/api/v1/recording/{recording_id}/create_transcript/", json=body)


def spoken(utterances: list[dict[str, Any]]) -> list[tuple[str, str, float, float]]:
    """(speaker name, word, start, end) of every word written into the speech track, in time order."""
    words = [
        (u["participant"]["name"], w["text"], w["start"], w["end"]) for u in utterances for w in u["words"]
    ]
    return sorted(words, key=lambda w: w[2])


def transcribed(download: list[dict[str, Any]]) -> list[tuple[str, str, float, float]]:
    """The same tuples read from a transcript download."""
    return [
        (
            s["participant"]["name"],
            w["text"],
            w["start_timestamp"]["relative"],
            w["end_timestamp"]["relative"],
        )
        for s in download
        for w in s["words"]
    ]
