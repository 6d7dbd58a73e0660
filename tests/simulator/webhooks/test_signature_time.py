"""Signatures a partner's unmodified receiver accepts, whatever the region's clock says.

Svix stamps each attempt with the real time at which it is sent and `svix.webhooks.Webhook(secret)
.verify(body, headers)` compares that with the receiver's own clock. `recall-sim serve` does the same by
default, so a region at `--time-scale 60`, moved on by a day and restarted, still delivers webhooks svix
accepts with no `now` argument; `--signature-time region` keeps the region's clock (and svix refuses).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from recall_sim.scenarios.receiver import WebhookDelivery, WebhookReceiver
from recall_sim.scenarios.served import serve_app
from recall_sim.scenarios.served_process import ServedProcess, serve_process
from recall_sim.seams import VirtualClock, run_virtual
from recall_sim.simulator import Region, Settings
from recall_sim.simulator.control_plane import ControlPlane, EndpointCreate
from recall_sim.simulator.settings import WebhookSettings
from tests.simulator.webhooks.support import emit, new_upload

SECRET = "whsec_" + "c2lnbmVkIGF0IHRoZSByZWFsIHRpbWU="
DAY = 86400.0


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def _pause_a_recording(server: ServedProcess) -> None:
    """An sdk upload whose recording starts and pauses: `recording.paused` in both profiles (and
    `sdk_upload.recording_started` in `current`)."""
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        upload = http.post("/api/v1/sdk_upload/", headers={"Authorization": f"Token {server.api_key}"})
        assert upload.status_code == 201, upload.text
        token = {"Authorization": f"UploadToken {upload.json()['upload_token']}"}
        started = http.post("/ingest/v1/recording/start", json={"platform": "zoom"}, headers=token)
        assert started.status_code == 201, started.text
        assert http.post("/ingest/v1/recording/pause", headers=token).status_code == 200


def _paused(receiver: WebhookReceiver) -> list[WebhookDelivery]:
    return [r for r in receiver.deliveries if r.body["event"] == "recording.paused"]


def _region_clock(server: ServedProcess) -> float:
    return float(httpx.get(f"{server.base_url}/_simulator/clock").json()["timestamp"])


@pytest.mark.served
@pytest.mark.parametrize(("profile", "family"), [("seed", "svix"), ("current", "webhook")])
def test_a_fast_advanced_restarted_region_delivers_what_svix_verifies(
    tmp_path: Path, profile: str, family: str
) -> None:
    receiver = WebhookReceiver(path=None)
    with serve_app(receiver) as receiver_url:
        args = (
            *("--time-scale", "60", "--data-dir", str(tmp_path / "data"), "--profile", profile),
            *("--seed", "14", "--webhook-url", f"{receiver_url}/hooks", "--webhook-secret", SECRET),
        )
        with serve_process(*args) as server:
            httpx.post(f"{server.base_url}/_simulator/clock", json={"advance": DAY}).raise_for_status()
            assert _region_clock(server) - time.time() > DAY - 60
            _pause_a_recording(server)
            wait_for(lambda: len(_paused(receiver)) == 1)
        with serve_process(*args) as server:  # the same data directory: the day ahead is kept
            assert _region_clock(server) - time.time() > DAY - 60
            _pause_a_recording(server)
            wait_for(lambda: len(_paused(receiver)) == 2)
            control = f"{server.base_url}/_simulator/webhooks/endpoints"
            (endpoint,) = httpx.get(control).json()
            attempts = httpx.get(f"{control}/{endpoint['id']}/attempts").json()
    assert len(receiver.deliveries) >= 2
    for request in receiver.deliveries:
        assert f"{family}-timestamp" in request.headers
        Webhook(SECRET).verify(request.raw, request.headers)  # the machine's clock, as a partner's
    # The region's own log keeps its clock: attempts happened a day ahead of the machine.
    assert all(datetime.fromisoformat(a["started_at"]).timestamp() - time.time() > DAY - 60 for a in attempts)


@pytest.mark.served
def test_signature_time_region_stamps_the_region_clock_which_svix_refuses(tmp_path: Path) -> None:
    receiver = WebhookReceiver(path=None)
    with serve_app(receiver) as receiver_url:
        args = ("--in-memory", "--time-scale", "60", "--webhook-url", f"{receiver_url}/", "--webhook-secret")
        with serve_process(*args, SECRET, "--signature-time", "region") as server:
            httpx.post(f"{server.base_url}/_simulator/clock", json={"advance": 600}).raise_for_status()
            _pause_a_recording(server)
            wait_for(lambda: len(_paused(receiver)) == 1)
    (request,) = _paused(receiver)
    assert int(request.headers["svix-timestamp"]) - time.time() > 590
    with pytest.raises(WebhookVerificationError, match="too new"):
        Webhook(SECRET).verify(request.raw, request.headers)


def test_serve_refuses_an_unknown_signature_time(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from recall_sim.scenarios.cli import build_app

    result = CliRunner().invoke(build_app(), ["serve", "--in-memory", "--signature-time", "local"])
    assert result.exit_code == 2
    assert "real or region" in result.output


@pytest.mark.parametrize(("signature_time", "real"), [(None, False), ("region", False), ("real", True)])
def test_on_virtual_time_the_region_signs_with_its_clock_unless_told_real(
    signature_time: str | None, real: bool
) -> None:
    """In process the default keeps runs repeatable; `real` is for a partner's own svix handler."""
    receiver = WebhookReceiver(path=None)
    clock = VirtualClock()
    webhooks = WebhookSettings(signature_time=signature_time)  # type: ignore[arg-type]
    region = Region(Settings(seed=3, webhooks=webhooks), clock=clock, webhook_transport=receiver.transport())
    try:
        endpoint = ControlPlane(region).webhooks.create_endpoint(
            EndpointCreate(url="http://backend.test/hooks")
        )
        secret = ControlPlane(region).webhooks.endpoint_secret(endpoint.id)
        emit(region, new_upload(region), "recording.done")

        async def deliver() -> None:
            await region.scheduler.run_due()
            await region.scheduler.drain()

        run_virtual(deliver(), clock)
        (request,) = receiver.deliveries
        (attempt,) = region.webhooks.attempts.find()
    finally:
        region.close()
    stamp = int(request.headers["svix-timestamp"])
    assert attempt.signed_at == stamp
    assert attempt.started_at == datetime.fromtimestamp(clock.timestamp(), UTC)  # region time, always
    if real:
        assert abs(stamp - time.time()) < 5
        Webhook(secret).verify(request.raw, request.headers)
    else:
        assert stamp == int(clock.timestamp())
        with pytest.raises(WebhookVerificationError, match="too old"):
            Webhook(secret).verify(request.raw, request.headers)
