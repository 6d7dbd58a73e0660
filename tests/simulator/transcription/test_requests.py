"""What create_transcript refuses, in Recall's shapes: a badly structured request as field-keyed 400s,
recordings that cannot be transcribed, and the per-recording limits. A refused request creates nothing.
(Provider options are the provider's business: test_provider_options.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from recall_sim.scenarios.sample_media import make_mp4
from tests.simulator.factories import build_recording
from tests.simulator.ingest.helpers import record_and_upload
from tests.simulator.transcription.helpers import (
    CURRENT_BODY,
    SEED_BODY,
    create_transcript,
    record_meeting,
)
from tests.support import Sim

#: seconds between requests, to stay within five a minute per recording
PACE = 13.0


def transcripts_of(sim: Sim) -> list[dict[str, Any]]:
    return [a for a in sim.region.store.find("artifacts") if a["kind"] == "transcript"]


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_the_provider_and_diarization_are_checked(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    cases: list[tuple[Any, dict[str, Any]]] = [
        (None, {"provider": ["This field is required."]}),
        ({"provider": {}}, {"provider": ["Exactly one provider must be specified."]}),
        (
            {"provider": {"recallai_async": {}, "rev_async": {}}},
            {"provider": ["Exactly one provider must be specified."]},
        ),
        # streaming providers transcribe during the meeting, not afterwards
        (
            {"provider": {"recallai_streaming": {}}},
            {"provider": ['"recallai_streaming" is not a valid choice.']},
        ),
        (
            {"provider": "recallai_async"},
            {"provider": ['Expected a dictionary of items but got type "str".']},
        ),
        (
            {"provider": {"assembly_ai_async": ["en"]}},
            {"provider": {"assembly_ai_async": ['Expected a dictionary of items but got type "list".']}},
        ),
        (
            {"provider": {"recallai_async": {}}, "diarization": ["speaker_timeline"]},
            {"diarization": ['Expected a dictionary of items but got type "list".']},
        ),
        (
            {"provider": {"recallai_async": {}}, "metadata": {"team": 7}},
            {"metadata": {"team": ["Not a valid string."]}},
        ),
        (
            {"provider": {"recallai_async": {}}, "diarization": {"algorithm_priority": ["voices"], "x": 1}},
            {
                "diarization": {
                    "algorithm_priority": {"0": ['"voices" is not a valid choice.']},
                    "x": ["Unknown option."],
                }
            },
        ),
    ]
    for body, errors in cases:
        await sim.clock.sleep(PACE)
        response = await create_transcript(api, meeting.recording_id, body)
        assert (response.status_code, response.json()) == (400, errors), body
    # Nothing was created by any refused request.
    assert (await api.get(f"/api/v1/transcript/?recording_id={meeting.recording_id}")).json()["results"] == []
    assert not transcripts_of(sim)
    assert not [e for e in sim.region.store.find("events") if e["type"].startswith("transcript.")]


async def test_a_recording_must_be_done_and_have_audio(sim: Sim) -> None:
    api = sim.client()
    processing = await build_recording(sim.region, api, status="processing")
    response = await create_transcript(api, processing.id, CURRENT_BODY)
    assert response.status_code == 400
    assert "done" in response.json()["detail"]

    upload, _ = await record_and_upload(sim, make_mp4(2.0, audio=False))
    await sim.clock.sleep(1)
    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    response = await create_transcript(api, upload["recording_id"], CURRENT_BODY)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Recording has no audio to transcribe."},
    )

    assert (
        await create_transcript(api, "00000000-0000-0000-0000-000000000000", CURRENT_BODY)
    ).status_code == 404
    assert (
        await create_transcript(sim.client(api_key=None), upload["recording_id"], CURRENT_BODY)
    ).status_code == 401


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_the_sixth_request_in_a_minute_is_throttled_per_recording(sim: Sim) -> None:
    first = await record_meeting(sim)
    upload, _ = await record_and_upload(sim, make_mp4(2.0, speech=[]))
    await sim.clock.sleep(1)
    api = sim.client()
    for _ in range(5):
        assert (await create_transcript(api, first.recording_id, CURRENT_BODY)).status_code == 200
    await sim.clock.sleep(20)
    throttled = await create_transcript(api, first.recording_id, CURRENT_BODY)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "40"
    assert throttled.json()["detail"] == "Request was throttled. Expected available in 40 seconds."
    # Another recording has its own allowance.
    assert (await create_transcript(api, upload["recording_id"], CURRENT_BODY)).status_code == 200
    await sim.clock.sleep(40)
    assert (await create_transcript(api, first.recording_id, CURRENT_BODY)).status_code == 200


async def test_the_eleventh_transcript_of_a_recording_is_refused(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    ids = []
    for n in range(10):
        if n and n % 5 == 0:
            await sim.clock.sleep(60)
        response = await create_transcript(api, meeting.recording_id, SEED_BODY)
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    await sim.clock.sleep(60)
    eleventh = await create_transcript(api, meeting.recording_id, SEED_BODY)
    assert eleventh.status_code == 400
    assert "at most 10 transcripts" in eleventh.json()["detail"]
    listed = (await api.get(f"/api/v1/transcript/?recording_id={meeting.recording_id}")).json()
    assert sorted(t["id"] for t in listed["results"]) == sorted(ids)
    # Deleting one frees its place.
    assert (await api.delete(f"/api/v1/transcript/{ids[0]}/")).status_code == 204
    assert (await api.get(f"/api/v1/transcript/{ids[0]}/")).status_code == 404
    assert (await create_transcript(api, meeting.recording_id, SEED_BODY)).status_code == 200
