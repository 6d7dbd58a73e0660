"""Transcripts that fail do so cleanly: `failed` with a sub code that says why, `transcript.failed`
recorded, no transcript download (a provider that refused the job left its error as the provider data),
and the recording left as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recall_sim.scenarios.sample_media import make_mp4, utterance
from recall_sim.seams import VirtualClock
from tests.simulator.ingest.helpers import event_types, record_and_upload
from tests.simulator.transcription.helpers import CURRENT_BODY, create_transcript, record_meeting
from tests.support import Sim, make_sim

SPEECH = [utterance(100, "Ada", [("hello", 0.5, 0.9)])]


async def transcribe(sim: Sim, recording_id: str, body: dict[str, Any]) -> dict[str, Any]:
    api = sim.client()
    response = await create_transcript(api, recording_id, body)
    assert response.status_code == 200, response.text
    await sim.clock.sleep(1)
    transcript: dict[str, Any] = (await api.get(f"/api/v1/transcript/{response.json()['id']}/")).json()
    return transcript


def assert_failed(transcript: dict[str, Any], sub_code: str, *, provider_refused: bool = False) -> None:
    assert transcript["status"]["code"] == "failed"
    assert transcript["status"]["sub_code"] == sub_code
    assert transcript["data"]["download_url"] is None
    assert (transcript["data"]["provider_data_download_url"] is not None) is provider_refused


@pytest.mark.parametrize(
    ("provider", "options"),
    [
        ("assembly_ai_async", {"language_code": "tlh"}),
        ("rev_async", {"language": "tlh"}),
        ("speechmatics_async", {"transcription_config": {"language": "tlh"}}),
    ],
)
@pytest.mark.parametrize("store_kind", ["memory"])
async def test_an_unsupported_language_fails_the_transcript(
    sim: Sim, provider: str, options: dict[str, Any]
) -> None:
    """These providers take any string for the language and refuse it while transcribing."""
    upload, _ = await record_and_upload(sim, make_mp4(2.0, speech=SPEECH))
    await sim.clock.sleep(1)
    transcript = await transcribe(sim, upload["recording_id"], {"provider": {provider: options}})
    assert_failed(transcript, "language_not_supported", provider_refused=True)
    error = (await sim.client().get(transcript["data"]["provider_data_download_url"])).json()
    assert "'tlh'" in json.dumps(error)
    assert event_types(sim)[-2:] == ["transcript.processing", "transcript.failed"]
    recording = (await sim.client().get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    assert recording["media_shortcuts"]["transcript"]["status"]["sub_code"] == "language_not_supported"


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_silent_meeting_is_an_empty_transcript_not_a_failure(sim: Sim) -> None:
    upload, _ = await record_and_upload(sim, make_mp4(2.0, speech=[]))
    await sim.clock.sleep(1)
    transcript = await transcribe(sim, upload["recording_id"], CURRENT_BODY)
    assert transcript["status"]["code"] == "done"
    assert (await sim.client().get(transcript["data"]["download_url"])).json() == []


async def test_media_gone_before_the_job_runs_fails_the_transcript(
    clock: VirtualClock, tmp_path: Path
) -> None:
    sim = make_sim(clock, tmp_path, delays="realistic")
    await sim.region.start()
    try:
        meeting = await record_meeting(sim)
        await clock.sleep(60)
        api = sim.client()
        created = (await create_transcript(api, meeting.recording_id, CURRENT_BODY)).json()
        video = (await api.get(f"/api/v1/recording/{meeting.recording_id}/")).json()["media_shortcuts"][
            "video_mixed"
        ]
        assert (await api.delete(f"/api/v1/video_mixed/{video['id']}/")).status_code == 204
        await clock.sleep(10)
        transcript = (await api.get(f"/api/v1/transcript/{created['id']}/")).json()
        assert_failed(transcript, "media_unavailable")
        # The recording has no audio left, so a new request is refused outright.
        refused = await create_transcript(api, meeting.recording_id, CURRENT_BODY)
        assert refused.status_code == 400
    finally:
        await sim.aclose()
        sim.close()
