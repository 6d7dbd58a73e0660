"""`/api/v1/sdk_upload/` (both spellings) and `/api/v2/desktop-sdk-upload/{id}/`: create, list, retrieve,
the request validation Recall's DRF service does, and the methods it refuses."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from uuid import UUID

from recall_sim.seams import VirtualClock
from recall_sim.simulator.control_plane import WorkspaceCreate
from tests.support import Sim

PATHS = ["/api/v1/sdk_upload/", "/api/v1/sdk-upload/"]

DEFAULT_CONFIG: dict[str, Any] = {
    "video_mixed_mp4": {"metadata": {}},
    "audio_mixed_mp3": None,
    "participant_events": {"metadata": {}},
    "meeting_metadata": {"metadata": {}},
    "transcript": None,
    "realtime_endpoints": [],
    "metadata": {},
}


def is_uuid4(value: object) -> bool:
    return isinstance(value, str) and UUID(value).version == 4 and str(UUID(value)) == value


def uploads_in_store(sim: Sim) -> int:
    return sim.region.store.count("sdk_uploads")


async def test_create_answers_201_with_exactly_the_contract_shape(sim: Sim, clock: VirtualClock) -> None:
    clock.advance(0.25)
    for path in PATHS:
        response = await sim.client().post(path)
        assert response.status_code == 201, path
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert set(body) == {"id", "status", "recording_id", "upload_token", "created_at", "metadata"}
        # Recall's timestamp format: microseconds and Z for UTC.
        assert body["status"] == {
            "code": "pending",
            "sub_code": None,
            "updated_at": "2025-01-06T09:00:00.250000Z",
        }
        assert body["created_at"] == "2025-01-06T09:00:00.250000Z"
        assert body["metadata"] == {}
        assert is_uuid4(body["id"])
        assert is_uuid4(body["recording_id"])
        assert body["id"] != body["recording_id"]
        assert is_uuid4(body["upload_token"])
        # The token is the one the desktop app will present, bound to this upload in this region.
        token = sim.region.upload_tokens.tokens.get(body["upload_token"])
        assert token is not None
        assert (token.sdk_upload_id, token.region) == (body["id"], "us-east-1")
        assert token.expires_at == clock.now() + timedelta(hours=24)
    assert sim.region.store.count("sdk_uploads") == 2


async def test_a_body_without_config_takes_the_defaults(sim: Sim) -> None:
    client = sim.client()
    for content, headers in [
        (b"", {}),
        (b"", {"content-type": "application/json"}),
        (b"null", {"content-type": "application/json"}),
        (b"{}", {"content-type": "application/json"}),
        (b'{"recording_config": {}}', {"content-type": "application/json"}),
    ]:
        response = await client.post("/api/v1/sdk_upload/", content=content, headers=headers)
        assert response.status_code == 201, (content, response.text)
        stored = sim.region.sdk_uploads.records.get(response.json()["id"])
        assert stored is not None
        assert stored.recording_config == DEFAULT_CONFIG, content


async def test_an_explicit_null_config_is_kept_as_null(sim: Sim) -> None:
    response = await sim.client().post("/api/v1/sdk_upload/", json={"recording_config": None})
    assert response.status_code == 201
    stored = sim.region.sdk_uploads.records.get(response.json()["id"])
    assert stored is not None
    assert stored.recording_config is None


async def test_metadata_is_echoed_and_unknown_fields_are_ignored(sim: Sim) -> None:
    client = sim.client()
    metadata = {"user_id": "42", "note": None, "empty": ""}
    body = {"metadata": metadata, "bogus": {"deep": [1, 2]}, "status": "complete", "id": "mine"}
    created = await client.post("/api/v1/sdk_upload/", json=body)
    assert created.status_code == 201
    upload = created.json()
    assert upload["metadata"] == metadata
    assert "bogus" not in upload
    assert upload["status"]["code"] == "pending"
    assert upload["id"] != "mine"
    fetched = await client.get(f"/api/v1/sdk_upload/{upload['id']}/")
    assert fetched.json() == upload


async def test_a_full_recording_config_is_accepted_and_stored_normalised(sim: Sim) -> None:
    config = {
        "video_mixed_mp4": None,
        "audio_mixed_mp3": {},
        "participant_events": {"metadata": {"a": "b"}},
        "transcript": {
            "provider": {"deepgram_streaming": {"model": "nova-3"}},
            "diarization": {"use_separate_streams_when_available": True},
        },
        "realtime_endpoints": [
            {"type": "desktop_sdk_callback", "events": ["participant_events.join", "transcript.data"]},
            {"type": "webhook", "url": "https://example.com/hook", "events": ["transcript.partial_data"]},
            {"type": "websocket", "url": "wss://example.com/ws", "events": [], "metadata": {"k": "v"}},
        ],
        "metadata": {"team": "sales"},
        "retention": {"type": "timed"},
    }
    response = await sim.client().post("/api/v1/sdk_upload/", json={"recording_config": config})
    assert response.status_code == 201, response.text
    stored = sim.region.sdk_uploads.records.get(response.json()["id"])
    assert stored is not None
    assert stored.recording_config is not None
    assert stored.recording_config["video_mixed_mp4"] is None
    assert stored.recording_config["audio_mixed_mp3"] == {"metadata": {}}
    assert stored.recording_config["meeting_metadata"] == {"metadata": {}}
    assert stored.recording_config["transcript"] == {
        "provider": {"deepgram_streaming": {"model": "nova-3"}},
        "diarization": {"use_separate_streams_when_available": True},
        "metadata": {},
    }
    assert [e["url"] for e in stored.recording_config["realtime_endpoints"]] == [
        None,
        "https://example.com/hook",
        "wss://example.com/ws",
    ]
    assert "retention" not in stored.recording_config


def provider(name: str) -> dict[str, Any]:
    return {"recording_config": {"transcript": {"provider": {name: {}}}}}


def endpoints(*items: dict[str, Any]) -> dict[str, Any]:
    return {"recording_config": {"realtime_endpoints": list(items)}}


INVALID: list[tuple[str, Any, dict[str, Any]]] = [
    (
        "no-provider",
        {"recording_config": {"transcript": {"provider": {}}}},
        {"recording_config": {"transcript": {"provider": ["Exactly one provider must be specified."]}}},
    ),
    (
        "two-providers",
        {
            "recording_config": {
                "transcript": {"provider": {"deepgram_streaming": {}, "recallai_streaming": {}}}
            }
        },
        {"recording_config": {"transcript": {"provider": ["Exactly one provider must be specified."]}}},
    ),
    (
        "unknown-provider",
        provider("whisper_streaming"),
        {"recording_config": {"transcript": {"provider": ['"whisper_streaming" is not a valid choice.']}}},
    ),
    (
        "async-provider-on-an-upload",
        provider("assembly_ai_async"),
        {"recording_config": {"transcript": {"provider": ['"assembly_ai_async" is not a valid choice.']}}},
    ),
    (
        "provider-missing",
        {"recording_config": {"transcript": {}}},
        {"recording_config": {"transcript": {"provider": ["This field is required."]}}},
    ),
    (
        "provider-options-not-a-dict",
        {"recording_config": {"transcript": {"provider": {"deepgram_streaming": "nova"}}}},
        {
            "recording_config": {
                "transcript": {
                    "provider": {"deepgram_streaming": ['Expected a dictionary of items but got type "str".']}
                }
            }
        },
    ),
    (
        "webhook-without-url",
        endpoints({"type": "webhook", "events": ["participant_events.join"]}),
        {"recording_config": {"realtime_endpoints": [{"url": ["This field is required."]}]}},
    ),
    (
        "websocket-with-an-http-url",
        endpoints({"type": "websocket", "url": "https://example.com/ws", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "webhook-url-with-an-unclosed-bracket",
        endpoints({"type": "webhook", "url": "http://[", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "websocket-url-with-a-stray-bracket",
        endpoints({"type": "websocket", "url": "ws://example.com]/ws", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "websocket-url-with-an-unclosed-ipv6-host",
        endpoints({"type": "websocket", "url": "ws://[::1", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "webhook-url-with-a-port-out-of-range",
        endpoints({"type": "webhook", "url": "https://example.com:99999/hook", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "webhook-url-with-a-space-in-its-host",
        endpoints({"type": "webhook", "url": "https://exa mple.com/hook", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "webhook-url-without-host",
        endpoints({"type": "webhook", "url": "https:///hook", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"url": ["Enter a valid URL."]}]}},
    ),
    (
        "only-the-bad-endpoint-and-event-reported",
        endpoints(
            {"type": "desktop_sdk_callback", "events": ["participant_events.join"]},
            {"type": "desktop_sdk_callback", "events": ["transcript.data", "bot.status_change", "nope"]},
        ),
        {
            "recording_config": {
                "realtime_endpoints": [
                    {},
                    {
                        "events": {
                            "1": ['"bot.status_change" is not a valid choice.'],
                            "2": ['"nope" is not a valid choice.'],
                        }
                    },
                ]
            }
        },
    ),
    (
        "url-and-events-together",
        endpoints({"type": "webhook", "url": "ftp://example.com", "events": ["video_separate_png.data"]}),
        {
            "recording_config": {
                "realtime_endpoints": [
                    {
                        "url": ["Enter a valid URL."],
                        "events": {"0": ['"video_separate_png.data" is not a valid choice.']},
                    }
                ]
            }
        },
    ),
    (
        "unknown-endpoint-type",
        endpoints({"type": "rtmp", "url": "rtmp://example.com/live", "events": []}),
        {"recording_config": {"realtime_endpoints": [{"type": ['"rtmp" is not a valid choice.']}]}},
    ),
    (
        "endpoint-without-events",
        endpoints({"type": "desktop_sdk_callback"}),
        {"recording_config": {"realtime_endpoints": [{"events": ["This field is required."]}]}},
    ),
    (
        "config-not-a-dict",
        {"recording_config": "yes"},
        {"recording_config": ['Expected a dictionary of items but got type "str".']},
    ),
    (
        "transcript-not-a-dict",
        {"recording_config": {"transcript": ["deepgram_streaming"]}},
        {"recording_config": {"transcript": ['Expected a dictionary of items but got type "list".']}},
    ),
    (
        "artifact-config-not-a-dict",
        {"recording_config": {"video_mixed_mp4": True}},
        {"recording_config": {"video_mixed_mp4": ['Expected a dictionary of items but got type "bool".']}},
    ),
    (
        "endpoints-not-a-list",
        {"recording_config": {"realtime_endpoints": {"type": "webhook"}}},
        {"recording_config": {"realtime_endpoints": ['Expected a list of items but got type "dict".']}},
    ),
    (
        "metadata-not-a-dict",
        {"metadata": "x"},
        {"metadata": ['Expected a dictionary of items but got type "str".']},
    ),
    (
        "metadata-value-not-a-string",
        {"metadata": {"count": 3}},
        {"metadata": {"count": ["Not a valid string."]}},
    ),
    (
        "body-a-list",
        [{"metadata": {}}],
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]},
    ),
    (
        "body-a-string",
        "upload",
        {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
    ),
]


async def test_invalid_bodies_get_field_keyed_400s_and_create_nothing(sim: Sim) -> None:
    client = sim.client()
    mismatches = []
    for case, body, expected in INVALID:
        response = await client.post("/api/v1/sdk_upload/", json=body)
        if (response.status_code, response.json()) != (400, expected):
            mismatches.append((case, response.status_code, response.json()))
    assert mismatches == []
    assert uploads_in_store(sim) == 0
    assert sim.region.store.count("upload_tokens") == 0


async def test_assembly_ai_streaming_is_accepted_for_a_seed_workspace(sim: Sim) -> None:
    assert sim.region.default_workspace.profile == "seed"
    response = await sim.client().post("/api/v1/sdk_upload/", json=provider("assembly_ai_streaming"))
    assert response.status_code == 201, response.text


async def test_assembly_ai_streaming_is_refused_for_a_current_workspace(sim: Sim) -> None:
    current = sim.control.create_workspace(WorkspaceCreate(profile="current"))
    client = sim.client(current.api_keys[0])
    response = await client.post("/api/v1/sdk_upload/", json=provider("assembly_ai_streaming"))
    assert (response.status_code, response.json()) == (
        400,
        {"transcript": "Unable to get temporary credentials for assembly_ai_streaming."},
    )
    assert uploads_in_store(sim) == 0
    for name in (
        "assembly_ai_v3_streaming",
        "recallai_streaming",
        "deepgram_streaming",
        "elevenlabs_streaming",
        "gladia_v2_streaming",
        "speechmatics_streaming",
    ):
        accepted = await client.post("/api/v1/sdk_upload/", json=provider(name))
        assert accepted.status_code == 201, name


async def test_numbers_that_are_not_json_are_a_parse_error(sim: Sim) -> None:
    """DRF parses strictly: NaN and Infinity are no JSON numbers."""
    client = sim.client()
    for constant in (b"NaN", b"Infinity", b"-Infinity"):
        content = (
            b'{"metadata": {}, "recording_config": {"transcript": {"provider": {"deepgram_streaming": {"x": '
        )
        response = await client.post(
            "/api/v1/sdk_upload/",
            content=content + constant + b"}}}}}",
            headers={"content-type": "application/json"},
        )
        reason = f"Out of range float values are not JSON compliant: {constant.decode()!r}"
        assert (response.status_code, response.json()) == (400, {"detail": f"JSON parse error - {reason}"})
    assert uploads_in_store(sim) == 0


async def test_malformed_json_is_a_parse_error(sim: Sim) -> None:
    client = sim.client()
    for content in (b"{bad", b'{"metadata": {}', b"{'metadata': {}}", b"   ", b'{"a": 1} trailing'):
        response = await client.post(
            "/api/v1/sdk_upload/", content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, content
        body = response.json()
        assert list(body) == ["detail"], content
        assert body["detail"].startswith("JSON parse error - "), content
        assert len(body["detail"]) > len("JSON parse error - "), content
    assert uploads_in_store(sim) == 0


async def test_a_body_that_is_not_json_is_unsupported(sim: Sim) -> None:
    client = sim.client()
    for content_type, named in [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("multipart/form-data; boundary=x", "multipart/form-data"),
        (None, ""),
    ]:
        headers = {} if content_type is None else {"content-type": content_type}
        response = await client.post("/api/v1/sdk_upload/", content=b'{"metadata": {}}', headers=headers)
        assert (response.status_code, response.json()) == (
            415,
            {"detail": f'Unsupported media type "{named}" in request.'},
        ), content_type
    assert uploads_in_store(sim) == 0


async def test_a_json_suffix_media_type_is_json(sim: Sim) -> None:
    response = await sim.client().post(
        "/api/v1/sdk_upload/",
        content=json.dumps({"metadata": {"a": "b"}}).encode(),
        headers={"content-type": "application/vnd.api+json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["metadata"] == {"a": "b"}


async def test_an_oversized_body_is_refused_before_it_is_parsed(sim: Sim) -> None:
    limit = sim.region.settings.max_json_body
    padding = "x" * limit
    response = await sim.client().post("/api/v1/sdk_upload/", json={"metadata": {"pad": padding}})
    assert (response.status_code, response.json()) == (413, {"detail": "Request body too large."})
    # Just at the limit is fine.
    fits = json.dumps({"metadata": {"pad": ""}})
    exact = fits.replace('""', '"' + "y" * (limit - len(fits)) + '"').encode()
    assert len(exact) == limit
    accepted = await sim.client().post(
        "/api/v1/sdk_upload/", content=exact, headers={"content-type": "application/json"}
    )
    assert accepted.status_code == 201
    assert uploads_in_store(sim) == 1


async def test_list_shows_the_workspaces_uploads_newest_first(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    empty = await client.get("/api/v1/sdk_upload/")
    assert (empty.status_code, empty.json()) == (200, {"next": None, "previous": None, "results": []})
    created = []
    for i in range(3):
        response = await client.post(PATHS[i % 2], json={"metadata": {"n": str(i)}})
        created.append(response.json())
        clock.advance(1)
    for path in PATHS:
        listed = await client.get(path)
        assert listed.status_code == 200
        assert listed.json() == {"next": None, "previous": None, "results": created[::-1]}


async def test_retrieve_returns_the_created_object(sim: Sim) -> None:
    client = sim.client()
    created = (await client.post("/api/v1/sdk_upload/", json={"metadata": {"k": "v"}})).json()
    for path in (*PATHS, "/api/v2/desktop-sdk-upload/"):
        response = await client.get(f"{path}{created['id']}/")
        assert (response.status_code, response.json()) == (200, created), path


async def test_retrieve_of_an_unknown_id_is_not_found(sim: Sim) -> None:
    client = sim.client()
    created = (await client.post("/api/v1/sdk_upload/")).json()
    for upload_id in (
        "0b7c2f8e-5d1a-4c3e-9f6b-2a1d4e5f6a7b",
        "not-a-uuid",
        created["id"].upper(),
        created["recording_id"],
    ):
        for path in ("/api/v1/sdk_upload/", "/api/v1/sdk-upload/", "/api/v2/desktop-sdk-upload/"):
            response = await client.get(f"{path}{upload_id}/")
            assert (response.status_code, response.json()) == (404, {"detail": "Not found."}), (
                path,
                upload_id,
            )


async def test_an_upload_cannot_be_changed(sim: Sim) -> None:
    client = sim.client()
    created = (await client.post("/api/v1/sdk_upload/", json={"metadata": {"k": "v"}})).json()
    for path in (*PATHS, "/api/v2/desktop-sdk-upload/"):
        for method in ("PATCH", "PUT", "DELETE"):
            url = f"{path}{created['id']}/"
            response = await client.request(method, url, json={"metadata": {"k": "changed"}})
            assert (response.status_code, response.json()) == (
                405,
                {"detail": f'Method "{method}" not allowed.'},
            ), (method, path)
            assert response.headers["allow"] == "GET, HEAD, OPTIONS"  # as observed live
    assert (await client.get(f"/api/v1/sdk_upload/{created['id']}/")).json() == created


async def test_changing_an_upload_authenticates_before_it_is_refused(sim: Sim) -> None:
    """DRF authenticates before it looks for the method's handler: without a valid key the answer is a
    401, so a caller who is nobody learns nothing of which methods exist."""
    created = (await sim.client().post("/api/v1/sdk_upload/")).json()
    for path in (*PATHS, "/api/v2/desktop-sdk-upload/"):
        for method in ("PATCH", "PUT"):
            url = f"{path}{created['id']}/"
            missing = await sim.client(None).request(method, url, json={})
            assert (missing.status_code, missing.json()) == (
                401,
                {"detail": "Authentication credentials were not provided."},
            ), (method, path)
            wrong = await sim.client("0" * 40).request(method, url, json={})
            assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid token."}), (method, path)


async def test_the_upload_list_refuses_other_methods(sim: Sim) -> None:
    for method in ("PATCH", "PUT", "DELETE"):
        response = await sim.client().request(method, "/api/v1/sdk_upload/", json={})
        assert (response.status_code, response.json()) == (405, {"detail": f'Method "{method}" not allowed.'})


async def test_the_upload_lists_405_allows_every_method_of_the_path(sim: Sim) -> None:
    response = await sim.client().patch("/api/v1/sdk_upload/", json={})
    assert response.headers["allow"] == "GET, POST, HEAD, OPTIONS"
    detail = await sim.client().put(
        f"/api/v1/sdk_upload/{(await sim.client().post('/api/v1/sdk_upload/')).json()['id']}/"
    )
    assert detail.headers["allow"] == "GET, HEAD, OPTIONS"


async def test_errors_come_in_drfs_order_authentication_before_the_body(sim: Sim) -> None:
    """DRF authenticates and throttles before it reads the body: a bad body without a key is a 401."""
    anonymous = sim.client(None)
    for content, content_type in (
        (b"{bad", "application/json"),
        (b"x=1", "text/plain"),
        (b"[1]", "application/json"),
    ):
        response = await anonymous.post(
            "/api/v1/sdk_upload/", content=content, headers={"content-type": content_type}
        )
        assert (response.status_code, response.json()) == (
            401,
            {"detail": "Authentication credentials were not provided."},
        )
    response = await sim.client().post(
        "/api/v1/sdk_upload/", content=b"{bad", headers={"content-type": "application/json"}
    )
    reason = "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    assert response.json() == {"detail": f"JSON parse error - {reason}"}
