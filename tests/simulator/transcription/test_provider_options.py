"""Provider options pass through (contract section 3, "transcription"): Recall checks the request's
structure and forwards the options; the provider judges them while transcribing, so an option it refuses
fails the transcript (`transcript.failed`, `status.sub_code`, the provider's message in its provider
data), never the request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.seams import VirtualClock
from recall_sim.simulator.transcription.option_rules import OPTION_RULES, REFUSED_SUB_CODE, refusal
from tests.simulator.receiving import receiving_region
from tests.simulator.transcription.helpers import create_transcript, record_meeting
from tests.support import Sim

#: seconds between requests, to stay within five a minute per recording
PACE = 13.0

#: 49 key terms, as a partner's vocabulary list sends them
KEYTERMS = [f"term {n}" for n in range(49)]


async def finished(sim: Sim, transcript_id: str) -> dict[str, Any]:
    await sim.clock.sleep(1)
    found: dict[str, Any] = (await sim.client().get(f"/api/v1/transcript/{transcript_id}/")).json()
    return found


async def provider_data(sim: Sim, transcript: dict[str, Any]) -> Any:
    url = transcript["data"]["provider_data_download_url"]
    assert url is not None
    response = await sim.client().get(url)
    assert response.status_code == 200
    return response.json()


async def test_speech_models_and_49_keyterms_complete_and_the_singular_speech_model_fails(
    clock: VirtualClock, tmp_path: Path
) -> None:
    async with receiving_region(clock, tmp_path) as region:
        await speech_models_complete_and_speech_model_fails(region.sim, region.receiver)


async def speech_models_complete_and_speech_model_fails(sim: Sim, receiver: WebhookReceiver) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    taken = await create_transcript(
        api,
        meeting.recording_id,
        {"provider": {"assembly_ai_async": {"speech_models": ["universal-2"], "keyterms_prompt": KEYTERMS}}},
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["status"]["code"] == "processing"
    # The options are forwarded as sent, and shown so on the transcript.
    assert taken.json()["provider"] == {
        "assembly_ai_async": {"speech_models": ["universal-2"], "keyterms_prompt": KEYTERMS}
    }
    refused = await create_transcript(
        api, meeting.recording_id, {"provider": {"assembly_ai_async": {"speech_model": "best"}}}
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"]["code"] == "processing"

    done = await finished(sim, taken.json()["id"])
    assert done["status"] == {**done["status"], "code": "done", "sub_code": None}
    assert (await api.get(done["data"]["download_url"])).status_code == 200

    failed = await finished(sim, refused.json()["id"])
    assert (failed["status"]["code"], failed["status"]["sub_code"]) == ("failed", REFUSED_SUB_CODE)
    assert failed["data"]["download_url"] is None
    error = await provider_data(sim, failed)
    assert error["status"] == "error"
    assert error["error"].startswith("assembly_ai_async refused the request. speech_model:")
    assert "speech_models" in error["error"]
    await sim.clock.sleep(5)
    hooks = {
        (b["event"], b["data"]["transcript"]["id"]): b
        for b in receiver.bodies()
        if b["event"].startswith("transcript.")
    }
    assert ("transcript.done", done["id"]) in hooks
    hook = hooks[("transcript.failed", failed["id"])]
    assert hook["data"]["data"]["sub_code"] == REFUSED_SUB_CODE
    assert ("transcript.done", failed["id"]) not in hooks


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_an_unknown_provider_is_still_a_400_and_creates_nothing(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    response = await create_transcript(
        sim.client(), meeting.recording_id, {"provider": {"assembly_ai_async_v9": {"speech_models": []}}}
    )
    assert (response.status_code, response.json()) == (
        400,
        {"provider": ['"assembly_ai_async_v9" is not a valid choice.']},
    )
    assert not [e for e in sim.region.store.find("events") if e["type"].startswith("transcript.")]


#: per provider: options it refuses, and words its message must name
REFUSED: dict[str, tuple[dict[str, Any], list[str]]] = {
    "assembly_ai_async": ({"language_code": "en", "speaker_labels": "yes", "speakers": 2}, ["speakers"]),
    "assembly_ai_async_chunked": ({"webhook_url": "https://example.com/hook"}, ["webhook_url"]),
    "recallai_async": ({"key_terms": "Recall"}, ["key_terms"]),
    "deepgram_async": ({"diarize": 1, "utt_split": "long"}, ["diarize", "utt_split"]),
    "gladia_v2_async": ({"diarization_config": {"number_of_speakers": 0}}, ["number_of_speakers"]),
    "speechmatics_async": ({"transcription_config": {"diarization": "speaker"}}, ["language"]),
    "rev_async": ({"custom_vocabularies": [{"phrases": "Recall"}]}, ["phrases"]),
}


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_each_providers_refused_options_fail_the_transcript_not_the_request(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    created = {}
    for provider, (options, _) in REFUSED.items():
        await sim.clock.sleep(PACE)
        response = await create_transcript(api, meeting.recording_id, {"provider": {provider: options}})
        assert response.status_code == 200, (provider, response.text)
        created[provider] = response.json()["id"]
    await sim.clock.sleep(5)
    for provider, (_, named) in REFUSED.items():
        transcript = (await api.get(f"/api/v1/transcript/{created[provider]}/")).json()
        assert transcript["status"]["code"] == "failed", provider
        assert transcript["status"]["sub_code"] == REFUSED_SUB_CODE, provider
        message = json.dumps(await provider_data(sim, transcript))
        assert all(word in message for word in named), (provider, message)


def test_the_option_rules_are_data_each_provider_judges_by() -> None:
    # The seed's own options, and today's AssemblyAI options, are taken.
    assert (
        refusal("assembly_ai_async", {"language_code": "en", "speaker_labels": True, "diarization": True})
        is None
    )
    assert (
        refusal("assembly_ai_async", {"speech_models": ["universal-2"], "keyterms_prompt": KEYTERMS}) is None
    )
    # Values are still judged by the option's schema, also for the options observed live.
    assert refusal("assembly_ai_async", {"speech_models": "universal-2"}) is not None
    assert refusal("assembly_ai_async", {"keyterms_prompt": [1]}) is not None
    assert "speech_model" in OPTION_RULES["assembly_ai_async"].refuses
    # Streaming providers ignore options they do not know and refuse the ones listed.
    assert refusal("deepgram_streaming", {"model": "nova-3", "future_option": 1}) is None
    assert refusal("deepgram_streaming", {"interim_results": "yes"}) is not None
    assert refusal("recallai_streaming", {"language_code": "en"}) is None
    assert refusal("assembly_ai_v3_streaming", {"word_boost": ["Recall"]}) is not None
    assert refusal("elevenlabs_streaming", {"anything": True}) is None
