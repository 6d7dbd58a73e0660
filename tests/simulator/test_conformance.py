"""Every Recording, artifact and transcript response, single and paged, against the schemas of Recall's
reference OpenAPI document (simulator/reference/recall-openapi.json)."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from recall_sim.seams import VirtualClock
from tests.simulator.conformance import assert_conforms, errors_against
from tests.simulator.factories import add_artifact, build_recording, create_upload, start_recording
from tests.support import Sim

#: artifact kind -> (schema of one, schema of a page). The document has no full participant_events or
#: meeting_metadata artifact (nor a page of them): those are checked against their shortcut schemas,
#: which the full artifact extends with its `recording` only.
SCHEMAS = {
    "video_mixed": ("VideoMixedArtifact", "PaginatedVideoMixedArtifactList"),
    "audio_mixed": ("AudioMixedArtifact", "PaginatedAudioMixedArtifactList"),
    "transcript": ("TranscriptArtifact", "PaginatedTranscriptArtifactList"),
    "participant_events": ("ParticipantEventsArtifactShortcut", None),
    "meeting_metadata": ("MeetingMetadataArtifactShortcut", None),
}


async def json_of(client: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    response = await client.request(method, path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def varied_recordings(sim: Sim, clock: VirtualClock) -> list[str]:
    """Recordings in every state a response can show: done with all media, failed, processing with
    media half made, paused with none, and with realtime endpoints and metadata."""
    client = sim.client()
    done = await build_recording(
        sim.region,
        client,
        upload_body={
            "metadata": {"user": "1", "none": None},
            "recording_config": {
                "metadata": {"team": "x"},
                "realtime_endpoints": [{"type": "desktop_sdk_callback", "events": ["transcript.data"]}],
            },
        },
    )
    clock.advance(1)
    failed = await build_recording(sim.region, client, status="failed", artifact_status="failed")
    clock.advance(1.5)
    processing = await build_recording(sim.region, client, status="processing", kinds=("video_mixed",))
    add_artifact(sim.region, processing.id, "transcript", status="done")
    clock.advance(0.000001)
    paused = await build_recording(sim.region, client, status="paused", kinds=())
    return [done.id, failed.id, processing.id, paused.id]


async def test_recordings_conform(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    recording_ids = await varied_recordings(sim, clock)
    for recording_id in recording_ids:
        assert_conforms("Recording", await json_of(client, "GET", f"/api/v1/recording/{recording_id}/"))
    patched = await json_of(
        client, "PATCH", f"/api/v1/recording/{recording_ids[0]}/", {"metadata": {"k": "v"}}
    )
    assert_conforms("Recording", patched)
    page = await json_of(client, "GET", "/api/v1/recording/")
    assert len(page["results"]) == 4
    assert_conforms("PaginatedRecordingList", page)
    assert_conforms(
        "PaginatedRecordingList", await json_of(client, "GET", "/api/v1/recording/?status_code=done")
    )


async def test_recording_pages_with_links_conform(sim: Sim) -> None:
    client = sim.client()
    for _ in range(11):
        start_recording(sim.region, (await create_upload(client))["id"])
    first = await json_of(client, "GET", "/api/v1/recording/")
    assert first["next"] is not None
    assert_conforms("PaginatedRecordingList", first)
    second = await json_of(client, "GET", first["next"])
    assert second["previous"] is not None
    assert_conforms("PaginatedRecordingList", second)


async def test_artifacts_conform(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    await varied_recordings(sim, clock)
    for kind, (single, paged) in SCHEMAS.items():
        page = await json_of(client, "GET", f"/api/v1/{kind}/")
        assert page["results"], kind
        if paged is not None:
            assert_conforms(paged, page)
        for artifact in page["results"]:
            assert_conforms(single, artifact)
            assert_conforms(single, await json_of(client, "GET", f"/api/v1/{kind}/{artifact['id']}/"))
        first = page["results"][0]["id"]
        assert_conforms(
            single, await json_of(client, "PATCH", f"/api/v1/{kind}/{first}/", {"metadata": {"a": None}})
        )


async def test_transcripts_conform_page_by_page(sim: Sim) -> None:
    client = sim.client()
    recording = start_recording(sim.region, (await create_upload(client))["id"])
    for i in range(12):
        add_artifact(sim.region, recording.id, "transcript", status="done" if i % 3 else "processing")
    first = await json_of(client, "GET", f"/api/v1/transcript/?recording_id={recording.id}")
    assert_conforms("PaginatedTranscriptArtifactList", first)
    assert_conforms("PaginatedTranscriptArtifactList", await json_of(client, "GET", first["next"]))


async def test_the_validator_rejects_what_the_schemas_forbid(sim: Sim) -> None:
    """The checks above can fail: each of these breakages of a real response is caught."""
    client = sim.client()
    built = await build_recording(sim.region, client)
    recording = await json_of(client, "GET", f"/api/v1/recording/{built.id}/")
    transcript = await json_of(client, "GET", f"/api/v1/transcript/{built.artifacts['transcript'].id}/")
    assert errors_against("Recording", recording) == []

    def broken(original: dict[str, Any], change: Any) -> dict[str, Any]:
        copied = copy.deepcopy(original)
        change(copied)
        return copied

    recording_breaks = {
        "missing media_shortcuts": lambda r: r.pop("media_shortcuts"),
        "missing a shortcut": lambda r: r["media_shortcuts"].pop("audio_mixed"),
        "unknown status": lambda r: r["status"].update(code="complete"),
        "id not a uuid": lambda r: r.update(id="rec_123"),
        "created_at not a date-time": lambda r: r.update(created_at="yesterday"),
        "null expires_at": lambda r: r.update(expires_at=None),
        "bot without an id": lambda r: r.update(bot={"metadata": {}}),
        "metadata value a number": lambda r: r["metadata"].update(n=1),
        "video format webm": lambda r: r["media_shortcuts"]["video_mixed"].update(format="webm"),
        "relative download url": lambda r: r["media_shortcuts"]["video_mixed"]["data"].update(
            download_url="/api/v1/download/video_mixed?token=x"
        ),
        "artifact status null": lambda r: r["media_shortcuts"]["transcript"].update(status=None),
    }
    for name, change in recording_breaks.items():
        assert errors_against("Recording", broken(recording, change)) != [], name
    assert errors_against("PaginatedRecordingList", {"next": None, "previous": None, "results": [{}]}) != []
    transcript_breaks = {
        "missing recording": lambda t: t.pop("recording"),
        "diarization not an object": lambda t: t.update(diarization="on"),
        "provider options of the wrong type": lambda t: t.update(
            provider={"recallai_async": {"language_code": "klingon"}}
        ),
    }
    for name, change in transcript_breaks.items():
        assert errors_against("TranscriptArtifact", broken(transcript, change)) != [], name
    # Null where the document says nullable (through `allOf`) is fine.
    assert errors_against("Recording", {**recording, "bot": None, "desktop_sdk_upload": None}) == []
