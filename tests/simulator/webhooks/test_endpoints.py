"""Endpoints: event filters, secrets per profile, key rotation, validation."""

from __future__ import annotations

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.simulator.control_plane import EndpointCreate, EndpointUpdate, WorkspaceCreate
from recall_sim.simulator.errors import ValidationFailed
from recall_sim.simulator.webhooks import WebhookVerificationError, verify
from tests.simulator.webhooks.support import LIFECYCLE, emit, emit_lifecycle, new_upload
from tests.support import Sim

HOUR = 3600.0


async def test_filters_choose_event_types(hooked: Sim, receiver: WebhookReceiver) -> None:
    hooks = hooked.control.webhooks
    hooks.create_endpoint(EndpointCreate(url="http://receiver.test/all"))
    chosen = ["recording.done", "sdk_upload.completed"]
    only = hooks.create_endpoint(EndpointCreate(url="http://receiver.test/only", filter_types=chosen))
    upload = new_upload(hooked.region)
    emit_lifecycle(hooked.region, upload)
    await hooked.region.advance(1)
    paths = [r.path for r in receiver.deliveries]
    assert [r.body["event"] for r in receiver.deliveries if r.path == "/only"] == chosen
    assert paths.count("/all") == len([t for t in LIFECYCLE if not t.startswith("sdk_upload.")]) + 1
    assert (
        hooks.list_messages(endpoint_id=only.id, event_type="recording.done")[0].event_type
        == "recording.done"
    )
    assert len(hooks.list_messages(endpoint_id=only.id)) == 2

    hooks.update_endpoint(only.id, EndpointUpdate(filter_types=None))
    emit(hooked.region, upload, "recording.deleted")
    await hooked.region.advance(1)
    assert [r.path for r in receiver.deliveries[-2:]] == ["/all", "/only"]


@pytest.mark.parametrize("store_kind", ["memory"])
def test_endpoint_validation(sim: Sim) -> None:
    hooks = sim.control.webhooks
    current = sim.control.create_workspace(WorkspaceCreate(profile="current")).id
    bad = [
        (EndpointCreate(url="ftp://x"), {"url": ["Enter a valid URL."]}),
        (
            EndpointCreate(url="http://x", filter_types=["nope"]),
            {"filter_types": {"0": ['"nope" is not a valid choice.']}},
        ),
        (EndpointCreate(url="http://x", secret="abc"), {"secret": ['Webhook secrets start with "whsec_".']}),
        (EndpointCreate(url="http://x", secret="whsec_", workspace_id=None), None),
        (EndpointCreate(url="http://x", secret="whsec_" + "A" * 32, workspace_id=current), None),
    ]
    for spec, body in bad:
        with pytest.raises(ValidationFailed) as caught:
            hooks.create_endpoint(spec)
        if body is not None:
            assert caught.value.body == body


async def test_seed_key_rotation_signs_with_both_keys_for_a_day(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    hooks = hooked.control.webhooks
    ep = hooks.create_endpoint(EndpointCreate(url="http://receiver.test/"))
    old = hooks.endpoint_secret(ep.id)
    new = hooks.rotate_endpoint_secret(ep.id)
    assert new != old
    assert hooks.endpoint_secret(ep.id) == new
    upload = new_upload(hooked.region)
    emit(hooked.region, upload, "recording.processing")
    await hooked.region.advance(23 * HOUR)
    emit(hooked.region, upload, "recording.done")
    await hooked.region.advance(1 * HOUR + 1)
    emit(hooked.region, upload, "recording.deleted")
    await hooked.region.advance(1)
    fresh, late, after = receiver.deliveries
    for request in (fresh, late):
        assert len(request.headers["svix-signature"].split(" ")) == 2
        for secret in (old, new):
            verify(secret, request.headers, request.raw, now=request.at)
    assert len(after.headers["svix-signature"].split(" ")) == 1
    verify(new, after.headers, after.raw, now=after.at)
    with pytest.raises(WebhookVerificationError):
        verify(old, after.headers, after.raw, now=after.at)


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_at_most_five_old_keys_keep_signing(hooked: Sim, receiver: WebhookReceiver) -> None:
    hooks = hooked.control.webhooks
    ep = hooks.create_endpoint(EndpointCreate(url="http://receiver.test/"))
    secrets = [hooks.endpoint_secret(ep.id)] + [hooks.rotate_endpoint_secret(ep.id) for _ in range(7)]
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(1)
    (request,) = receiver.deliveries
    assert len(request.headers["svix-signature"].split(" ")) == 6
    for secret in secrets[2:]:
        verify(secret, request.headers, request.raw, now=request.at)
    for secret in secrets[:2]:
        with pytest.raises(WebhookVerificationError):
            verify(secret, request.headers, request.raw, now=request.at)


async def test_current_workspaces_sign_every_endpoint_with_the_workspace_secret(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    hooks = hooked.control.webhooks
    workspace = hooked.control.create_workspace(WorkspaceCreate(profile="current"))
    first = hooks.create_endpoint(EndpointCreate(url="http://receiver.test/1", workspace_id=workspace.id))
    hooks.create_endpoint(EndpointCreate(url="http://receiver.test/2", workspace_id=workspace.id))
    assert hooks.endpoint_secret(first.id) == workspace.webhook_secret
    new = hooks.rotate_endpoint_secret(first.id)
    assert hooked.control.get_workspace(workspace.id).webhook_secret == new
    emit(hooked.region, new_upload(hooked.region, workspace.id), "sdk_upload.complete")
    await hooked.region.advance(1)
    assert len(receiver.deliveries) == 2
    for request in receiver.deliveries:
        assert not any(name.startswith("svix-") for name in request.headers)
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        for secret in (workspace.webhook_secret, new):
            verify(secret, request.headers, request.raw, now=request.at)
    assert receiver.deliveries[0].msg_id == receiver.deliveries[1].msg_id

    hooks.rotate_workspace_secret(workspace.id, "whsec_" + "B" * 32)
    await hooked.region.advance(25 * HOUR)
    emit(hooked.region, new_upload(hooked.region, workspace.id), "sdk_upload.complete")
    await hooked.region.advance(1)
    request = receiver.deliveries[-1]
    assert request.headers["webhook-signature"].count("v1,") == 1
    verify("whsec_" + "B" * 32, request.headers, request.raw, now=request.at)
