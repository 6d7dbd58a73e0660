"""Async transcripts of real uploads: the words and speakers the recorder wrote into the media come back,
with each provider's and diarization method's behaviour, on the region's clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recall_sim.scenarios.sample_media import make_mp4, utterance
from recall_sim.seams import VirtualClock
from tests.simulator.ingest.helpers import create_upload, event_types, record_and_upload
from tests.simulator.transcription.helpers import (
    CURRENT_BODY,
    SEED_BODY,
    create_transcript,
    record_meeting,
    spoken,
    transcribed,
)
from tests.support import Sim, make_sim

TOLERANCE = 0.1


def assert_same_words(
    got: list[tuple[str, str, float, float]], want: list[tuple[str, str, float, float]]
) -> None:
    assert [(name, text) for name, text, _, _ in got] == [(name, text) for name, text, _, _ in want]
    for (_, _, start, end), (_, _, want_start, want_end) in zip(got, want, strict=True):
        assert abs(start - want_start) <= TOLERANCE
        assert abs(end - want_end) <= TOLERANCE


async def finished(sim: Sim, transcript_id: str, wait: float = 1.0) -> dict[str, Any]:
    await sim.clock.sleep(wait)
    response = await sim.client().get(f"/api/v1/transcript/{transcript_id}/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_the_seed_body_transcribes_the_words_and_speakers_written_into_the_media(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    response = await create_transcript(api, meeting.recording_id, SEED_BODY)
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["status"]["code"] == "processing"
    assert created["data"] == {"download_url": None, "provider_data_download_url": None}
    assert created["provider"] == SEED_BODY["provider"]
    assert created["diarization"] == {
        "algorithm_priority": ["speaker_timeline"],
        "use_separate_streams_when_available": False,
    }
    assert created["recording"]["id"] == meeting.recording_id

    transcript = await finished(sim, created["id"])
    assert transcript["status"] == {**transcript["status"], "code": "done", "sub_code": None}
    download = (await api.get(transcript["data"]["download_url"])).json()
    assert_same_words(transcribed(download), spoken(meeting.utterances))
    # One entry per contiguous speaker segment: Bob speaks twice, with Cy between.
    assert [s["participant"]["name"] for s in download] == ["Ada", "Bob", "Cy", "Bob"]
    assert download[2]["participant"] == {
        "id": 300,
        "name": "Cy",
        "is_host": False,
        "platform": "dial-in",
        "extra_data": {},
        "email": None,
    }
    first = download[0]["words"][0]
    assert first["start_timestamp"]["absolute"].startswith("2025-01-06T09:00:00.5")

    recording = (await api.get(f"/api/v1/recording/{meeting.recording_id}/")).json()
    assert recording["media_shortcuts"]["transcript"]["id"] == created["id"]
    assert recording["media_shortcuts"]["transcript"]["status"]["code"] == "done"
    assert event_types(sim)[-2:] == ["transcript.processing", "transcript.done"]


async def test_the_current_body_and_the_recallai_provider(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    body = {**CURRENT_BODY, "metadata": {"team": "core"}}
    created = (await create_transcript(api, meeting.recording_id, body)).json()
    transcript = await finished(sim, created["id"])
    assert transcript["diarization"] == {"use_separate_streams_when_available": False}
    assert transcript["metadata"] == {"team": "core"}
    download = (await api.get(transcript["data"]["download_url"])).json()
    assert_same_words(transcribed(download), spoken(meeting.utterances))
    raw = (await api.get(transcript["data"]["provider_data_download_url"])).json()
    assert raw["language_code"] == "en"
    assert [w["text"] for w in raw["words"]] == [w for _, w, _, _ in spoken(meeting.utterances)]


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_provider_speaker_labels_give_generic_speakers(sim: Sim) -> None:
    """Without an algorithm priority, asking the provider for labels means machine diarization."""
    meeting = await record_meeting(sim)
    api = sim.client()
    bodies = {
        "assembly_ai_async": ({"speaker_labels": True}, ["A", "B", "C", "B"]),
        "deepgram_async": ({"diarize": True}, ["0", "1", "2", "1"]),
        "speechmatics_async": ({"transcription_config": {"language": "en", "diarization": "speaker"}}, None),
    }
    for provider, (options, labels) in bodies.items():
        created = (
            await create_transcript(api, meeting.recording_id, {"provider": {provider: options}})
        ).json()
        transcript = await finished(sim, created["id"])
        download = (await api.get(transcript["data"]["download_url"])).json()
        names = [s["participant"]["name"] for s in download]
        assert names == (labels or ["S1", "S2", "S3", "S2"]), provider
        assert [w for _, w, _, _ in transcribed(download)] == [w for _, w, _, _ in spoken(meeting.utterances)]
    # The priority overrides the provider's labels: the seed body names the real participants.
    created = (await create_transcript(api, meeting.recording_id, SEED_BODY)).json()
    download = (await api.get((await finished(sim, created["id"]))["data"]["download_url"])).json()
    assert [s["participant"]["name"] for s in download] == ["Ada", "Bob", "Cy", "Bob"]


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_desktop_audio_speakers_are_host_and_guest(sim: Sim) -> None:
    meeting = await record_meeting(sim, desktop_audio=True)
    api = sim.client()
    created = await create_transcript(api, meeting.recording_id, SEED_BODY)
    assert created.status_code == 200, created.text
    download = (await api.get((await finished(sim, created.json()["id"]))["data"]["download_url"])).json()
    assert [s["participant"]["name"] for s in download] == ["Host", "Guest"]
    assert download[0]["participant"]["is_host"] is True
    assert_same_words(transcribed(download), spoken(meeting.utterances))


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_spelling_and_profanity_options_rewrite_words(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    options = {"spelling": [{"find": ["sync"], "replace": "Sync"}], "filter_profanity": True}
    created = (
        await create_transcript(api, meeting.recording_id, {"provider": {"recallai_async": options}})
    ).json()
    download = (await api.get((await finished(sim, created["id"]))["data"]["download_url"])).json()
    words = [w for _, w, _, _ in transcribed(download)]
    assert "Sync" in words
    assert "sync" not in words
    assert "d***" in words
    assert "damn" not in words
    plain = (await create_transcript(api, meeting.recording_id, {"provider": {"recallai_async": {}}})).json()
    download = (await api.get((await finished(sim, plain["id"]))["data"]["download_url"])).json()
    assert "damn" in [w for _, w, _, _ in transcribed(download)]


async def test_processing_takes_time_in_proportion_to_the_media(clock: VirtualClock, tmp_path: Path) -> None:
    sim = make_sim(clock, tmp_path, delays="realistic")
    await sim.region.start()
    try:
        speech = [utterance(100, "Ada", [("hello", 1.0, 1.4)])]
        upload, _ = await record_and_upload(sim, make_mp4(40.0, speech=speech))
        await clock.sleep(60)
        api = sim.client()
        created = (await create_transcript(api, upload["recording_id"], CURRENT_BODY)).json()
        delay = 0.3 * 40.0  # StatusDelays.transcript_per_media_second, realistic
        await clock.sleep(delay - 0.5)
        assert (await api.get(f"/api/v1/transcript/{created['id']}/")).json()["status"][
            "code"
        ] == "processing"
        await clock.sleep(1.0)
        assert (await api.get(f"/api/v1/transcript/{created['id']}/")).json()["status"]["code"] == "done"
    finally:
        await sim.aclose()
        sim.close()


async def test_a_transcript_job_pending_at_a_restart_finishes_after_it(
    clock: VirtualClock, tmp_path: Path
) -> None:
    sim = make_sim(clock, tmp_path, "sqlite", delays="realistic")
    await sim.region.start()
    speech = [utterance(100, "Ada", [("hello", 1.0, 1.4), ("again", 1.5, 1.9)])]
    upload, _ = await record_and_upload(sim, make_mp4(10.0, speech=speech), upload=await create_upload(sim))
    await clock.sleep(60)
    created = (await create_transcript(sim.client(), upload["recording_id"], SEED_BODY)).json()
    await sim.aclose()
    restarted = sim.restart()
    await restarted.region.start()
    try:
        transcript = await finished(restarted, created["id"], wait=10)
        assert transcript["status"]["code"] == "done"
        download = (await restarted.client().get(transcript["data"]["download_url"])).json()
        assert [w["text"] for s in download for w in s["words"]] == ["hello", "again"]
    finally:
        await restarted.aclose()
        restarted.close()
