"""What create_transcript refuses, in Recall's shapes: bad provider options as field-keyed 400s under the
provider's name, recordings that cannot be transcribed, and the per-recording limits. A refused request
creates nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.media import make_mp4
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


#: per provider: options with one bad value, and the error body Recall answers for them
INVALID_OPTIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "assembly_ai_async": (
        {"language_code": "en", "speaker_labels": "yes", "speakers": 2},
        {"speaker_labels": ["Must be a valid boolean."], "speakers": ["Unknown option."]},
    ),
    "assembly_ai_async_chunked": (
        # the chunked variant takes no webhook: Recall collects the chunks itself
        {"webhook_url": "https://example.com/hook"},
        {"webhook_url": ["Unknown option."]},
    ),
    "recallai_async": (
        {"language_code": "klingon", "key_terms": "Recall"},
        {
            "language_code": ['"klingon" is not a valid choice.'],
            "key_terms": ['Expected a list of items but got type "str".'],
        },
    ),
    "deepgram_async": (
        {"diarize": 1, "utt_split": "long"},
        {"diarize": ["Must be a valid boolean."], "utt_split": ["A valid number is required."]},
    ),
    "gladia_v2_async": (
        {"diarization": True, "diarization_config": {"number_of_speakers": 0}},
        {"diarization_config": {"number_of_speakers": ["Ensure this value is greater than or equal to 1."]}},
    ),
    "speechmatics_async": (
        {"transcription_config": {"diarization": "speaker"}},
        {"transcription_config": {"language": ["This field is required."]}},
    ),
    "rev_async": (
        {"speakers_count": 0, "custom_vocabularies": [{"phrases": "Recall"}]},
        {
            "speakers_count": ["Ensure this value is greater than or equal to 1."],
            "custom_vocabularies": {"0": {"phrases": ['Expected a list of items but got type "str".']}},
        },
    ),
}


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_each_providers_invalid_options_get_a_field_keyed_400(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    for provider, (options, errors) in INVALID_OPTIONS.items():
        await sim.clock.sleep(PACE)
        response = await create_transcript(api, meeting.recording_id, {"provider": {provider: options}})
        assert response.status_code == 400, provider
        assert response.json() == {"provider": {provider: errors}}, provider
    assert not transcripts_of(sim)
    # Without the bad options the same requests are accepted.
    for provider, (options, errors) in INVALID_OPTIONS.items():
        valid = {k: v for k, v in options.items() if k not in errors}
        if provider == "speechmatics_async":
            valid = {"transcription_config": {"language": "en", "diarization": "speaker"}}
        await sim.clock.sleep(PACE)
        response = await create_transcript(api, meeting.recording_id, {"provider": {provider: valid}})
        assert response.status_code == 200, (provider, response.text)
    assert len(transcripts_of(sim)) == len(INVALID_OPTIONS)


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
