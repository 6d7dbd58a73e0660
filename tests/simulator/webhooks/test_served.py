"""Real HTTP: a served region signs what the official svix library verifies, and keeps its pending
retries across a restart. Real clock and sockets, so these are few and short."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.served import serve_app
from recall_sim.simulator import Region, Settings
from recall_sim.simulator.control_plane import ControlPlane, EndpointCreate
from recall_sim.simulator.serve import served
from recall_sim.simulator.settings import WebhookSettings
from recall_sim.simulator.webhooks.models import ATTEMPT_JOB
from tests.simulator.webhooks.support import emit, new_upload, validate

pytestmark = pytest.mark.served


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


@pytest.mark.parametrize(("profile", "family"), [("seed", "svix"), ("current", "webhook")])
def test_svix_verifies_what_a_served_region_sends(tmp_path: Path, profile: str, family: str) -> None:
    receiver = WebhookReceiver(path=None)
    with serve_app(receiver) as receiver_url:
        region = Region(Settings(seed=5, profile=profile, data_dir=tmp_path))  # type: ignore[arg-type]
        hooks = ControlPlane(region).webhooks
        endpoint = hooks.create_endpoint(EndpointCreate(url=f"{receiver_url}/hooks"))
        secret = hooks.endpoint_secret(endpoint.id)
        emit(region, new_upload(region), "sdk_upload.complete")
        with served(region=region) as handle:
            wait_for(lambda: bool(receiver.deliveries))
            attempts = httpx.get(f"{handle.base_url}/_simulator/webhooks/endpoints/{endpoint.id}/attempts")
        region.close()
    (request,) = receiver.deliveries
    assert {f"{family}-id", f"{family}-timestamp", f"{family}-signature"} <= set(request.headers)
    assert request.headers["user-agent"] == "Svix-Webhooks/1.77.0"
    assert request.headers["content-type"] == "application/json"
    Webhook(secret).verify(request.raw, request.headers)
    body = request.body
    validate(body)
    tampered = json.dumps({**body, "event": "sdk_upload.failed"}, separators=(",", ":"))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 32).verify(request.raw, request.headers)
    ((attempt,),) = [attempts.json()]
    assert (attempt["outcome"], attempt["status_code"], attempt["response_body"]) == ("success", 200, "ok")


def test_a_restarted_served_region_delivers_its_pending_retries(tmp_path: Path) -> None:
    receiver = WebhookReceiver(path=None).fail(1)
    # Two seconds to the retry: time enough to stop the first server before it is due.
    settings = Settings(
        seed=5, data_dir=tmp_path, webhooks=WebhookSettings(retry_schedule=(2.0,) * 7, jitter=0)
    )
    with serve_app(receiver) as receiver_url:
        first = Region(settings)
        endpoint = ControlPlane(first).webhooks.create_endpoint(EndpointCreate(url=f"{receiver_url}/"))
        emit(first, new_upload(first), "recording.done")
        with served(region=first):
            wait_for(lambda: len(receiver.deliveries) == 1)
        first.close()
        stopped_at = time.time()
        assert len(receiver.deliveries) == 1

        second = Region(settings)
        assert [j.payload["attempt"] for j in second.scheduler.pending(ATTEMPT_JOB)] == [2]
        with served(region=second):
            wait_for(lambda: len(receiver.deliveries) == 2)
            time.sleep(0.2)
        attempts = ControlPlane(second).webhooks.list_attempts(endpoint_id=endpoint.id)
        second.close()
    assert len(receiver.deliveries) == 2
    assert receiver.deliveries[1].at > stopped_at
    assert receiver.deliveries[0].msg_id == receiver.deliveries[1].msg_id
    assert [(a.attempt_number, a.outcome) for a in attempts] == [(1, "failed"), (2, "success")]
