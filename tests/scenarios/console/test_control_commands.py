"""`recall-sim clock | faults | webhooks | state` against a served region: thin clients of the control
plane, with human durations in and out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.served import serve_app
from recall_sim.scenarios.served_process import serve_process
from tests.scenarios.console.support import recall_sim, wait_for

pytestmark = pytest.mark.served


def _start(client: httpx.Client, token: str) -> httpx.Response:
    return client.post(
        "/ingest/v1/recording/start",
        headers={"Authorization": f"UploadToken {token}"},
        json={"platform": "zoom", "title": None, "url": None, "upload_mode": "seed", "media_format": "mp4"},
    )


def test_clock_advance_1d_expires_an_upload_token() -> None:
    with (
        serve_process("--in-memory") as region,
        httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"}) as api,
    ):
        token = api.post("/api/v1/sdk_upload/").json()["upload_token"]
        advanced = recall_sim("clock", "advance", "1d", "--base-url", region.base_url)
        assert advanced.returncode == 0, advanced.stderr
        assert advanced.stdout.startswith("Advanced 1d; the region's time is now ")
        shown = recall_sim("clock", "--base-url", region.base_url)
        assert re.search(r"\(real, 1x\), 1d( \S+)? ahead of this machine", shown.stdout), shown.stdout
        expired = _start(api, token)
        assert (expired.status_code, expired.json()) == (401, {"detail": "Upload token has expired."})
        # A token made now, on the advanced clock, is good for another day.
        fresh = api.post("/api/v1/sdk_upload/").json()["upload_token"]
        assert _start(api, fresh).status_code == 201
        as_json = json.loads(recall_sim("clock", "show", "--json", "--base-url", region.base_url).stdout)
        assert as_json["kind"] == "real"


def test_faults_add_list_clear() -> None:
    with (
        serve_process("--in-memory") as region,
        httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"}) as api,
    ):
        base = ("--base-url", region.base_url)
        added = recall_sim("faults", "add", "/api/v1/sdk_upload/", "--status", "503", "--method", "post",
                           "--latency", "250ms", "--count", "2", *base)  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert re.match(
            r"Added \S+  POST /api/v1/sdk_upload/: answer 503 and add 250ms  \(2 more\)", added.stdout
        )
        listed = recall_sim("faults", "list", *base)
        assert "POST /api/v1/sdk_upload/: answer 503" in listed.stdout
        assert api.post("/api/v1/sdk_upload/").status_code == 503
        assert api.get("/api/v1/sdk_upload/").status_code == 200  # another method
        assert recall_sim("faults", "clear", *base).returncode == 0
        assert recall_sim("faults", "list", *base).stdout.strip() == "No fault rules."
        assert api.post("/api/v1/sdk_upload/").status_code == 201


def test_webhooks_messages_attempts_resend_recover_and_state(tmp_path: Path) -> None:
    handler = WebhookReceiver(
        secret="", machine_time=True, path=None
    )  # no secret yet: every delivery is refused
    with (
        serve_process("--in-memory", "--webhook-retry-schedule", "0.2,0.2") as region,
        serve_app(handler) as url,
        httpx.Client(base_url=f"{region.base_url}/_simulator/webhooks") as control,
    ):
        base = ("--base-url", region.base_url)
        endpoint = control.post("/endpoints", json={"url": url}).json()
        triggered = json.loads(recall_sim("trigger", "recording.done", "--wait", "0", "--json", *base).stdout)
        message = wait_for(
            "the retries to run out",
            lambda: [
                m for m in control.get("/messages").json() if m["destinations"][0]["status"] == "failed"
            ],
        )[0]
        assert message["event_id"] == triggered["event_id"]

        listed = recall_sim("webhooks", "messages", *base)
        assert "recording.done" in listed.stdout
        assert message["id"] in listed.stdout
        assert f"{endpoint['id']} failed after 3" in listed.stdout
        assert (
            recall_sim("webhooks", "messages", "--status", "success", *base).stdout.strip() == "No messages."
        )
        attempts = recall_sim("webhooks", "attempts", message["id"], *base).stdout.splitlines()
        assert len(attempts) == 3, attempts
        assert all("[401]" in line for line in attempts), attempts
        by_endpoint = recall_sim("webhooks", "attempts", "--endpoint", endpoint["id"], *base)
        assert by_endpoint.stdout.splitlines() == attempts
        assert endpoint["id"] in recall_sim("webhooks", "endpoints", *base).stdout

        handler.secret = endpoint["secret"]
        recovered = recall_sim("webhooks", "recover", endpoint["id"], "--since", "1h", *base)
        assert recovered.stdout.startswith("Resending 1 message(s)"), recovered.stdout + recovered.stderr
        assert message["id"] in recovered.stdout
        wait_for("the recovered delivery", lambda: len([r for r in handler.deliveries if r.verified]) == 1)
        resent = recall_sim("webhooks", "resend", message["id"], endpoint["id"], *base)
        assert "[200]" in resent.stdout, resent.stdout + resent.stderr
        assert "(resent)" in resent.stdout
        assert len([r for r in handler.deliveries if r.verified]) == 2

        state = recall_sim("state", *base).stdout
        assert re.search(r"webhook_messages\s+1\b", state), state
        assert re.search(r"recordings\s+1\b", state), state
        dump = json.loads(recall_sim("state", "--json", *base).stdout)
        assert [m["id"] for m in dump["collections"]["webhook_messages"]] == [message["id"]]
