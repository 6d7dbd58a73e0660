"""Bodies per profile and quirk, for every event type the lifecycle emits, against the reference catalog."""

from __future__ import annotations

import json

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.seams import isoformat
from recall_sim.simulator.control_plane import EndpointCreate, WorkspaceCreate
from recall_sim.simulator.records import Quirks
from recall_sim.simulator.webhooks.payloads import EVENT_TYPES, messages_for
from tests.simulator.webhooks.support import (
    DOMAIN_EVENT_TYPES,
    LIFECYCLE,
    emit,
    emit_lifecycle,
    new_upload,
    validate,
)
from tests.support import Sim


def _workspace(sim: Sim, profile: str, **quirks: bool) -> str:
    spec = WorkspaceCreate(profile=profile, quirks=Quirks(**quirks))  # type: ignore[arg-type]
    return sim.control.create_workspace(spec).id


def _types(sim: Sim, workspace_id: str) -> list[str]:
    upload = new_upload(sim.region, workspace_id)
    workspace = sim.region.workspaces.get_workspace(workspace_id)
    out = []
    for event_type in DOMAIN_EVENT_TYPES:
        event = emit(sim.region, upload, event_type)
        for wire_type, body in messages_for(event, workspace):
            validate(json.loads(body))
            out.append(wire_type)
    return out


@pytest.mark.parametrize("store_kind", ["memory"])
def test_every_domain_event_has_a_valid_body_in_each_profile(sim: Sim) -> None:
    seed = _types(sim, _workspace(sim, "seed"))
    assert [t for t in seed if t.startswith("sdk_upload.")] == ["sdk_upload.completed", "sdk_upload.failed"]
    assert [t for t in seed if not t.startswith("sdk_upload.")] == [
        t for t in DOMAIN_EVENT_TYPES if not t.startswith("sdk_upload.")
    ]
    current = _types(sim, _workspace(sim, "current"))
    assert [t for t in current if t.startswith("sdk_upload.")] == [
        "sdk_upload.recording_started",
        "sdk_upload.recording_ended",
        "sdk_upload.complete",
        "sdk_upload.failed",
    ]
    quirky = _types(
        sim, _workspace(sim, "current", legacy_uploading_event=True, duplicate_complete_alias=True)
    )
    assert [t for t in quirky if t.startswith("sdk_upload.")] == [
        "sdk_upload.recording_started",
        "sdk_upload.recording_ended",
        "sdk_upload.uploading",
        "sdk_upload.complete",
        "sdk_upload.completed",
        "sdk_upload.failed",
    ]
    assert set(seed) | set(quirky) == set(EVENT_TYPES)


@pytest.mark.parametrize("store_kind", ["memory"])
def test_seed_upload_shapes(sim: Sim) -> None:
    workspace = sim.region.workspaces.get_workspace(_workspace(sim, "seed"))
    upload = new_upload(sim.region, workspace.id)
    ((_, complete),) = messages_for(emit(sim.region, upload, "sdk_upload.complete"), workspace)
    ((_, failed),) = messages_for(emit(sim.region, upload, "sdk_upload.failed"), workspace)
    assert json.loads(complete) == {
        "event": "sdk_upload.completed",
        "data": {
            "sdk_upload": {
                "id": upload.sdk_upload.id,
                "created_at": isoformat(upload.created_at),
                "recording_id": upload.recording.id,
                "status": {"code": "complete"},
            }
        },
    }
    assert json.loads(failed)["data"]["sdk_upload"]["recording_id"] is None
    assert json.loads(failed)["data"]["sdk_upload"]["status"] == {"code": "failed"}


@pytest.mark.parametrize("store_kind", ["memory"])
def test_current_shapes(sim: Sim) -> None:
    workspace = sim.region.workspaces.get_workspace(_workspace(sim, "current"))
    upload = new_upload(sim.region, workspace.id)
    now = isoformat(sim.region.ctx.now())
    recording = {"id": upload.recording.id, "metadata": {}}
    sdk_upload = {"id": upload.sdk_upload.id, "metadata": {"user": "u-1"}}

    def body(event_type: str, sub_code: str | None = None) -> object:
        ((_, text),) = messages_for(emit(sim.region, upload, event_type, sub_code=sub_code), workspace)
        return json.loads(text)

    assert body("sdk_upload.recording_started") == {
        "event": "sdk_upload.recording_started",
        "data": {
            "data": {"code": "recording_started", "sub_code": None, "updated_at": now},
            "recording": recording,
            "sdk_upload": sdk_upload,
        },
    }
    assert body("sdk_upload.failed", "upload_timeout") == {
        "event": "sdk_upload.failed",
        "data": {
            "data": {"code": "failed", "sub_code": "upload_timeout", "updated_at": now},
            "recording": None,
            "sdk_upload": sdk_upload,
        },
    }
    assert body("transcript.done") == {
        "event": "transcript.done",
        "data": {
            "data": {"code": "done", "sub_code": None, "updated_at": now},
            "transcript": {"id": upload.artifacts["transcript"].id, "metadata": {}},
            "recording": recording,
            "bot": None,
        },
    }
    assert body("recording.paused") == {
        "event": "recording.paused",
        "data": {
            "data": {"code": "paused", "sub_code": None, "updated_at": now},
            "recording": recording,
            "bot": None,
        },
    }


async def test_a_lifecycle_arrives_in_order_and_conforms(hooked: Sim, receiver: WebhookReceiver) -> None:
    current = _workspace(hooked, "current", duplicate_complete_alias=True)
    for workspace_id in (hooked.region.default_workspace.id, current):
        hooked.control.webhooks.create_endpoint(
            EndpointCreate(url=f"http://receiver.test/{workspace_id}", workspace_id=workspace_id)
        )
    emit_lifecycle(hooked.region, new_upload(hooked.region))
    emit_lifecycle(hooked.region, new_upload(hooked.region, current))
    await hooked.region.advance(1)
    for body in receiver.bodies():
        validate(body)
    by_path: dict[str, list[str]] = {}
    for request in receiver.deliveries:
        by_path.setdefault(request.path.strip("/"), []).append(request.body["event"])
    assert by_path[hooked.region.default_workspace.id] == [
        t for t in LIFECYCLE if not t.startswith("sdk_upload.")
    ] + ["sdk_upload.completed"]
    assert by_path[current] == [*LIFECYCLE, "sdk_upload.completed"]
