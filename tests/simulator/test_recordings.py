"""`/api/v1/recording/`: list and its filters, retrieve, PATCH metadata, DELETE with its events and media,
and the `media_shortcuts` each recording carries."""

from __future__ import annotations

from typing import Any

import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator.records import ARTIFACT_KINDS
from tests.simulator.factories import (
    add_artifact,
    build_recording,
    create_upload,
    set_recording_status,
    start_recording,
)
from tests.support import Sim

NOT_FOUND = (404, {"detail": "Not found."})


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["results"]]


async def test_retrieve_renders_an_sdk_recording(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    upload = await create_upload(
        client,
        {
            "metadata": {"meeting": "standup"},
            "recording_config": {
                "metadata": {"team": "sales"},
                "realtime_endpoints": [
                    {"type": "desktop_sdk_callback", "events": ["transcript.data"], "metadata": {"ep": "1"}},
                    {"type": "webhook", "url": "https://example.com/rt", "events": []},
                ],
            },
        },
    )
    clock.advance(5)
    recording = start_recording(sim.region, upload["id"])
    response = await client.get(f"/api/v1/recording/{upload['recording_id']}/")
    assert response.status_code == 200
    body = response.json()
    endpoints = recording.realtime_endpoints
    assert body == {
        "id": upload["recording_id"],
        "created_at": "2025-01-06T09:00:05.000000Z",
        "started_at": "2025-01-06T09:00:05.000000Z",
        "completed_at": None,
        "status": {"code": "processing", "sub_code": None, "updated_at": "2025-01-06T09:00:05.000000Z"},
        "media_shortcuts": dict.fromkeys(ARTIFACT_KINDS),
        "realtime_endpoints": [
            {"id": endpoints[0].id, "metadata": {"ep": "1"}},
            {"id": endpoints[1].id, "metadata": {}},
        ],
        "bot": None,
        "desktop_sdk_upload": {"id": upload["id"], "metadata": {"meeting": "standup"}},
        "expires_at": "2025-01-13T09:00:05.000000Z",
        "metadata": {"team": "sales"},
    }
    assert endpoints[0].id != endpoints[1].id


async def test_an_unknown_recording_is_not_found(sim: Sim) -> None:
    client = sim.client()
    upload = await create_upload(client)
    # The upload names its recording from the start, but it exists only once the desktop app records.
    for recording_id in (upload["recording_id"], upload["id"], "nope"):
        for method in ("GET", "PATCH", "DELETE"):
            body = {"metadata": {"a": "b"}} if method == "PATCH" else None
            response = await client.request(method, f"/api/v1/recording/{recording_id}/", json=body)
            assert (response.status_code, response.json()) == NOT_FOUND, (method, recording_id)


async def test_list_is_newest_first_and_scoped_to_the_workspace(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    built = []
    for _ in range(3):
        built.append(await build_recording(sim.region, client, kinds=()))
        clock.advance(1)
    response = await client.get("/api/v1/recording/")
    assert response.status_code == 200
    page = response.json()
    assert (page["next"], page["previous"]) == (None, None)
    assert ids(page) == [b.id for b in reversed(built)]
    for item in page["results"]:
        assert item == (await client.get(f"/api/v1/recording/{item['id']}/")).json()


async def test_list_filters(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    done = await build_recording(sim.region, client, kinds=())  # created 09:00:00
    clock.advance(30)
    failed = await build_recording(sim.region, client, status="failed", kinds=())  # 09:00:30
    clock.advance(30)
    processing = await build_recording(sim.region, client, status="processing", kinds=())  # 09:01:00
    clock.advance(30)
    paused = await build_recording(sim.region, client, status="paused", kinds=())  # 09:01:30
    # An upload whose desktop app never started recording has no recording to find.
    await create_upload(client)

    async def listed(query: str) -> list[str]:
        response = await client.get(f"/api/v1/recording/?{query}")
        assert response.status_code == 200, (query, response.text)
        return ids(response.json())

    everything = [paused.id, processing.id, failed.id, done.id]
    assert await listed("") == everything
    assert await listed(f"desktop_sdk_upload_id={failed.upload['id']}") == [failed.id]
    assert await listed(f"desktop_sdk_upload_id={failed.upload['id'].upper()}") == [failed.id]
    assert await listed(f"desktop_sdk_upload_id={failed.id}") == []
    assert await listed("status_code=done") == [done.id]
    assert await listed("status_code=failed") == [failed.id]
    assert await listed("status_code=processing") == [processing.id]
    assert await listed("status_code=paused") == [paused.id]
    # Both bounds are inclusive, and a bare `+` in the offset (a space once decoded) still parses.
    assert await listed("created_at_after=2025-01-06T09:00:30Z") == [paused.id, processing.id, failed.id]
    assert await listed("created_at_after=2025-01-06T09:00:30.000001Z") == [paused.id, processing.id]
    assert await listed("created_at_before=2025-01-06T09:00:30+00:00") == [failed.id, done.id]
    assert await listed("created_at_before=2025-01-06T10:00:30%2B01:00") == [failed.id, done.id]
    assert await listed("created_at_after=2025-01-06T09:00:30&created_at_before=2025-01-06T09:01:00Z") == [
        processing.id,
        failed.id,
    ]
    assert await listed("created_at_after=2025-01-06T09:00:30Z&status_code=done") == []
    assert await listed(f"status_code=done&desktop_sdk_upload_id={done.upload['id']}") == [done.id]
    # SDK recordings have no bot: any bot id matches nothing.
    assert await listed("bot_id=0b7c2f8e-5d1a-4c3e-9f6b-2a1d4e5f6a7b") == []
    # Empty values are no filter at all, as with django-filter.
    assert await listed("status_code=&bot_id=&created_at_after=&desktop_sdk_upload_id=") == everything


BAD_FILTERS: list[tuple[str, dict[str, Any]]] = [
    ("desktop_sdk_upload_id=abc", {"desktop_sdk_upload_id": ["Enter a valid UUID."]}),
    ("bot_id=12345", {"bot_id": ["Enter a valid UUID."]}),
    (
        "status_code=complete",
        {"status_code": ["Select a valid choice. complete is not one of the available choices."]},
    ),
    (
        "status_code=deleted",
        {"status_code": ["Select a valid choice. deleted is not one of the available choices."]},
    ),
    ("created_at_after=yesterday", {"created_at_after": ["Enter a valid date/time."]}),
    ("created_at_before=2025-13-01T00:00:00Z", {"created_at_before": ["Enter a valid date/time."]}),
    (
        "status_code=x&created_at_after=never&bot_id=1",
        {
            "status_code": ["Select a valid choice. x is not one of the available choices."],
            "created_at_after": ["Enter a valid date/time."],
            "bot_id": ["Enter a valid UUID."],
        },
    ),
]


async def test_bad_filter_values_get_drf_messages(sim: Sim) -> None:
    client = sim.client()
    for query, expected in BAD_FILTERS:
        response = await client.get(f"/api/v1/recording/?{query}")
        assert (response.status_code, response.json()) == (400, expected), query


async def test_patch_merges_metadata(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(
        sim.region, client, upload_body={"recording_config": {"metadata": {"a": "1", "b": "2"}}}
    )
    url = f"/api/v1/recording/{built.id}/"
    before = (await client.get(url)).json()
    response = await client.patch(url, json={"metadata": {"b": "two", "c": "3"}})
    assert response.status_code == 200
    assert response.json() == {**before, "metadata": {"a": "1", "b": "two", "c": "3"}}
    # Null is a value Recall's metadata takes; read-only fields in the body are ignored.
    response = await client.patch(
        url, json={"metadata": {"a": None}, "status": {"code": "failed"}, "id": "x", "bot": {"id": "y"}}
    )
    assert response.status_code == 200
    assert response.json() == {**before, "metadata": {"a": None, "b": "two", "c": "3"}}
    assert (await client.get(url)).json() == response.json()
    # An empty PATCH changes nothing.
    assert (await client.patch(url, json={})).json() == response.json()
    assert (await client.patch(url)).json() == response.json()
    # Artifacts name their recording with its current metadata.
    video = (await client.get(f"/api/v1/video_mixed/{built.artifacts['video_mixed'].id}/")).json()
    assert video["recording"] == {"id": built.id, "metadata": {"a": None, "b": "two", "c": "3"}}


async def test_patch_validates_metadata(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client, kinds=())
    url = f"/api/v1/recording/{built.id}/"
    before = (await client.get(url)).json()
    for body, expected in [
        ({"metadata": {"n": 1}}, {"metadata": {"n": ["Not a valid string."]}}),
        ({"metadata": ["a"]}, {"metadata": ['Expected a dictionary of items but got type "list".']}),
        ([], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ]:
        response = await client.patch(url, json=body)
        assert (response.status_code, response.json()) == (400, expected), body
    malformed = await client.patch(url, content=b"{", headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("JSON parse error - ")
    form = await client.patch(url, content=b"metadata=x", headers={"content-type": "text/plain"})
    assert (form.status_code, form.json()) == (
        415,
        {"detail": 'Unsupported media type "text/plain" in request.'},
    )
    assert (await client.get(url)).json() == before


@pytest.mark.parametrize("final", ["done", "failed"])
async def test_delete_removes_the_recording_for_good(sim: Sim, final: str) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client, status=final)
    keep = await build_recording(sim.region, client)
    url = f"/api/v1/recording/{built.id}/"
    response = await client.delete(url)
    assert (response.status_code, response.content) == (204, b"")
    for method in ("GET", "PATCH", "DELETE"):
        gone = await client.request(method, url, json={"metadata": {}} if method == "PATCH" else None)
        assert (gone.status_code, gone.json()) == NOT_FOUND, method
    assert ids((await client.get("/api/v1/recording/")).json()) == [keep.id]
    assert (
        ids((await client.get(f"/api/v1/recording/?desktop_sdk_upload_id={built.upload['id']}")).json()) == []
    )
    for kind, artifact in built.artifacts.items():
        gone = await client.get(f"/api/v1/{kind}/{artifact.id}/")
        assert (gone.status_code, gone.json()) == NOT_FOUND, kind
        listed = (await client.get(f"/api/v1/{kind}/")).json()
        assert ids(listed) == [keep.artifacts[kind].id], kind
    # The upload record itself stays.
    assert (await client.get(f"/api/v1/sdk_upload/{built.upload['id']}/")).status_code == 200


async def test_delete_emits_recording_and_artifact_deleted_events(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    extra_transcript = add_artifact(sim.region, built.id, "transcript")
    clock.advance(60)
    before = {e["id"] for e in sim.region.store.find("events")}
    assert (await client.delete(f"/api/v1/recording/{built.id}/")).status_code == 204
    events = [e for e in sim.region.store.find("events") if e["id"] not in before]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    assert sorted(by_type) == sorted(["recording.deleted", *(f"{kind}.deleted" for kind in ARTIFACT_KINDS)])
    assert len(events) == len(ARTIFACT_KINDS) + 2  # two transcripts
    deleted_at = "2025-01-06T09:01:00Z"
    for event in events:
        assert event["workspace_id"] == sim.region.default_workspace.id
        assert event["status"] == {"code": "deleted", "sub_code": None, "updated_at": deleted_at}
        assert event["occurred_at"] == deleted_at
        assert event["recording"] == {"id": built.id, "metadata": {}}
    (recording_event,) = by_type["recording.deleted"]
    assert recording_event["sdk_upload"] == {"id": built.upload["id"], "metadata": {}}
    assert recording_event["artifact"] is None
    for kind, artifact in built.artifacts.items():
        subjects = [e["artifact"]["id"] for e in by_type[f"{kind}.deleted"]]
        expected = [artifact.id, extra_transcript.id] if kind == "transcript" else [artifact.id]
        assert sorted(subjects) == sorted(expected), kind


async def test_delete_removes_the_media_blobs(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    keep = await build_recording(sim.region, client)
    keys = [key for artifact in built.artifacts.values() for key in artifact.blobs.values()]
    kept = [key for artifact in keep.artifacts.values() for key in artifact.blobs.values()]
    assert len(keys) == 7
    assert all(sim.region.blobs.exists(key) for key in keys + kept)
    assert (await client.delete(f"/api/v1/recording/{built.id}/")).status_code == 204
    assert not any(sim.region.blobs.exists(key) for key in keys)
    assert all(sim.region.blobs.exists(key) for key in kept)


@pytest.mark.parametrize("status", ["processing", "paused"])
async def test_a_recording_that_has_not_finished_cannot_be_deleted(sim: Sim, status: str) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client, status=status)
    url = f"/api/v1/recording/{built.id}/"
    before = (await client.get(url)).json()
    events_before = sim.region.store.count("events")
    response = await client.delete(url)
    assert (response.status_code, response.json()) == (
        400,
        {"detail": f"Recording cannot be deleted while it is {status}."},
    )
    assert (await client.get(url)).json() == before
    assert sim.region.store.count("events") == events_before


async def test_media_shortcuts_follow_the_artifacts(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    upload = await create_upload(client)
    recording = start_recording(sim.region, upload["id"])
    url = f"/api/v1/recording/{recording.id}/"
    assert (await client.get(url)).json()["media_shortcuts"] == dict.fromkeys(ARTIFACT_KINDS)

    video = add_artifact(sim.region, recording.id, "video_mixed", status="processing", metadata={"v": "1"})
    events = add_artifact(sim.region, recording.id, "participant_events", status="processing")
    shortcuts = (await client.get(url)).json()["media_shortcuts"]
    assert shortcuts["video_mixed"] == {
        "id": video.id,
        "created_at": "2025-01-06T09:00:00.000000Z",
        "status": {"code": "processing", "sub_code": None, "updated_at": "2025-01-06T09:00:00.000000Z"},
        "metadata": {"v": "1"},
        "data": {"download_url": None},
        "format": "mp4",
    }
    assert shortcuts["participant_events"]["data"] == {
        "participant_events_download_url": None,
        "speaker_timeline_download_url": None,
        "participants_download_url": None,
    }
    assert shortcuts["participant_events"]["id"] == events.id
    assert "format" not in shortcuts["participant_events"]
    assert [k for k, v in shortcuts.items() if v is None] == ["transcript", "meeting_metadata", "audio_mixed"]

    clock.advance(1)
    failed = add_artifact(sim.region, recording.id, "audio_mixed", status="failed")
    transcript = add_artifact(sim.region, recording.id, "transcript")
    metadata = add_artifact(sim.region, recording.id, "meeting_metadata")
    set_recording_status(sim.region, recording.id, "done")
    shortcuts = (await client.get(url)).json()["media_shortcuts"]
    assert shortcuts["audio_mixed"]["id"] == failed.id
    assert shortcuts["audio_mixed"]["format"] == "mp3"
    assert shortcuts["audio_mixed"]["data"] == {"download_url": None}
    assert shortcuts["transcript"]["id"] == transcript.id
    assert set(shortcuts["transcript"]) == {
        "id",
        "created_at",
        "status",
        "metadata",
        "data",
        "diarization",
        "provider",
    }
    assert shortcuts["transcript"]["provider"] == {"recallai_streaming": {"language_code": "en"}}
    assert shortcuts["transcript"]["diarization"] == {"use_separate_streams_when_available": False}
    for name in ("download_url", "provider_data_download_url"):
        assert shortcuts["transcript"]["data"][name].startswith("http://testserver/api/v1/download/")
    assert shortcuts["meeting_metadata"]["id"] == metadata.id
    assert shortcuts["meeting_metadata"]["data"] == {
        "title": "Weekly sync",
        "zoom": {"meeting_uuid": "pbq3Zo0nRxe+Zx4hAw2Nxw=="},
    }
    # Still processing: no links yet, whatever the recording's status.
    assert shortcuts["video_mixed"]["data"] == {"download_url": None}

    # A second transcript (an async one, say) becomes the shortcut.
    clock.advance(1)
    newer = add_artifact(sim.region, recording.id, "transcript")
    assert (await client.get(url)).json()["media_shortcuts"]["transcript"]["id"] == newer.id
    # Deleting it brings the older one back.
    assert (await client.delete(f"/api/v1/transcript/{newer.id}/")).status_code == 204
    assert (await client.get(url)).json()["media_shortcuts"]["transcript"]["id"] == transcript.id


async def test_download_urls_appear_once_an_artifact_is_done(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    shortcuts = (await client.get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"]
    urls = {
        "video_mixed": shortcuts["video_mixed"]["data"]["download_url"],
        "audio_mixed": shortcuts["audio_mixed"]["data"]["download_url"],
        "transcript": shortcuts["transcript"]["data"]["download_url"],
        "transcript_provider_data": shortcuts["transcript"]["data"]["provider_data_download_url"],
        "participant_events": shortcuts["participant_events"]["data"]["participant_events_download_url"],
        "speaker_timeline": shortcuts["participant_events"]["data"]["speaker_timeline_download_url"],
        "participants": shortcuts["participant_events"]["data"]["participants_download_url"],
    }
    for download, url in urls.items():
        assert url.startswith(f"http://testserver/api/v1/download/{download}?token="), download
