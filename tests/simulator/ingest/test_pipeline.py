"""From ingest to a done recording: parts uploaded with the token, processed on the region's clock."""

from __future__ import annotations

import json

from recall_sim.scenarios.sample_media import (
    decoded_audio_seconds,
    events_part,
    make_mp3,
    make_mp4,
    media_duration,
    stream_layout,
    utterance,
)
from tests.simulator.ingest.helpers import create_upload, event_types, record_and_upload
from tests.support import Sim


async def test_an_uploaded_mp4_becomes_a_done_recording_with_its_media(sim: Sim) -> None:
    media = make_mp4(3.0, speech=[utterance(100, "Alice", [("hello", 1.0, 1.4), ("team", 1.5, 1.8)])])
    upload, finalized = await record_and_upload(
        sim,
        media,
        events=events_part(3.0),
        metadata={"platform": "zoom", "title": "Weekly sync", "zoom": {"meeting_uuid": "abc=="}},
    )
    assert finalized["status"]["code"] == "uploading"
    await sim.clock.sleep(1)

    api = sim.client()
    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    assert recording["completed_at"] is not None
    assert recording["desktop_sdk_upload"]["id"] == upload["id"]
    shortcuts = recording["media_shortcuts"]
    assert shortcuts["audio_mixed"] is None
    assert shortcuts["transcript"] is None
    video = (await api.get(shortcuts["video_mixed"]["data"]["download_url"])).content
    assert video == media
    assert stream_layout(video) == stream_layout(media)
    assert abs(media_duration(video) - media_duration(media)) < 1e-6
    assert shortcuts["meeting_metadata"]["data"] == {
        "title": "Weekly sync",
        "zoom": {"meeting_uuid": "abc=="},
    }

    pe = shortcuts["participant_events"]["data"]
    participants = (await api.get(pe["participants_download_url"])).json()
    assert [p["name"] for p in participants] == ["Alice", "Bob"]
    timeline = (await api.get(pe["speaker_timeline_download_url"])).json()
    assert [
        (s["participant"]["name"], s["start_timestamp"]["relative"], s["end_timestamp"]["relative"])
        for s in timeline
    ] == [
        ("Alice", 1.0, 1.8),
        ("Bob", 2.0, 3.0),
    ]
    events = (await api.get(pe["participant_events_download_url"])).json()
    assert [e["action"] for e in events] == ["join", "join", "speech_on", "speech_off", "speech_on", "leave"]
    assert events[0]["timestamp"]["absolute"].endswith("Z")

    upload_now = (await api.get(f"/api/v1/sdk_upload/{upload['id']}/")).json()
    assert upload_now["status"]["code"] == "complete"
    assert event_types(sim) == [
        "sdk_upload.recording_started",
        "sdk_upload.uploading",
        "sdk_upload.recording_ended",
        "recording.processing",
        "video_mixed.done",
        "participant_events.done",
        "meeting_metadata.done",
        "recording.done",
        "sdk_upload.complete",
    ]


async def test_an_mp3_upload_yields_audio_mixed(sim: Sim) -> None:
    media = make_mp3(2.0, speech=[utterance(100, "Host", [("hi", 0.2, 0.5)])])
    config = {"recording_config": {"video_mixed_mp4": None, "audio_mixed_mp3": {}}}
    upload, _ = await record_and_upload(
        sim, media, upload=await create_upload(sim, config), media_format="mp3"
    )
    await sim.clock.sleep(1)
    recording = (await sim.client().get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    assert recording["media_shortcuts"]["video_mixed"] is None
    audio = recording["media_shortcuts"]["audio_mixed"]
    assert audio["format"] == "mp3"
    assert (await sim.client().get(audio["data"]["download_url"])).content == media


async def test_audio_mixed_mp3_on_a_video_recording_is_transcoded(sim: Sim) -> None:
    media = make_mp4(2.0)
    config = {"recording_config": {"audio_mixed_mp3": {}}}
    upload, _ = await record_and_upload(sim, media, upload=await create_upload(sim, config))
    await sim.clock.sleep(1)
    shortcuts = (await sim.client().get(f"/api/v1/recording/{upload['recording_id']}/")).json()[
        "media_shortcuts"
    ]
    mp3 = (await sim.client().get(shortcuts["audio_mixed"]["data"]["download_url"])).content
    [(kind, codec)] = stream_layout(mp3)
    assert (kind, codec.startswith("mp3")) == ("audio", True)
    assert decoded_audio_seconds(mp3) == decoded_audio_seconds(media)
    assert shortcuts["video_mixed"] is not None


async def test_speech_track_is_read_from_the_uploaded_bytes(sim: Sim) -> None:
    spoken = [
        utterance(100, "Alice", [("one", 0.5, 0.8)]),
        utterance(200, "Bob", [("two", 1.0, 1.3), ("three", 1.4, 1.9)]),
    ]
    upload, _ = await record_and_upload(sim, make_mp4(2.5, speech=spoken))
    await sim.clock.sleep(1)
    stored = json.loads(sim.region.blobs.read_bytes(f"recordings/{upload['recording_id']}/speech.json"))
    assert stored == spoken


async def test_pause_and_resume_move_the_recording_status(sim: Sim) -> None:
    from tests.simulator.ingest.helpers import ingest_client

    upload = await create_upload(sim)
    api = sim.client()
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform="teams")
        recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
        assert recording["status"]["code"] == "processing"
        assert (await api.get(f"/api/v1/sdk_upload/{upload['id']}/")).json()["status"]["code"] == "uploading"
        await client.pause()
        await client.pause()  # already paused: nothing new happens
        assert (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()["status"][
            "code"
        ] == "paused"
        listed = (await api.get("/api/v1/recording/", params={"status_code": "paused"})).json()["results"]
        assert [r["id"] for r in listed] == [upload["recording_id"]]
        await client.resume()
        await client.end(10.0)
        await client.end(10.0)  # ending twice is harmless
    assert event_types(sim) == [
        "sdk_upload.recording_started",
        "sdk_upload.uploading",
        "recording.paused",
        "recording.processing",
        "sdk_upload.recording_ended",
    ]
