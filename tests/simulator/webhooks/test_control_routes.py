"""`/_simulator/webhooks/...` over HTTP: the same operations as the Python calls."""

from __future__ import annotations

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.simulator.control_plane import WorkspaceCreate
from tests.simulator.webhooks.support import emit, new_upload
from tests.support import Sim

BASE = "/_simulator/webhooks"


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_endpoints_messages_attempts_resend_and_recover(hooked: Sim, receiver: WebhookReceiver) -> None:
    client = hooked.client(None)
    created = await client.post(f"{BASE}/endpoints", json={"url": "http://receiver.test/a"})
    assert created.status_code == 201, created.text
    ep = created.json()
    assert ep["workspace_id"] == hooked.region.default_workspace.id
    # Creation shows what the receiver verifies with, once; reads do not.
    shown, headers = ep.pop("secret"), ep.pop("headers")
    assert (shown, headers) == (hooked.control.webhooks.endpoint_secret(ep["id"]), "svix")
    assert (ep["disabled"], ep["filter_types"]) == (False, None)
    assert (await client.get(f"{BASE}/endpoints")).json() == [ep]
    assert (await client.get(f"{BASE}/endpoints", params={"workspace_id": "other"})).json() == []
    assert (await client.get(f"{BASE}/endpoints/{ep['id']}")).json() == ep
    secret = (await client.get(f"{BASE}/endpoints/{ep['id']}/secret")).json()["key"]
    assert secret == shown

    receiver.fail(1)
    upload = new_upload(hooked.region)
    emit(hooked.region, upload, "recording.done")
    emit(hooked.region, upload, "sdk_upload.complete")
    await hooked.region.advance(1)

    messages = (await client.get(f"{BASE}/messages")).json()
    assert [m["event_type"] for m in messages] == ["recording.done", "sdk_upload.completed"]
    assert messages[1]["payload"]["data"]["sdk_upload"]["id"] == upload.sdk_upload.id
    pending = (await client.get(f"{BASE}/messages", params={"status": "pending"})).json()
    assert [m["id"] for m in pending] == [messages[0]["id"]]
    typed = await client.get(f"{BASE}/messages", params={"event_type": "sdk_upload.completed"})
    assert [m["id"] for m in typed.json()] == [messages[1]["id"]]
    assert (await client.get(f"{BASE}/messages/{messages[0]['id']}")).json()["destinations"][0]["status"] == (
        "pending"
    )

    attempts = (await client.get(f"{BASE}/messages/{messages[0]['id']}/attempts")).json()
    assert [(a["outcome"], a["status_code"], a["trigger"]) for a in attempts] == [
        ("failed", 500, "scheduled")
    ]
    assert attempts[0]["response_body"] == "failing on purpose (500)"
    by_endpoint = (
        await client.get(f"{BASE}/endpoints/{ep['id']}/attempts", params={"status": "success"})
    ).json()
    assert [a["message_id"] for a in by_endpoint] == [messages[1]["id"]]

    resent = await client.post(f"{BASE}/messages/{messages[1]['id']}/endpoints/{ep['id']}/resend")
    assert resent.status_code == 200, resent.text
    assert (resent.json()["trigger"], resent.json()["outcome"]) == ("manual", "success")

    disabled = (await client.post(f"{BASE}/endpoints/{ep['id']}/disable")).json()
    assert (disabled["disabled"], disabled["disabled_reason"]) == (True, "manual")
    refused = await client.post(f"{BASE}/messages/{messages[1]['id']}/endpoints/{ep['id']}/resend")
    assert (refused.status_code, refused.json()) == (
        400,
        {"detail": "Endpoint is disabled; enable it first."},
    )
    await hooked.region.advance(10)  # the pending retry finds the endpoint disabled and gives up
    assert (await client.post(f"{BASE}/endpoints/{ep['id']}/enable")).json()["disabled"] is False
    since = messages[0]["created_at"]
    recovered = await client.post(f"{BASE}/endpoints/{ep['id']}/recover", json={"since": since})
    assert recovered.json() == {"message_ids": [messages[0]["id"]]}
    await hooked.region.advance(1)
    assert (await client.get(f"{BASE}/messages", params={"status": "failed"})).json() == []

    patched = await client.patch(f"{BASE}/endpoints/{ep['id']}", json={"filter_types": ["recording.done"]})
    assert patched.json()["filter_types"] == ["recording.done"]
    rotated = (await client.post(f"{BASE}/endpoints/{ep['id']}/secret/rotate")).json()["key"]
    assert rotated != secret
    assert (await client.get(f"{BASE}/endpoints/{ep['id']}/secret")).json() == {"key": rotated}
    assert (await client.delete(f"{BASE}/endpoints/{ep['id']}")).status_code == 204
    assert (await client.get(f"{BASE}/endpoints/{ep['id']}")).status_code == 404


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_errors_take_the_api_shapes(hooked: Sim) -> None:
    client = hooked.client(None)
    bad = await client.post(f"{BASE}/endpoints", json={"url": "nope", "filter_types": ["x"]})
    assert (bad.status_code, bad.json()) == (400, {"url": ["Enter a valid URL."]})
    assert (await client.get(f"{BASE}/messages/msg_nope")).status_code == 404
    assert (await client.get(f"{BASE}/messages/msg_nope/attempts")).status_code == 404
    assert (await client.get(f"{BASE}/endpoints/ep_nope/attempts")).status_code == 404
    assert (await client.post(f"{BASE}/messages/msg_nope/endpoints/ep_nope/resend")).status_code == 404
    assert (
        await client.post(f"{BASE}/endpoints", json={"url": "http://x", "workspace_id": "nope"})
    ).status_code == 404
    wrong_status = await client.get(f"{BASE}/messages", params={"status": "sending"})
    assert wrong_status.status_code == 400


@pytest.mark.parametrize("store_kind", ["memory"])
@pytest.mark.parametrize(
    "url", ["http://[", "http://example.com]/", "https://example.com:99999/", "http://a b/"]
)
async def test_text_that_is_no_url_is_a_field_keyed_400_not_a_server_error(hooked: Sim, url: str) -> None:
    client = hooked.client(None)
    created = await client.post(f"{BASE}/endpoints", json={"url": url})
    assert (created.status_code, created.json()) == (400, {"url": ["Enter a valid URL."]})
    endpoint = (await client.post(f"{BASE}/endpoints", json={"url": "http://example.com/hook"})).json()
    patched = await client.patch(f"{BASE}/endpoints/{endpoint['id']}", json={"url": url})
    assert (patched.status_code, patched.json()) == (400, {"url": ["Enter a valid URL."]})
    assert (await client.get(f"{BASE}/endpoints/{endpoint['id']}")).json()["url"] == "http://example.com/hook"


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_workspace_secret_rotates_over_http(hooked: Sim) -> None:
    client = hooked.client(None)
    workspace = hooked.control.create_workspace(WorkspaceCreate(profile="current"))
    rotated = await client.post(
        f"{BASE}/workspaces/{workspace.id}/secret/rotate", json={"key": "whsec_" + "C" * 32}
    )
    assert rotated.json() == {"key": "whsec_" + "C" * 32}
    assert hooked.control.get_workspace(workspace.id).webhook_secret == "whsec_" + "C" * 32
    refused = await client.post(f"{BASE}/workspaces/{workspace.id}/secret/rotate", json={"key": "plain"})
    assert (refused.status_code, refused.json()) == (400, {"key": ['Webhook secrets start with "whsec_".']})
