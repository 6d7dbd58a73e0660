"""After the call: what the recorder streamed becomes the recording's transcript, under the id the start
response promised, and the channel closes with the token."""

from __future__ import annotations

from recall_sim.scenarios.sample_media import events_part, make_mp4, utterance
from recall_sim.simulator.control_plane import WorkspaceCreate
from tests.simulator.conformance import assert_conforms
from tests.simulator.ingest.helpers import create_upload, event_types, ingest_client
from tests.simulator.realtime.helpers import (
    ADA,
    BOB,
    STREAMING,
    recorder_channel,
    refusal,
    say,
    start,
    upload_body,
)
from tests.simulator.transcription.helpers import transcribed
from tests.support import Sim


async def test_the_streamed_words_become_the_transcript_artifact(sim: Sim) -> None:
    upload = await create_upload(sim, upload_body([]))
    token = upload["upload_token"]
    started = await start(sim, token)
    async with recorder_channel(sim, token) as recorder:
        t0 = sim.clock.timestamp()
        await say(recorder, t0, 0, ADA, [("hello", 0.5, 0.9), ("Bob", 1.0, 1.3)])
        await say(recorder, t0, 1, BOB, [("hi", 2.0, 2.4)])
        await recorder.send({"type": "end"})
        await sim.clock.sleep(1)
    media = make_mp4(3.0, speech=[utterance(100, "Ada", [("hello", 0.5, 0.9)])])
    async with ingest_client(sim, token) as client:
        media_ref = await client.upload_bytes(media, part="media")
        events_ref = await client.upload_bytes(events_part(3.0), part="participant_events")
        await client.end(3.0)
        await client.finalize(media_ref, events_ref, None)
    await sim.clock.sleep(1)

    api = sim.client()
    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    shortcut = recording["media_shortcuts"]["transcript"]
    assert shortcut["id"] == started["transcript"]["id"]
    assert recording["media_shortcuts"]["participant_events"]["id"] == started["participant_events"]["id"]
    transcript = (await api.get(f"/api/v1/transcript/{shortcut['id']}/")).json()
    assert_conforms("TranscriptArtifact", transcript)
    assert transcript["provider"] == STREAMING
    assert transcript["metadata"] == {"kind": "live"}
    assert transcript["status"]["code"] == "done"
    download = (await api.get(transcript["data"]["download_url"])).json()
    assert transcribed(download) == [
        ("Ada", "hello", 0.5, 0.9),
        ("Ada", "Bob", 1.0, 1.3),
        ("Bob", "hi", 2.0, 2.4),
    ]
    raw = (await api.get(transcript["data"]["provider_data_download_url"])).json()
    assert raw["provider"] == "recallai_streaming"
    assert [u["final"] for u in raw["utterances"]] == [True, True]
    assert "transcript.done" in event_types(sim)
    # The token is spent: the channel no longer opens.
    refused = await refusal(sim, token)
    assert (refused.code, refused.reason) == (
        1008,
        "This upload has already been finalized; its token is spent.",
    )


async def test_only_the_seed_profile_still_streams_with_assembly_ai_streaming(sim: Sim) -> None:
    current = sim.control.create_workspace(WorkspaceCreate(profile="current")).api_keys[0]
    body = {"recording_config": {"transcript": {"provider": {"assembly_ai_streaming": {}}}}}
    refused = await sim.client(current).post("/api/v1/sdk_upload/", json=body)
    assert refused.status_code == 400
    assert refused.json() == {"transcript": "Unable to get temporary credentials for assembly_ai_streaming."}
    assert (await sim.client().post("/api/v1/sdk_upload/", json=body)).status_code == 201
    streaming = {"recording_config": {"transcript": {"provider": STREAMING}}}
    assert (await sim.client(current).post("/api/v1/sdk_upload/", json=streaming)).status_code == 201


async def test_options_the_streaming_provider_refuses_fail_the_live_transcript_not_the_upload(
    sim: Sim,
) -> None:
    """Recall forwards the streaming provider's options unchecked: the upload is created, the provider
    refuses them when the stream opens, so no transcript event is delivered and the recording's
    transcript fails with the provider's message; the recording itself completes."""
    refused_options = {"assembly_ai_v3_streaming": {"word_boost": ["Recall"], "format_turns": True}}
    body = upload_body([{"type": "desktop_sdk_callback", "events": ["transcript.data"]}])
    body["recording_config"]["transcript"]["provider"] = refused_options
    upload = await create_upload(sim, body)
    token = upload["upload_token"]
    started = await start(sim, token)
    async with recorder_channel(sim, token) as recorder:
        t0 = sim.clock.timestamp()
        await say(recorder, t0, 0, ADA, [("hello", 0.5, 0.9)])
        await recorder.send({"type": "end"})
        await sim.clock.sleep(5)
    assert [f["event"] for _, f in recorder.events() if f["event"].startswith("transcript.")] == []
    media = make_mp4(3.0, speech=[utterance(100, "Ada", [("hello", 0.5, 0.9)])])
    async with ingest_client(sim, token) as client:
        media_ref = await client.upload_bytes(media, part="media")
        await client.end(3.0)
        await client.finalize(media_ref, None, None)
    await sim.clock.sleep(1)

    api = sim.client()
    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    shortcut = recording["media_shortcuts"]["transcript"]
    assert shortcut["id"] == started["transcript"]["id"]
    assert (shortcut["status"]["code"], shortcut["status"]["sub_code"]) == (
        "failed",
        "provider_request_rejected",
    )
    assert shortcut["provider"] == refused_options
    assert shortcut["data"]["download_url"] is None
    error = (await api.get(shortcut["data"]["provider_data_download_url"])).json()
    assert error["provider"] == "assembly_ai_v3_streaming"
    assert error["error"].startswith("assembly_ai_v3_streaming refused the request. word_boost:")
    types = event_types(sim)
    assert "transcript.failed" in types
    assert "transcript.done" not in types
    assert types[-1] == "sdk_upload.complete"


async def test_a_streaming_transcripts_structure_is_checked_at_create_time(sim: Sim) -> None:
    cases = [
        (
            {"provider": {"deepgram_streaming": "nova-3"}},
            {"provider": {"deepgram_streaming": ['Expected a dictionary of items but got type "str".']}},
        ),
        (
            {"provider": STREAMING, "diarization": {"use_separate_streams_when_available": "yes"}},
            {"diarization": {"use_separate_streams_when_available": ["Must be a valid boolean."]}},
        ),
        (
            {"provider": STREAMING, "metadata": {"kind": ["live"]}},
            {"metadata": {"kind": ["Not a valid string."]}},
        ),
    ]
    for transcript, errors in cases:
        response = await sim.client().post(
            "/api/v1/sdk_upload/", json={"recording_config": {"transcript": transcript}}
        )
        assert (response.status_code, response.json()) == (
            400,
            {"recording_config": {"transcript": errors}},
        ), transcript
    # Options the provider does not know are forwarded, not refused here.
    unknown = {"provider": {"deepgram_streaming": {"model": "nova-3", "future_option": 1}}}
    created = await sim.client().post(
        "/api/v1/sdk_upload/", json={"recording_config": {"transcript": unknown}}
    )
    assert created.status_code == 201, created.text
