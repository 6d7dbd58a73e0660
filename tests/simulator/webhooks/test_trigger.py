"""`POST /_simulator/webhooks/trigger`: one webhook of any type the workspace's profile sends, about real
resources, shaped and signed as every other (in-process, on virtual time; the served command line is
tested in tests/scenarios/console/test_trigger.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served
from recall_sim.simulator.webhooks.payloads import EVENT_TYPES
from recall_sim.simulator.webhooks.trigger import emitted_types
from tests.simulator.webhooks.support import validate
from tests.support import Sim

BASE = "/_simulator/webhooks"
SEED_SENT = [
    t
    for t in EVENT_TYPES
    if not t.startswith("sdk_upload.") or t in ("sdk_upload.completed", "sdk_upload.failed")
]


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_every_seed_type_is_sent_about_resources_the_api_serves(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    control, api = hooked.client(None), hooked.client()
    assert emitted_types(hooked.region.default_workspace, hooked.region.ctx.now()) == SEED_SENT
    assert (await control.post(f"{BASE}/endpoints", json={"url": "http://receiver.test/"})).status_code == 201
    for event in SEED_SENT:
        before = len(receiver.deliveries)
        answer = await control.post(f"{BASE}/trigger", json={"event_type": event})
        assert answer.status_code == 201, answer.text
        triggered = answer.json()
        await hooked.region.advance(1)
        (body,) = receiver.bodies()[before:]
        assert body["event"] == event
        validate(body)
        recording = await api.get(f"/api/v1/recording/{triggered['recording_id']}/")
        assert recording.status_code == (404 if event == "recording.deleted" else 200)
        if event.startswith("sdk_upload."):
            assert body["data"]["sdk_upload"]["id"] == triggered["sdk_upload_id"]
        else:
            assert body["data"]["recording"]["id"] == triggered["recording_id"]
    kinds = {t.partition(".")[0] for t in SEED_SENT} - {"sdk_upload", "recording"}
    assert len(kinds) == 5


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_given_recording_is_named_as_it_is(hooked: Sim, receiver: WebhookReceiver) -> None:
    control = hooked.client(None)
    first = (await control.post(f"{BASE}/trigger", json={"event_type": "recording.processing"})).json()
    again = await control.post(
        f"{BASE}/trigger", json={"event_type": "transcript.done", "recording_id": first["recording_id"]}
    )
    assert again.status_code == 201, again.text
    assert (again.json()["recording_id"], again.json()["sdk_upload_id"]) == (
        first["recording_id"],
        first["sdk_upload_id"],
    )
    recording = hooked.region.recordings.records.get(first["recording_id"])
    assert recording is not None
    assert recording.status.code == "processing"  # a named recording keeps its state


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_refusals(hooked: Sim) -> None:
    control = hooked.client(None)
    not_sent = await control.post(f"{BASE}/trigger", json={"event_type": "sdk_upload.complete"})
    assert not_sent.status_code == 400
    assert "sdk_upload.completed" in not_sent.json()["event_type"][0]
    unknown = await control.post(f"{BASE}/trigger", json={"event_type": "bot.done"})
    assert unknown.status_code == 400
    assert "is not an event type" in unknown.json()["event_type"][0]
    missing = await control.post(
        f"{BASE}/trigger", json={"event_type": "recording.done", "recording_id": "x"}
    )
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    no_current = await control.post(
        f"{BASE}/trigger", json={"event_type": "recording.done", "profile": "current"}
    )
    assert no_current.status_code == 400
    assert "--profile current" in no_current.json()["profile"][0]
    created = await control.post("/_simulator/workspaces", json={"profile": "current"})
    current = await control.post(
        f"{BASE}/trigger", json={"event_type": "sdk_upload.recording_started", "profile": "current"}
    )
    assert current.status_code == 201, current.text
    assert current.json()["workspace_id"] == created.json()["id"]


@pytest.mark.served
def test_a_triggered_recording_completes_no_earlier_than_it_started(tmp_path: Path) -> None:
    # On the machine's clock every reading differs: the recording's times must come in their order.
    with (
        served(Settings(seed=7, data_dir=tmp_path)) as region,
        httpx.Client(base_url=region.base_url) as http,
    ):
        for event in ("recording.done", "recording.failed"):
            triggered = http.post(f"{BASE}/trigger", json={"event_type": event})
            assert triggered.status_code == 201, triggered.text
            recording = http.get(
                f"/api/v1/recording/{triggered.json()['recording_id']}/",
                headers={"Authorization": f"Token {region.api_key}"},
            ).json()
            assert recording["completed_at"] >= recording["started_at"] >= recording["created_at"], recording
    region.region.close()
