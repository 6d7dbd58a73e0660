"""The dashboard in a real browser (Debian's Chromium, headless, through Playwright) against a served
region: a recorded meeting played back beside its transcript, a failed webhook attempt resent, the clock
advanced and a fault added from the page, each checked through the API.

Playwright's sync API runs an event loop of its own, so these tests are plain functions and the region
is served on its own thread. `RECALL_SIM_SCREENSHOTS=docs/screenshots` writes the README's screenshots.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from typer.testing import CliRunner

from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.served import serve_app
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served
from recall_sim.simulator.settings import WebhookSettings
from tests.simulator.dashboard.browser import chromium_page, screenshot

pytestmark = pytest.mark.served

MEETING_SECONDS = 8.0
MEETING = {
    "platform": "zoom",
    "duration": MEETING_SECONDS,
    "title": "Launch review",
    "participants": [
        {"id": 100, "name": "Ada Lovelace", "is_host": True, "is_local": True},
        {"id": 200, "name": "Grace Hopper"},
    ],
    "utterances": [
        {
            "participant_id": 100,
            "words": [
                {"text": "are", "start": 3.0, "end": 3.2},
                {"text": "we", "start": 3.3, "end": 3.4},
                {"text": "ready", "start": 3.5, "end": 3.9},
            ],
        },
        {
            "participant_id": 200,
            "words": [
                {"text": "ship", "start": 4.7, "end": 5.0},
                {"text": "it", "start": 5.1, "end": 5.3},
            ],
        },
        {"participant_id": 100, "words": [{"text": "done", "start": 6.1, "end": 6.5}]},
    ],
}


def _wait(check: Any, what: str, tries: int = 400) -> Any:
    for _ in range(tries):
        found = check()
        if found:
            return found
        threading.Event().wait(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_recorded_meeting_plays_beside_its_transcript(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    meeting = tmp_path / "launch.yaml"
    meeting.write_text(yaml.safe_dump(MEETING))
    with served(Settings(seed=19, data_dir=tmp_path / "data")) as region, chromium_page() as page:
        # The command a partner types, as a process of its own.
        recorded = subprocess.run(
            [
                *(sys.executable, "-c", "from recall_sim.scenarios.cli import main; main()", "record"),
                *("--base-url", region.base_url, "--api-key", region.api_key),
                *("--meeting", str(meeting), "--time-scale", "2", "--seed", "7", "--json"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert recorded.returncode == 0, recorded.stdout + recorded.stderr
        api = httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"})
        request.addfinalizer(api.close)
        [upload] = api.get("/api/v1/sdk_upload/").json()["results"]
        path = f"/api/v1/recording/{upload['recording_id']}/"
        _wait(lambda: api.get(path).json()["status"]["code"] == "done", "the recording to be done")
        # The meeting as the SDK recorded it (it starts once the app has its upload token, a little after
        # the meeting does): the duration the recorder declared when it ended the recording.
        token = region.region.upload_tokens.tokens.get(upload["upload_token"])
        assert token is not None
        meeting_seconds = float(token.session["duration"])
        # (The words start 3 s in, so a slow token round trip on a busy machine cuts none.)
        assert 3.0 < meeting_seconds <= MEETING_SECONDS
        made = api.post(f"{path}create_transcript/", json={"provider": {"recallai_async": {}}})
        assert made.status_code == 200, made.text

        def transcript_url() -> str | None:
            shortcut = api.get(path).json()["media_shortcuts"]["transcript"]
            done = shortcut and shortcut["status"]["code"] == "done"
            return shortcut["data"]["download_url"] if done else None

        download = httpx.get(_wait(transcript_url, "the transcript")).json()
        expected = [(e["participant"]["name"], " ".join(w["text"] for w in e["words"])) for e in download]
        assert len(expected) == 3

        page.goto(region.base_url + "/")
        expect(page).to_have_url(region.base_url + "/_simulator/")
        expect(page.locator("#feed")).to_contain_text("transcript.done")
        screenshot(page, "overview", tmp_path)
        page.get_by_role("link", name="Uploads").click()
        page.get_by_placeholder("upload, recording or workspace id").fill(upload["id"])
        page.get_by_role("button", name="Filter").click()
        row = page.locator(f'tr[data-upload="{upload["id"]}"]')
        expect(page.locator("#uploads tr")).to_have_count(1)
        row.locator("a.recording-link").click()
        expect(page).to_have_url(f"{region.base_url}/_simulator/ui/recordings/{upload['recording_id']}")

        # The recorder's MP4 is fragmented with an empty moov: it states no duration up front, and the
        # browser learns it fragment by fragment. Played through (muted, fast), the element knows it all.
        page.wait_for_function("() => document.getElementById('media')?.readyState >= 3")
        page.evaluate(
            "() => { const m = document.getElementById('media'); m.muted = true; m.playbackRate = 8;"
            " return m.play() }"
        )
        page.wait_for_function("() => document.getElementById('media').ended", timeout=30_000)
        duration = page.evaluate("document.getElementById('media').duration")
        expect(page.locator("#media-duration")).to_have_text(f"{duration:.2f} s")
        assert page.evaluate("document.getElementById('media').tagName") == "VIDEO"
        assert abs(duration - meeting_seconds) <= 0.5, (duration, meeting_seconds)
        lines = page.locator("#transcript .line")
        shown = [
            (lines.nth(i).locator(".speaker").inner_text(), lines.nth(i).locator(".text").inner_text())
            for i in range(lines.count())
        ]
        assert shown == expected
        expect(page.locator(".meta")).to_contain_text(f"recorded duration{meeting_seconds:.2f} s")

        # A line seeks the player to where it was said (in the recording's time, which the download's
        # relative timestamps count in) and plays from there.
        said = download[1]["words"][0]["start_timestamp"]["relative"]
        page.evaluate("document.getElementById('media').playbackRate = 1")
        lines.nth(1).click()
        page.wait_for_function(
            f"() => {{ const m = document.getElementById('media');"
            f" return !m.paused && m.currentTime >= {said} && m.currentTime < {said} + 1 }}"
        )
        page.evaluate("document.getElementById('media').pause()")
        screenshot(page, "recording", tmp_path)

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Delete recording").click()
        expect(page.locator(".subtitle .status").first).to_have_text("deleted")
        assert api.get(path).status_code == 404


def _failing_once_receiver(seen: list[int]) -> Starlette:
    """A partner's handler that crashes on its first delivery and accepts every one after it."""

    async def hook(request: Request) -> PlainTextResponse:
        await request.body()
        seen.append(len(seen))
        if len(seen) == 1:
            return PlainTextResponse("handler crashed: KeyError 'recording'", status_code=500)
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/hooks/recall", hook, methods=["POST"])])


def test_a_failed_attempt_is_shown_and_resent_from_the_page(tmp_path: Path) -> None:
    seen: list[int] = []
    # No automatic retry within the test: the only new attempt is the one the page asks for.
    settings = Settings(seed=23, webhooks=WebhookSettings(retry_schedule=(3600.0,)))
    with (
        served(settings) as region,
        serve_app(_failing_once_receiver(seen)) as receiver,
        chromium_page() as page,
    ):
        control = httpx.Client(base_url=f"{region.base_url}/_simulator")
        api = httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"})
        with control, api:
            endpoint = control.post("/webhooks/endpoints", json={"url": f"{receiver}/hooks/recall"}).json()
            upload = api.post("/api/v1/sdk_upload/").json()
            # The desktop app starts and pauses its recording: `recording.paused` goes to the receiver.
            ingest = {"Authorization": f"UploadToken {upload['upload_token']}"}
            for step, body in (("start", {"platform": "zoom", "title": "Webhooks"}), ("pause", None)):
                answer = api.post(f"/ingest/v1/recording/{step}", json=body, headers=ingest)
                assert answer.is_success, answer.text
            _check_resend(page, region.base_url, control, endpoint["id"], tmp_path)


def _check_resend(page: Page, base_url: str, control: httpx.Client, endpoint_id: str, tmp_path: Path) -> None:
    def failed() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = control.get(
            f"/webhooks/endpoints/{endpoint_id}/attempts", params={"status": "failed"}
        ).json()
        return found

    [attempt] = _wait(failed, "the first attempt to fail")
    page.goto(f"{base_url}/_simulator/ui/webhooks")
    page.locator(f'#messages a:has-text("{attempt["message_id"]}")').click()
    shown = page.locator(f'article[data-attempt="{attempt["id"]}"]')
    expect(shown).to_have_attribute("data-outcome", "failed")
    expect(shown.get_by_test_id("status-code")).to_have_text("500")
    expect(shown.get_by_test_id("response-body")).to_have_text("handler crashed: KeyError 'recording'")
    expect(shown.locator("table.headers")).to_contain_text("-signature")
    screenshot(page, "webhook-attempt", tmp_path)

    page.evaluate("window.loadedOnce = true")  # gone if the page reloads
    page.get_by_role("button", name="Resend").click()
    expect(page.locator("article.attempt")).to_have_count(2)
    newest = page.locator("article.attempt").first
    expect(newest).to_have_attribute("data-outcome", "success")
    expect(newest.get_by_test_id("status-code")).to_have_text("200")
    expect(newest).to_contain_text("manual")
    assert page.evaluate("window.loadedOnce") is True
    attempts = control.get(f"/webhooks/messages/{attempt['message_id']}/attempts").json()
    assert [(a["trigger"], a["outcome"], a["status_code"]) for a in attempts] == [
        ("scheduled", "failed", 500),
        ("manual", "success", 200),
    ]

    # The endpoint is disabled and enabled again from the webhooks page.
    page.get_by_role("link", name="all messages").click()
    row = page.locator(f'#endpoints tr[data-endpoint="{endpoint_id}"]')
    row.get_by_role("button", name="Disable").click()
    expect(row).to_contain_text("disabled manual")
    assert control.get(f"/webhooks/endpoints/{endpoint_id}").json()["disabled"] is True
    row.get_by_role("button", name="Enable").click()
    expect(row).to_contain_text("enabled")
    assert control.get(f"/webhooks/endpoints/{endpoint_id}").json()["disabled"] is False
    row.locator("input.filter-types").fill("recording.done, recording.failed")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#notice")).to_contain_text(
        f"PATCH /_simulator/webhooks/endpoints/{endpoint_id}: 200"
    )
    filtered = control.get(f"/webhooks/endpoints/{endpoint_id}").json()["filter_types"]
    assert filtered == ["recording.done", "recording.failed"]


def test_the_clock_and_faults_are_driven_from_the_page(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with served(Settings(seed=29)) as region, chromium_page() as page:
        api = httpx.Client(base_url=region.base_url, headers={"Authorization": f"Token {region.api_key}"})
        request.addfinalizer(api.close)
        upload = api.post("/api/v1/sdk_upload/").json()
        page.goto(f"{region.base_url}/_simulator/")
        before = page.get_by_test_id("clock-now").inner_text()
        key = region.api_key
        expect(page.locator(f'button[data-copy="{key}"]')).to_have_text(f"{key[:6]}…{key[-4:]}")
        # The page follows the region without a reload: a new upload shows up in the counts.
        counts = page.locator('[data-live="counts"] tr', has_text="sdk uploads")
        expect(counts).to_contain_text("pending 1")
        page.evaluate("window.loadedOnce = true")
        api.post("/api/v1/sdk_upload/")
        expect(counts).to_contain_text("pending 2")
        assert page.evaluate("window.loadedOnce") is True

        page.get_by_role("button", name="+1 day").click()
        expect(page.get_by_test_id("clock-now")).not_to_have_text(before)
        start = api.post(
            "/ingest/v1/recording/start",
            json={"platform": "zoom"},
            headers={"Authorization": f"UploadToken {upload['upload_token']}"},
        )
        assert (start.status_code, start.json()) == (401, {"detail": "Upload token has expired."})

        page.get_by_role("link", name="Faults").click()
        page.get_by_label("Route").fill("/api/v1/sdk_upload/*")
        page.get_by_label("Methods").fill("get")
        page.get_by_label("Status").fill("503")
        page.get_by_label("Count").fill("1")
        page.get_by_label("Body (JSON)").fill(json.dumps({"detail": "Down for maintenance."}))
        page.get_by_role("button", name="Add fault").click()
        expect(page.locator("#faults tr[data-fault]")).to_have_count(1)
        faulted = api.get("/api/v1/sdk_upload/")
        assert (faulted.status_code, faulted.json()) == (503, {"detail": "Down for maintenance."})
        assert api.get("/api/v1/sdk_upload/").status_code == 200  # count 1: spent
        assert api.post("/api/v1/sdk_upload/").status_code == 201  # GET only

        expect(page.locator("#faults tr[data-fault]")).to_contain_text("1 / 1")
        page.get_by_role("button", name="Remove").click()
        expect(page.locator("#faults tr[data-fault]")).to_have_count(0)
        assert httpx.get(f"{region.base_url}/_simulator/faults").json() == []


def test_a_scenario_trace_opens_as_a_timeline_with_its_verdict(tmp_path: Path) -> None:
    trace = tmp_path / "pause.jsonl"
    ran = CliRunner().invoke(build_app(), ["scenario", "run", "pause", "--trace", str(trace)])
    assert ran.exit_code == 0, ran.output
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    with served(Settings(seed=31)) as region, chromium_page() as page:
        page.goto(f"{region.base_url}/_simulator/ui/runs")
        page.locator("#trace-file").set_input_files(str(trace))
        expect(page.locator("#run-title")).to_contain_text("pause · seed")
        expect(page.locator("#run-verdict")).to_have_text("every invariant holds")
        expect(page.locator("#run-records tr")).to_have_count(len(records))
        # One mark per record on the lanes, SDK events on the SDK lane.
        expect(page.locator("#run-axis .mark")).to_have_count(len(records))
        sdk = sum(r["kind"] in ("sdk_event", "app_error") for r in records)
        assert sdk > 0
        expect(page.locator("#run-axis .mark.lane-sdk")).to_have_count(sdk)
        screenshot(page, "scenario-run", tmp_path, full_page=False)
