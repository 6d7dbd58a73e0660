"""`recall-sim trigger EVENT` for every event type a region sends, in both profiles: the handler gets a
body that validates against Recall's webhook catalog, signed so svix verifies it, about resources the
API then serves."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.served import serve_app
from recall_sim.scenarios.served_process import serve_process
from tests.scenarios.console.support import recall_sim, wait_for
from tests.simulator.webhooks.support import validate

pytestmark = [pytest.mark.served, pytest.mark.slow]

_ARTIFACTS = ("video_mixed", "audio_mixed", "transcript", "participant_events", "meeting_metadata")
_COMMON = (
    *(f"recording.{c}" for c in ("processing", "paused", "done", "failed", "deleted")),
    *(f"{k}.{c}" for k in _ARTIFACTS for c in ("processing", "done", "failed", "deleted")),
)
#: what each profile sends; the current workspace has both quirks on, so it sends every type
SENT = {
    "seed": ("sdk_upload.completed", "sdk_upload.failed", *_COMMON),
    "current": (
        "sdk_upload.recording_started",
        "sdk_upload.recording_ended",
        "sdk_upload.uploading",
        "sdk_upload.complete",
        "sdk_upload.completed",
        "sdk_upload.failed",
        *_COMMON,
    ),
}


def _follow_up(api: httpx.Client, event: str, triggered: dict[str, str]) -> None:
    """What a handler does next: fetch what the webhook names."""
    assert api.get(f"/api/v1/sdk_upload/{triggered['sdk_upload_id']}/").status_code == 200
    recording = api.get(f"/api/v1/recording/{triggered['recording_id']}/")
    # A deleted recording is gone from the API, as on Recall's.
    assert recording.status_code == (404 if event == "recording.deleted" else 200), recording.text
    kind, _, code = event.partition(".")
    if kind in _ARTIFACTS:
        artifact = api.get(f"/api/v1/{kind}/{triggered['artifact_id']}/")
        assert artifact.status_code == (404 if code == "deleted" else 200), artifact.text
        if code != "deleted":
            assert artifact.json()["status"]["code"] == code
    if event == "recording.done":
        assert recording.json()["status"]["code"] == "done"


@pytest.mark.parametrize("profile", ["seed", "current"])
def test_every_event_type_reaches_the_handler(tmp_path: Path, profile: str) -> None:
    handler = WebhookReceiver(secret="", machine_time=True, path=None)
    with (
        serve_process("--in-memory", "--profile", profile) as region,
        serve_app(handler) as url,
        httpx.Client(base_url=f"{region.base_url}/_simulator", timeout=30) as control,
        httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"}) as api,
    ):
        (workspace,) = control.get("/workspaces").json()
        quirks = {"legacy_uploading_event": True, "duplicate_complete_alias": True}
        if profile == "current":
            assert control.patch(f"/workspaces/{workspace['id']}", json={"quirks": quirks}).status_code == 200
        created = control.post("/webhooks/endpoints", json={"url": f"{url}/hooks"}).json()
        assert created["headers"] == ("svix" if profile == "seed" else "webhook")
        handler.secret = created["secret"]
        for event in SENT[profile]:
            before = len(handler.deliveries)
            done = recall_sim("trigger", event, "--json", "--base-url", region.base_url)
            assert done.returncode == 0, done.stderr
            triggered = json.loads(done.stdout)
            assert triggered["event_type"] == event
            assert triggered["profile"] == profile
            assert [a["status_code"] for a in triggered["attempts"]] == [200], triggered
            arrived = wait_for(
                event, lambda before=before: [r for r in handler.deliveries[before:] if r.verified]
            )
            bodies = [r.body for r in arrived]
            mine = [b for b in bodies if b["event"] == event]
            assert mine, (event, bodies)
            for body in bodies:
                validate(body)
            _follow_up(api, event, triggered)
        assert [r.verified for r in handler.deliveries] == [True] * len(handler.deliveries)
        family = "svix-id" if profile == "seed" else "webhook-id"
        assert all(family in r.headers for r in handler.deliveries)


def test_a_type_the_profile_does_not_send_is_refused_with_the_ones_it_does() -> None:
    with serve_process("--in-memory") as region:
        done = recall_sim("trigger", "sdk_upload.complete", "--base-url", region.base_url)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) <= 3
        assert "Traceback" not in done.stderr
        assert "is not sent for a seed-profile workspace" in done.stderr
        assert "sdk_upload.completed" in done.stderr
        refused = recall_sim(
            "trigger", "recording.done", "--profile", "current", "--base-url", region.base_url
        )
        assert refused.returncode == 1
        assert "serve with --profile current" in refused.stderr
        missing = recall_sim(
            "trigger", "recording.done", "--recording", "nope", "--base-url", region.base_url
        )
        assert (missing.returncode, missing.stderr.count("\n")) == (1, 1)
        assert "404" in missing.stderr
