"""`recall-sim listen --forward-to URL` against a served region while `recall-sim record` runs a meeting:
a line per delivery attempt, every delivery verified by the handler with svix, the endpoint removed on
Ctrl-C."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx
import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.served import serve_app
from recall_sim.scenarios.served_process import serve_process
from tests.scenarios.console.support import recall_sim, secret_of, start, wait_for

pytestmark = pytest.mark.served


@pytest.mark.parametrize("profile", ["seed", "current"])
def test_listen_prints_each_attempt_of_a_recorded_meeting(tmp_path: Path, profile: str) -> None:
    handler = WebhookReceiver(secret="", machine_time=True, path=None)
    with (
        serve_process("--in-memory", "--delays", "instant", "--profile", profile) as region,
        serve_app(handler) as url,
        start(tmp_path, "listen", "--forward-to", f"{url}/hooks", "--base-url", region.base_url) as listen,
    ):
        wait_for("listen to register", lambda: "Ctrl-C" in listen.out())
        handler.secret, family = secret_of(listen.out())
        assert family == ("svix" if profile == "seed" else "webhook")
        # The endpoint is the region's, with that secret.
        (endpoint,) = httpx.get(f"{region.base_url}/_simulator/webhooks/endpoints").json()
        assert endpoint["url"] == f"{url}/hooks"
        secret = httpx.get(f"{region.base_url}/_simulator/webhooks/endpoints/{endpoint['id']}/secret")
        assert secret.json()["key"] == handler.secret

        recorded = recall_sim(
            "record", "--base-url", region.base_url, "--api-key", region.api_key,
            "--meeting", "huddle", "--time-scale", "5", "--mode", profile,
        )  # fmt: skip
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        done = "sdk_upload.completed" if profile == "seed" else "sdk_upload.complete"
        wait_for(
            "the upload's last webhook",
            lambda: done in [r.event for r in handler.deliveries],
        )
        wait_for("listen to print it", lambda: done in listen.out())
        lines = wait_for(
            "a line per attempt",
            lambda: (
                (found := re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  .*$", listen.out(), re.M))
                and len(found) >= len(handler.deliveries)
                and found
            ),
        )
    assert handler.deliveries, "no webhook reached the handler"
    assert [r.verified for r in handler.deliveries] == [True] * len(handler.deliveries)
    assert len(lines) == len(handler.deliveries), listen.out()
    # Attempts run concurrently: listen prints each as it ends, which need not be the order the handler
    # received them in, so each delivery is matched to its line by message id.
    by_message = {line.split()[3]: line for line in lines}
    assert len(by_message) == len(lines), listen.out()
    for delivery in handler.deliveries:
        event = delivery.event
        msg_id = delivery.headers.get("svix-id") or delivery.headers["webhook-id"]
        assert msg_id in by_message, listen.out()
        line = by_message[msg_id]
        assert event in line, line
        assert "[200]" in line, line
        assert re.search(r"\[200\]  \d+(ms|\.?\d*s)", line), line
    events = [r.event for r in handler.deliveries]
    assert "recording.done" in events
    # Ctrl-C removed the endpoint.
    assert "removed" in listen.out()
    assert listen.process.returncode == 0, listen.err()


def test_listen_shows_why_a_delivery_failed_and_prints_bodies(tmp_path: Path) -> None:
    # No secret: it refuses everything with 401.
    handler = WebhookReceiver(secret="", machine_time=True, path=None)
    with (
        serve_process("--in-memory", "--delays", "instant") as region,
        serve_app(handler) as url,
        start(
            tmp_path, "listen", "--forward-to", url, "--events", "recording.done",
            "--print-json", "--base-url", region.base_url,
        ) as listen,
    ):  # fmt: skip
        wait_for("listen to register", lambda: "Ctrl-C" in listen.out())
        triggered = recall_sim("trigger", "recording.done", "--base-url", region.base_url, "--json")
        assert triggered.returncode == 0, triggered.stderr
        wait_for("the failed attempt", lambda: "[401]" in listen.out())
        wait_for("the body", lambda: '"event": "recording.done"' in listen.out())
        endpoints = httpx.get(f"{region.base_url}/_simulator/webhooks/endpoints").json()
        assert endpoints[0]["filter_types"] == ["recording.done"]
        listen.process.send_signal(signal.SIGINT)  # Ctrl-C
        assert listen.process.wait(timeout=20) == 0, listen.err()
        assert httpx.get(f"{region.base_url}/_simulator/webhooks/endpoints").json() == []
    line = next(x for x in listen.out().splitlines() if "[401]" in x)
    assert "the handler answered 401: signature does not verify" in line
    assert "retry at" in line
    assert f"Endpoint {endpoints[0]['id']} removed." in listen.out()
