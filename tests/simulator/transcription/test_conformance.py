"""Transcripts against the reference schemas: the artifact and its pages against Recall's OpenAPI
document, the download against the contract's format, and `transcript.*` webhooks against Recall's
event catalog for both profiles."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator.settings import ApiProfile
from tests.simulator.conformance import assert_conforms
from tests.simulator.receiving import receiving_region
from tests.simulator.transcription.helpers import CURRENT_BODY, SEED_BODY, create_transcript, record_meeting
from tests.simulator.webhooks.support import validate
from tests.support import Sim

_STAMP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["relative", "absolute"],
    "properties": {
        "relative": {"type": "number", "minimum": 0},
        "absolute": {"type": "string", "format": "date-time"},
    },
}
#: the transcript download, as the contract (section 4) gives it
TRANSCRIPT_DOWNLOAD = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["participant", "words"],
        "properties": {
            "participant": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "is_host", "platform", "extra_data", "email"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": ["string", "null"]},
                    "is_host": {"type": "boolean"},
                    "platform": {"enum": ["desktop", "dial-in", "unknown"]},
                    "extra_data": {"type": "object"},
                    "email": {"type": ["string", "null"]},
                },
            },
            "words": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["text", "start_timestamp", "end_timestamp"],
                    "properties": {
                        "text": {"type": "string"},
                        "start_timestamp": _STAMP,
                        "end_timestamp": _STAMP,
                    },
                },
            },
        },
    },
}


def assert_download_conforms(download: Any) -> None:
    jsonschema.Draft7Validator(TRANSCRIPT_DOWNLOAD, format_checker=jsonschema.FormatChecker()).validate(
        download
    )
    # Contiguous segments: no two neighbours have the same speaker.
    speakers = [s["participant"]["id"] for s in download]
    assert all(a != b for a, b in itertools.pairwise(speakers))


async def test_transcripts_conform_to_the_reference_schemas(sim: Sim) -> None:
    meeting = await record_meeting(sim)
    api = sim.client()
    created = await create_transcript(api, meeting.recording_id, SEED_BODY)
    assert_conforms("TranscriptArtifact", created.json())
    machine = await create_transcript(
        api, meeting.recording_id, {"provider": {"assembly_ai_async": {"speaker_labels": True}}}
    )
    failed = await create_transcript(
        api, meeting.recording_id, {"provider": {"rev_async": {"language": "tlh"}}}
    )
    await sim.clock.sleep(1)
    for response in (created, machine, failed):
        transcript = (await api.get(f"/api/v1/transcript/{response.json()['id']}/")).json()
        assert_conforms("TranscriptArtifact", transcript)
        if transcript["status"]["code"] == "done":
            assert_download_conforms((await api.get(transcript["data"]["download_url"])).json())
            raw = await api.get(transcript["data"]["provider_data_download_url"])
            assert raw.status_code == 200
            assert isinstance(raw.json(), dict)
    page = (await api.get(f"/api/v1/transcript/?recording_id={meeting.recording_id}")).json()
    assert_conforms("PaginatedTranscriptArtifactList", page)
    assert len(page["results"]) == 3
    recording = (await api.get(f"/api/v1/recording/{meeting.recording_id}/")).json()
    assert_conforms("Recording", recording)
    assert recording["media_shortcuts"]["transcript"]["id"] == failed.json()["id"]


@pytest.mark.parametrize("profile", ["seed", "current"])
async def test_transcript_webhooks_validate_for_both_profiles(
    clock: VirtualClock, tmp_path: Path, profile: ApiProfile
) -> None:
    async with receiving_region(clock, tmp_path, profile) as region:
        sim, receiver = region.sim, region.receiver
        meeting = await record_meeting(sim, api_key=region.api_key)
        api = sim.client(region.api_key)
        done = (await create_transcript(api, meeting.recording_id, CURRENT_BODY)).json()
        failed = (
            await create_transcript(
                api, meeting.recording_id, {"provider": {"rev_async": {"language": "tlh"}}}
            )
        ).json()
        await clock.sleep(5)
        assert (await api.delete(f"/api/v1/transcript/{done['id']}/")).status_code == 204
        await clock.sleep(5)
        bodies = [r.body for r in receiver.deliveries if r.body["event"].startswith("transcript.")]
        for body in bodies:
            validate(body)

        def events_of(transcript: dict[str, Any]) -> list[str]:
            return [b["event"] for b in bodies if b["data"]["transcript"]["id"] == transcript["id"]]

        assert events_of(done) == ["transcript.processing", "transcript.done", "transcript.deleted"]
        assert events_of(failed) == ["transcript.processing", "transcript.failed"]
        assert len(bodies) == 5
        (failure,) = [b for b in bodies if b["event"] == "transcript.failed"]
        assert failure["data"]["data"]["sub_code"] == "language_not_supported"
        assert all(b["data"]["recording"]["id"] == meeting.recording_id for b in bodies)
