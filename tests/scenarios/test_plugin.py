"""The pytest plugin, as a partner's suite uses it: test files run by pytester, with no conftest.

Most runs are in process (fast); one runs pytest in a subprocess, where only the `pytest11` entry point
can have loaded the plugin.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

# In-process runs put sys.modules back as they found it; modules that cannot be imported twice in one
# process (numpy's, which the region's processing uses) must be imported before the first run.
import recall_sim.scenarios.desktop
import recall_sim.scenarios.harness
import recall_sim.scenarios.scenario_runs
import recall_sim.scenarios.served  # noqa: F401

pytest_plugins = ["pytester"]

#: every run treats warnings as errors and unknown markers as typos, as a careful partner's suite does
STRICT = ("-p", "no:cacheprovider", "-W", "error", "--strict-markers")

PARTNER_TEST = """
import httpx
import pytest


async def test_a_recorded_meeting_reaches_the_backend(recall_region, recall_recorder, recall_webhooks):
    api = recall_region.client()
    sdk = recall_recorder.sdk
    uploads = []

    async def on_meeting_detected(evt):
        response = await api.post("/api/v1/sdk_upload/", json={"metadata": {"user": "u-1"}})
        assert response.status_code == 201, response.text
        uploads.append(response.json())
        await sdk.start_recording(evt["window"]["id"], response.json()["upload_token"])

    async def on_recording_ended(evt):
        await sdk.upload_recording(evt["window"]["id"])

    sdk.add_event_listener("meeting-detected", on_meeting_detected)
    sdk.add_event_listener("recording-ended", on_recording_ended)
    await sdk.init(api_url=recall_region.base_url)

    completed = await recall_webhooks.wait_for("sdk_upload.completed")
    [upload] = uploads
    assert completed["data"]["sdk_upload"]["id"] == upload["id"]
    assert all(d.verified for d in recall_webhooks.deliveries)
    assert recall_webhooks.events()[-1] == "sdk_upload.completed"

    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    link = recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]
    async with httpx.AsyncClient(transport=recall_region.transport()) as anonymous:
        video = await anonymous.get(link)
    assert video.status_code == 200
    assert video.content[4:8] == b"ftyp"
"""


def test_a_partner_test_file_records_a_meeting_and_receives_its_verified_webhooks(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_partner=PARTNER_TEST)
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("example", [0, 1], ids=["recorded-meeting", "own-svix-handler"])
def test_the_readme_examples_pass(pytester: pytest.Pytester, example: int) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## The pytest plugin", 1)[1].split("\n## ", 1)[0]
    examples = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(examples) == 2
    pytester.makepyfile(test_readme=examples[example])
    pytester.runpytest(*STRICT).assert_outcomes(passed=1)


def test_marker_options_reach_the_region_and_the_recorder(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.recall_region(seed=7, region="us-west-2")


        @pytest.mark.recall_region(profile="current", region="eu-central-1")
        @pytest.mark.recall_recorder(meeting="huddle", upload_mode="current")
        async def test_current(recall_region, recall_recorder, recall_webhooks):
            settings = recall_region.region.settings
            assert (settings.seed, settings.profile, settings.region) == (7, "current", "eu-central-1")
            assert recall_recorder.meeting.platform == "slack"
            recall_recorder.record_every_meeting()
            await recall_recorder.init()
            await recall_webhooks.wait_for("sdk_upload.complete")
            assert recall_webhooks.events()[0] == "sdk_upload.recording_started"
            [upload] = recall_recorder.uploads
            recording = (await recall_region.client().get(f"/api/v1/recording/{upload['recording_id']}/"))
            assert recording.json()["media_shortcuts"]["video_mixed"] is None  # audio only


        @pytest.mark.recall_webhooks(filter_types=["recording.done"])
        def test_a_sync_test_runs_coroutines_on_virtual_time(recall_region, recall_recorder, recall_webhooks):
            assert recall_region.region.settings.region == "us-west-2"

            async def main():
                recall_recorder.record_every_meeting()
                await recall_recorder.init()
                return await recall_webhooks.wait_for("recording.done")

            assert recall_region.run(main())["event"] == "recording.done"
            assert recall_webhooks.events() == ["recording.done"]
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=2)


def test_a_misspelt_or_mistyped_marker_option_fails_the_test_at_setup(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest


        @pytest.mark.recall_region(sed=3)
        async def test_misspelt(recall_region):
            pass


        @pytest.mark.recall_region(profile="curent")
        def test_wrong_value(recall_region):
            pass


        @pytest.mark.recall_webhooks(True)
        def test_positional(recall_webhooks):
            pass


        @pytest.mark.recall_recorder(transport="http://proxy.test")
        def test_not_a_transport(recall_recorder):
            pass
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.recall_region has no option 'sed' (did you mean 'seed'?); its options are seed,*",
            "*@pytest.mark.recall_region(profile='curent'): profile takes one of 'seed', 'current' or None*",
            "*@pytest.mark.recall_webhooks takes keyword options only, got (True,)*",
            "*transport takes an AsyncBaseTransport or a function or None*",
        ]
    )


def test_recall_seed_and_profile_are_the_defaults_markers_override(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest


        def test_defaults(recall_region, recall_scenario):
            settings = recall_region.region.settings
            print()
            print("KEY", settings.seed, settings.profile, recall_region.api_key)
            scenario = recall_scenario.scenario("happy-path")
            print("SCENARIO", scenario.seed, scenario.profile)


        @pytest.mark.recall_region(seed=9)
        def test_marked(recall_region):
            assert recall_region.region.settings.seed == 9


        def test_fails(recall_region):
            assert False
        """
    )
    first = pytester.runpytest(*STRICT, "-s", "--recall-seed", "5", "--recall-profile", "current")
    first.assert_outcomes(passed=2, failed=1)
    first.stdout.fnmatch_lines(
        [
            "recall-sim: --recall-seed 5 --recall-profile current",
            "KEY 5 current *",
            "SCENARIO 5 current",
            "region us-east-1, profile current, seed 5: run again with --recall-seed 5 --recall-profile *",
        ]
    )
    again = pytester.runpytest(*STRICT, "-s", "--recall-seed", "5", "--recall-profile", "current")
    key = [line for line in first.outlines if line.startswith("KEY")]
    assert key == [line for line in again.outlines if line.startswith("KEY")]
    other = pytester.runpytest(*STRICT, "-s", "--recall-seed", "6")
    assert [line for line in other.outlines if line.startswith("KEY")] != key


UNDELIVERED = """
import pytest


async def meeting_recorded(recall_recorder, recall_webhooks):
    recall_recorder.record_every_meeting()
    await recall_recorder.init()
    await recall_webhooks.wait_for("sdk_upload.completed")


async def test_ends_with_retries_pending(recall_recorder, recall_webhooks, recall_region):
    await meeting_recorded(recall_recorder, recall_webhooks)
    recall_webhooks.fail_next(1)
    await recall_region.client().delete(f"/api/v1/recording/{recall_recorder.uploads[0]['recording_id']}/")


@pytest.mark.recall_webhooks(allow_undelivered=True)
async def test_allowed(recall_recorder, recall_webhooks, recall_region):
    await meeting_recorded(recall_recorder, recall_webhooks)
    recall_webhooks.fail_next(1)
    await recall_region.client().delete(f"/api/v1/recording/{recall_recorder.uploads[0]['recording_id']}/")


async def test_waited_out(recall_recorder, recall_webhooks, recall_region):
    await meeting_recorded(recall_recorder, recall_webhooks)
    recall_webhooks.fail_next(3)
    await recall_region.client().delete(f"/api/v1/recording/{recall_recorder.uploads[0]['recording_id']}/")
    await recall_region.advance(3600)
    assert "recording.deleted" in recall_webhooks.events()
    assert [d.status for d in recall_webhooks.refused()] == [503, 503, 503]
"""


def test_undelivered_webhooks_fail_the_test_at_teardown_unless_allowed_or_waited_for(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_undelivered=UNDELIVERED)
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_ends_with_retries_pending*",
            "recall_webhooks: webhooks were still undelivered when the test ended:",
            "  - msg_* *.deleted: pending after 1 attempt(s), next at *",
            "Let time pass until they arrive*@pytest.mark.recall_webhooks(allow_undelivered=True).",
        ]
    )


def test_recall_scenario_runs_and_checks_scenarios_with_the_replay_command(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECALL_SIM_FAILURES", raising=False)  # failures go to the default folder
    pytester.makepyfile(
        """
        import pytest
        from recall_sim.scenarios.invariants import Violation


        @pytest.mark.recall_scenario(seed=3)
        def test_runs(recall_scenario):
            run = recall_scenario.check("happy-path")
            assert run.scenario.seed == 3
            assert recall_scenario.run("happy-path", seed=4).scenario.seed == 4


        def test_fails(recall_scenario, monkeypatch):
            made_up = [Violation("webhooks", "made up")]
            monkeypatch.setattr("recall_sim.scenarios.replay.check", lambda run: made_up)
            recall_scenario.check("happy-path")


        async def test_not_in_a_loop(recall_scenario, recall_clock):
            recall_scenario.run("happy-path")
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*scenario 'happy-path' broke 1 invariant(s):",
            "*  - webhooks: made up",
            "*Replay it with:",
            "*  recall-sim scenario run recall-sim-failures/happy-path.yaml",
            "*use it in a plain `def` test",
        ]
    )
    assert (pytester.path / "recall-sim-failures" / "happy-path.yaml").is_file()


def test_async_tests_with_in_process_fixtures_run_on_virtual_time_and_others_are_left_alone(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import pytest
        from recall_sim.seams import VirtualTimeEventLoop


        @pytest.mark.anyio
        async def test_taken_even_when_marked(recall_region, recall_clock):
            assert isinstance(asyncio.get_running_loop(), VirtualTimeEventLoop)
            before = recall_clock.timestamp()
            await asyncio.sleep(86400)
            assert recall_clock.timestamp() - before == 86400


        @pytest.mark.anyio
        async def test_left_to_anyio():
            assert not isinstance(asyncio.get_running_loop(), VirtualTimeEventLoop)
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=2)


@pytest.mark.served
def test_a_served_region_delivers_verified_webhooks_to_a_loopback_receiver(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest


        @pytest.mark.recall_served(profile="current")
        def test_served(recall_served, recall_webhooks):
            assert recall_served.base_url.startswith("http://127.0.0.1:")
            assert recall_served.webhook_secret.startswith("whsec_")
            upload = recall_served.client().post("/api/v1/sdk_upload/", json={}).json()
            started = httpx.post(
                f"{recall_served.base_url}/ingest/v1/recording/start",
                json={"platform": "zoom", "upload_mode": "current", "media_format": "mp4"},
                headers={"Authorization": f"UploadToken {upload['upload_token']}"},
            )
            assert started.status_code == 201, started.text
            body = recall_webhooks.wait_for_blocking("sdk_upload.recording_started")
            assert body["data"]["sdk_upload"]["id"] == upload["id"]
            assert recall_webhooks.url.startswith("http://127.0.0.1:")
            assert all(d.verified for d in recall_webhooks.deliveries)
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=1)


def test_the_entry_point_loads_the_plugin_in_a_fresh_process(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    pytester.makepyfile(test_partner=PARTNER_TEST)
    result = pytester.runpytest_subprocess(*STRICT, "--recall-seed", "3")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["recall-sim: --recall-seed 3", "plugins: *recall-sim-0.1.0*"])


# -- every marker option has an effect ---------------------------------------------------------------
#
# One partner test file per option of every marker. Each sets the option and checks what it changes,
# beside a test without it that sees the default, so a test here fails if its option stops having an
# effect; `test_every_marker_option_has_a_test_of_its_effect` fails when an option is added untested.

#: `short.json` beside each option's test file: a four-second meeting, for options that need media
_SHORT_MEETING = {
    "platform": "zoom",
    "duration": 4,
    "participants": [{"id": 1, "name": "Ada", "is_host": True, "is_local": True}],
    "utterances": [{"participant_id": 1, "words": [{"text": "hello", "start": 1.0, "end": 1.4}]}],
}

OPTION_HELPERS = '''
import json

import httpx
import pytest
from svix.webhooks import Webhook, WebhookVerificationError

from recall_sim.recorder.media import STANDARD
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.simulator import Region, Settings
from recall_sim.simulator.webhooks import verify

SECRET = "whsec_" + "b3B0aW9ucyBoYXZlIGVmZmVjdHM="


def key_of_seed(seed, profile="seed"):
    region = Region(Settings(seed=seed, profile=profile))
    try:
        return region.default_api_key.id
    finally:
        region.close()


async def pause_a_recording(recall_region):
    """recording.paused in both profiles (and sdk_upload.recording_started in current)."""
    api = recall_region.client()
    upload = (await api.post("/api/v1/sdk_upload/", json={})).json()
    token = {"Authorization": f"UploadToken {upload['upload_token']}"}
    started = await api.post("/ingest/v1/recording/start", json={"platform": "zoom"}, headers=token)
    assert started.status_code == 201, started.text
    assert (await api.post("/ingest/v1/recording/pause", headers=token)).status_code == 200


def pause_a_served_recording(recall_served):
    api = recall_served.client()
    upload = api.post("/api/v1/sdk_upload/", json={}).json()
    token = {"Authorization": f"UploadToken {upload['upload_token']}"}
    assert api.post("/ingest/v1/recording/start", json={"platform": "zoom"}, headers=token).status_code == 201
    assert api.post("/ingest/v1/recording/pause", headers=token).status_code == 200


class PartnerHandler:
    """A partner's own webhook handler: svix's verify, unmodified, on the machine's clock."""

    def __init__(self, secret):
        self.secret = secret
        self.outcomes = []
        self.requests = []

    async def __call__(self, scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append((headers, body))
        try:
            Webhook(self.secret).verify(body, headers)
            self.outcomes.append("ok")
            status = 200
        except WebhookVerificationError as error:
            self.outcomes.append(str(error))
            status = 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class FailsFirst(httpx.AsyncBaseTransport):
    """A network that drops the SDK's first `n` upload requests, then carries them to the region."""

    def __init__(self, n, inner):
        self.n, self.inner = n, inner

    async def handle_async_request(self, request):
        if self.n > 0 and request.url.path.startswith("/ingest/v1/files"):
            self.n -= 1
            raise httpx.ConnectError("dropped on purpose", request=request)
        return await self.inner.handle_async_request(request)


async def permission_statuses(recall_recorder):
    await recall_recorder.init(acquire_permissions_on_startup=["screen-capture", "microphone"])
    await recall_recorder.sdk.settle()
    return [(p["permission"], p["status"]) for p in recall_recorder.of("permission-status")]


async def recorded(recall_region, recall_recorder, recall_webhooks):
    recall_recorder.record_every_meeting()
    await recall_recorder.init()
    await recall_webhooks.wait_for("recording.done")
    [upload] = recall_recorder.uploads
    api = recall_region.client()
    return (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
'''

OPTION_TESTS: dict[tuple[str, str], str] = {
    ("recall_region", "seed"): """
@pytest.mark.recall_region(seed=7)
def test_with(recall_region):
    assert recall_region.api_key == key_of_seed(7) != key_of_seed(8)


def test_without(recall_region):
    assert recall_region.api_key == key_of_seed(1)
""",
    ("recall_region", "profile"): """
@pytest.mark.recall_region(profile="current")
async def test_with(recall_region, recall_webhooks):
    await pause_a_recording(recall_region)
    await recall_webhooks.wait_for("recording.paused")
    assert recall_webhooks.events() == ["sdk_upload.recording_started", "recording.paused"]


async def test_without(recall_region, recall_webhooks):
    await pause_a_recording(recall_region)
    await recall_webhooks.wait_for("recording.paused")
    assert recall_webhooks.events() == ["recording.paused"]
""",
    ("recall_region", "region"): """
@pytest.mark.recall_region(region="eu-central-1")
async def test_with(recall_region):
    [workspace] = (await recall_region.client().get("/_simulator/workspaces")).json()
    assert workspace["region"] == "eu-central-1"


async def test_without(recall_region):
    [workspace] = (await recall_region.client().get("/_simulator/workspaces")).json()
    assert workspace["region"] == "us-east-1"
""",
    ("recall_region", "delays"): """
def processing_time(recall_webhooks):
    at = {d.event: d.at for d in recall_webhooks.deliveries}
    return at["recording.done"] - at["recording.processing"]


@pytest.mark.recall_region(delays="realistic")
@pytest.mark.recall_recorder(meeting="short.json")
async def test_with(recall_region, recall_recorder, recall_webhooks):
    await recorded(recall_region, recall_recorder, recall_webhooks)
    assert processing_time(recall_webhooks) > 5


@pytest.mark.recall_recorder(meeting="short.json")
async def test_without(recall_region, recall_recorder, recall_webhooks):
    await recorded(recall_region, recall_recorder, recall_webhooks)
    assert processing_time(recall_webhooks) < 1
""",
    ("recall_region", "rate_limits"): """
async def statuses(recall_region):
    api = recall_region.client()
    return {(await api.get("/api/v1/sdk_upload/")).status_code for _ in range(61)}


@pytest.mark.recall_region(rate_limits=False)
async def test_with(recall_region):
    assert await statuses(recall_region) == {200}


async def test_without(recall_region):
    assert await statuses(recall_region) == {200, 429}
""",
    ("recall_region", "api_key"): """
@pytest.mark.recall_region(api_key="partner-fixed-key")
async def test_with(recall_region):
    assert recall_region.api_key == "partner-fixed-key"
    api = recall_region.client(api_key=None, Authorization="Token partner-fixed-key")
    assert (await api.get("/api/v1/sdk_upload/")).status_code == 200


async def test_without(recall_region):
    api = recall_region.client(api_key=None, Authorization="Token partner-fixed-key")
    assert (await api.get("/api/v1/sdk_upload/")).status_code == 401
""",
    ("recall_region", "webhook_secret"): """
async def signed_with(recall_region, recall_clock):
    handler = PartnerHandler(SECRET)
    recall_region.mount("partner.test", handler)
    recall_region.add_endpoint("http://partner.test/hooks")
    await pause_a_recording(recall_region)
    await recall_region.settle()
    [(headers, body)] = handler.requests
    try:
        verify(SECRET, headers, body, now=recall_clock.timestamp())
        return True
    except Exception:
        return False


@pytest.mark.recall_region(webhook_secret=SECRET)
async def test_with(recall_region, recall_clock):
    assert recall_region.webhook_secret == SECRET
    assert await signed_with(recall_region, recall_clock)


async def test_without(recall_region, recall_clock):
    assert not await signed_with(recall_region, recall_clock)
""",
    ("recall_region", "webhook_jitter"): """
async def retry_delay(recall_region, recall_webhooks):
    recall_webhooks.fail_next(1)
    await pause_a_recording(recall_region)
    await recall_webhooks.wait_for("recording.paused")
    first, second = recall_webhooks.deliveries
    return second.at - first.at


@pytest.mark.recall_region(webhook_jitter=0)
async def test_with(recall_region, recall_webhooks):
    assert await retry_delay(recall_region, recall_webhooks) == 5.0


async def test_without(recall_region, recall_webhooks):
    delay = await retry_delay(recall_region, recall_webhooks)
    assert 4.0 <= delay <= 6.0
    assert delay != 5.0
""",
    ("recall_region", "signature_time"): """
async def partner_outcomes(recall_region):
    handler = PartnerHandler(recall_region.webhook_secret)
    recall_region.mount("partner.test", handler)
    recall_region.add_endpoint("http://partner.test/hooks")
    await pause_a_recording(recall_region)
    await recall_region.settle()
    return handler.outcomes


@pytest.mark.recall_region(signature_time="real", profile="current")
async def test_with(recall_region, recall_webhooks):
    await recall_region.advance(86400)  # a day of virtual time changes nothing
    assert await partner_outcomes(recall_region) == ["ok", "ok"]  # webhook-* headers
    await recall_webhooks.wait_for("recording.paused")
    assert all(d.verified for d in recall_webhooks.deliveries)


@pytest.mark.recall_region(signature_time="real")
async def test_with_svix_headers(recall_region):
    await recall_region.advance(86400)
    assert await partner_outcomes(recall_region) == ["ok"]


async def test_without(recall_region):
    assert await partner_outcomes(recall_region) == ["Message timestamp too old"]
""",
    ("recall_served", "seed"): """
@pytest.mark.recall_served(seed=7)
def test_with(recall_served):
    assert recall_served.api_key == key_of_seed(7) != key_of_seed(8)
""",
    ("recall_served", "profile"): """
@pytest.mark.recall_served(profile="current")
def test_with(recall_served, recall_webhooks):
    pause_a_served_recording(recall_served)
    recall_webhooks.wait_for_blocking("recording.paused")
    assert recall_webhooks.events() == ["sdk_upload.recording_started", "recording.paused"]
""",
    ("recall_served", "region"): """
@pytest.mark.recall_served(region="ap-northeast-1")
def test_with(recall_served):
    [workspace] = recall_served.client().get("/_simulator/workspaces").json()
    assert workspace["region"] == "ap-northeast-1"
""",
    ("recall_served", "delays"): """
@pytest.mark.recall_served(delays="realistic")
def test_with(recall_served):
    assert recall_served.region.settings.status_delays.processing_start > 0


def test_without(recall_served):
    assert recall_served.region.settings.status_delays.processing_start == 0
""",
    ("recall_served", "rate_limits"): """
@pytest.mark.recall_served(rate_limits=False)
def test_with(recall_served):
    api = recall_served.client()
    assert {api.get("/api/v1/sdk_upload/").status_code for _ in range(61)} == {200}


def test_without(recall_served):
    api = recall_served.client()
    assert {api.get("/api/v1/sdk_upload/").status_code for _ in range(61)} == {200, 429}
""",
    ("recall_served", "api_key"): """
@pytest.mark.recall_served(api_key="partner-fixed-key")
def test_with(recall_served):
    api = recall_served.client(api_key="partner-fixed-key")
    assert api.get("/api/v1/sdk_upload/").status_code == 200
""",
    ("recall_served", "webhook_secret"): """
@pytest.mark.recall_served(webhook_secret=SECRET)
def test_with(recall_served, recall_webhooks):
    assert recall_served.endpoint_secret(recall_webhooks.endpoint_id) == SECRET
    pause_a_served_recording(recall_served)
    recall_webhooks.wait_for_blocking("recording.paused")
""",
    ("recall_served", "webhook_jitter"): """
@pytest.mark.recall_served(webhook_jitter=0)
def test_with(recall_served):
    assert recall_served.region.settings.webhooks.jitter == 0


def test_without(recall_served):
    assert recall_served.region.settings.webhooks.jitter == 0.2
""",
    ("recall_served", "signature_time"): """
from recall_sim.scenarios.served import serve_app


def partner_outcomes_after_a_day(recall_served):
    handler = PartnerHandler(recall_served.webhook_secret)
    with serve_app(handler) as url:
        recall_served.add_endpoint(f"{url}/hooks")
        recall_served.advance(86400)
        pause_a_served_recording(recall_served)
        for _ in range(200):
            if handler.outcomes:
                return handler.outcomes[:1]
            import threading
            threading.Event().wait(0.05)
    raise AssertionError("no delivery")


@pytest.mark.recall_served(signature_time="region")
def test_with(recall_served):
    assert partner_outcomes_after_a_day(recall_served) == ["Message timestamp too new"]


def test_without(recall_served):
    assert partner_outcomes_after_a_day(recall_served) == ["ok"]
""",
    ("recall_served", "time_scale"): """
def simulated_seconds_in_a_tenth(recall_served):
    clock = recall_served.client()
    before = clock.get("/_simulator/clock").json()["timestamp"]
    import threading
    threading.Event().wait(0.1)
    return clock.get("/_simulator/clock").json()["timestamp"] - before


@pytest.mark.recall_served(time_scale=3600)
def test_with(recall_served):
    assert simulated_seconds_in_a_tenth(recall_served) > 300


def test_without(recall_served):
    assert simulated_seconds_in_a_tenth(recall_served) < 5
""",
    ("recall_recorder", "meeting"): """
import asyncio


async def detected(recall_recorder):
    await recall_recorder.init()
    await asyncio.sleep(5)
    return [d["window"]["platform"] for d in recall_recorder.of("meeting-detected")]


@pytest.mark.recall_recorder(meeting="huddle")
async def test_with(recall_recorder):
    assert await detected(recall_recorder) == ["slack"]


@pytest.mark.recall_recorder(meeting=None)
async def test_none(recall_recorder):
    assert await detected(recall_recorder) == []


async def test_without(recall_recorder):
    assert await detected(recall_recorder) == ["zoom"]


@pytest.mark.recall_recorder(meeting=MeetingScript(platform="teams", duration=30.0))
async def test_a_script(recall_recorder):
    assert await detected(recall_recorder) == ["teams"]
""",
    ("recall_recorder", "meetings"): """
import asyncio


async def detected(recall_recorder):
    await recall_recorder.init()
    await asyncio.sleep(5)
    return [d["window"]["platform"] for d in recall_recorder.of("meeting-detected")]


@pytest.mark.recall_recorder(meetings=["huddle", MeetingScript(platform="teams", duration=30.0)])
async def test_with(recall_recorder):
    assert await detected(recall_recorder) == ["slack", "teams"]
    assert len(set(recall_recorder.window_ids())) == 2


@pytest.mark.recall_recorder(meetings=[])
async def test_none(recall_recorder):
    assert await detected(recall_recorder) == []


async def test_without(recall_recorder):
    assert await detected(recall_recorder) == ["zoom"]


@pytest.mark.recall_recorder(meetings=["huddle", "standup"], desktop_audio=True)
def test_desktop_audio_plays_one(recall_recorder):
    pass
""",
    ("recall_recorder", "upload_mode"): """
@pytest.mark.recall_recorder(upload_mode="current", meeting="short.json")
async def test_with(recall_region, recall_recorder, recall_webhooks):
    await recorded(recall_region, recall_recorder, recall_webhooks)
    assert recall_recorder.of("upload-progress") == []


@pytest.mark.recall_recorder(meeting="short.json")
async def test_without(recall_region, recall_recorder, recall_webhooks):
    await recorded(recall_region, recall_recorder, recall_webhooks)
    assert recall_recorder.of("upload-progress")[-1]["progress"] == 100
""",
    ("recall_recorder", "media"): """
import av, io


async def video_width(recall_region, recall_recorder, recall_webhooks):
    recording = await recorded(recall_region, recall_recorder, recall_webhooks)
    url = recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]
    video = (await recall_region.client().get(url)).content
    with av.open(io.BytesIO(video)) as container:
        return container.streams.video[0].width


@pytest.mark.recall_recorder(media="standard", meeting="short.json")
async def test_with(recall_region, recall_recorder, recall_webhooks):
    assert await video_width(recall_region, recall_recorder, recall_webhooks) == 640


@pytest.mark.recall_recorder(meeting="short.json")
async def test_without(recall_region, recall_recorder, recall_webhooks):
    assert await video_width(recall_region, recall_recorder, recall_webhooks) == 96


@pytest.mark.recall_recorder(media=STANDARD, meeting="short.json")
async def test_a_profile(recall_region, recall_recorder, recall_webhooks):
    assert await video_width(recall_region, recall_recorder, recall_webhooks) == 640
""",
    ("recall_recorder", "desktop_audio"): """
@pytest.mark.recall_recorder(desktop_audio=True, meeting="short.json")
async def test_with(recall_region, recall_recorder, recall_webhooks):
    recording = await recorded(recall_region, recall_recorder, recall_webhooks)
    assert recall_recorder.of("meeting-detected") == []
    [started] = recall_recorder.of("recording-started")
    assert recall_recorder.desktop.window(started["window"]["id"]).desktop_audio
    assert recording["media_shortcuts"]["video_mixed"] is None
    assert recording["media_shortcuts"]["audio_mixed"]["data"]["download_url"]


@pytest.mark.recall_recorder(meeting="short.json")
async def test_without(recall_region, recall_recorder, recall_webhooks):
    recording = await recorded(recall_region, recall_recorder, recall_webhooks)
    assert recall_recorder.of("meeting-detected")
    assert recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]


@pytest.mark.recall_recorder(desktop_audio=True, meeting=None)
def test_needs_a_meeting(recall_recorder):
    pass
""",
    ("recall_recorder", "transport"): """
@pytest.mark.recall_recorder(meeting="short.json", transport=lambda region: FailsFirst(2, region))
async def test_with(recall_region, recall_recorder, recall_webhooks):
    recording = await recorded(recall_region, recall_recorder, recall_webhooks)
    assert recall_recorder.of("network-status") == [{"status": "disconnected"}, {"status": "reconnected"}]
    assert recording["status"]["code"] == "done"


@pytest.mark.recall_recorder(meeting="short.json")
async def test_without(recall_region, recall_recorder, recall_webhooks):
    await recorded(recall_region, recall_recorder, recall_webhooks)
    assert recall_recorder.of("network-status") == []
""",
    ("recall_recorder", "retry"): """
from recall_sim.recorder.retry import RetryPolicy


async def outage(recall_region, recall_recorder, recall_webhooks):
    await recorded(recall_region, recall_recorder, recall_webhooks)
    down, up = recall_recorder.at("network-status")
    return up - down


@pytest.mark.recall_recorder(
    meeting="short.json",
    transport=lambda region: FailsFirst(3, region),
    retry=RetryPolicy(initial=10, multiplier=1, jitter=0),
)
async def test_with(recall_region, recall_recorder, recall_webhooks):
    assert await outage(recall_region, recall_recorder, recall_webhooks) == 30


@pytest.mark.recall_recorder(meeting="short.json", transport=lambda region: FailsFirst(3, region))
async def test_without(recall_region, recall_recorder, recall_webhooks):
    assert await outage(recall_region, recall_recorder, recall_webhooks) < 10  # 1 + 2 + 4 s, jittered
""",
    ("recall_recorder", "granted"): """
PERMISSIONS = ["accessibility", "screen-capture", "microphone", "system-audio"]


@pytest.mark.recall_recorder(meeting=None, granted=["microphone"])
def test_with(recall_recorder):
    assert [p for p in PERMISSIONS if recall_recorder.desktop.has_permission(p)] == ["microphone"]


def test_without(recall_recorder):
    assert [p for p in PERMISSIONS if recall_recorder.desktop.has_permission(p)] == PERMISSIONS
""",
    ("recall_recorder", "grant_on_request"): """
@pytest.mark.recall_recorder(meeting=None, granted=[], grant_on_request=False)
async def test_with(recall_recorder):
    statuses = await permission_statuses(recall_recorder)
    assert statuses == [("screen-capture", "denied"), ("microphone", "denied")]


@pytest.mark.recall_recorder(meeting=None, granted=[])
async def test_without(recall_recorder):
    statuses = await permission_statuses(recall_recorder)
    assert statuses == [("screen-capture", "granted"), ("microphone", "granted")]
""",
    ("recall_recorder", "devices"): """
from recall_sim.recorder.desktop import AudioDevice


async def device_ids(recall_recorder):
    await recall_recorder.init()
    return [d["id"] for d in await recall_recorder.sdk.list_devices()]


@pytest.mark.recall_recorder(meeting=None, devices=[AudioDevice("usb-mic", "USB Microphone", "input")])
async def test_with(recall_recorder):
    assert await device_ids(recall_recorder) == ["usb-mic"]


async def test_without(recall_recorder):
    assert await device_ids(recall_recorder) == ["builtin-microphone", "builtin-speakers"]
""",
    ("recall_webhooks", "allow_undelivered"): """
async def leave_a_retry_pending(recall_region, recall_webhooks):
    recall_webhooks.fail_next(1)
    await pause_a_recording(recall_region)
    await recall_region.settle()


@pytest.mark.recall_webhooks(allow_undelivered=True)
async def test_with(recall_region, recall_webhooks):
    await leave_a_retry_pending(recall_region, recall_webhooks)


async def test_without(recall_region, recall_webhooks):
    await leave_a_retry_pending(recall_region, recall_webhooks)
""",
    ("recall_webhooks", "filter_types"): """
@pytest.mark.recall_region(profile="current")
@pytest.mark.recall_webhooks(filter_types=["recording.paused"])
async def test_with(recall_region, recall_webhooks):
    await pause_a_recording(recall_region)
    await recall_webhooks.wait_for("recording.paused")
    assert recall_webhooks.events() == ["recording.paused"]


@pytest.mark.recall_region(profile="current")
async def test_without(recall_region, recall_webhooks):
    await pause_a_recording(recall_region)
    await recall_webhooks.wait_for("recording.paused")
    assert recall_webhooks.events() == ["sdk_upload.recording_started", "recording.paused"]
""",
    ("recall_scenario", "seed"): """
@pytest.mark.recall_scenario(seed=31)
def test_with(recall_scenario):
    assert recall_scenario.scenario("happy-path").seed == 31


def test_without(recall_scenario):
    assert recall_scenario.scenario("happy-path").seed == 1  # the scenario's own
""",
    ("recall_scenario", "profile"): """
@pytest.mark.recall_scenario(profile="current", seed=2)
def test_with(recall_scenario):
    run = recall_scenario.run("happy-path")
    assert run.scenario.profile == "current"
    assert "sdk_upload.complete" in [m["event_type"] for m in run.messages]
""",
}

#: what each option's file must end with: every test passed, or (where the default fails the test) which
OPTION_OUTCOMES: dict[tuple[str, str], dict[str, int]] = {
    ("recall_webhooks", "allow_undelivered"): {"passed": 2, "errors": 1},
    ("recall_recorder", "desktop_audio"): {"passed": 2, "errors": 1},
    ("recall_recorder", "meetings"): {"passed": 3, "errors": 1},
}


#: what those failures must say
OPTION_MESSAGES: dict[tuple[str, str], str] = {
    ("recall_webhooks", "allow_undelivered"): "*ERROR at teardown of test_without*",
    (
        "recall_recorder",
        "desktop_audio",
    ): "*desktop_audio=True plays the meeting as desktop audio: name a meeting*",
    (
        "recall_recorder",
        "meetings",
    ): "*desktop_audio=True plays one meeting as desktop audio: name one, not 2*",
}


def _marker_options() -> set[tuple[str, str]]:
    from recall_sim.scenarios.options import (
        RecorderOptions,
        RegionOptions,
        ScenarioOptions,
        ServedOptions,
        WebhookOptions,
    )

    markers = {
        "recall_region": RegionOptions,
        "recall_served": ServedOptions,
        "recall_recorder": RecorderOptions,
        "recall_webhooks": WebhookOptions,
        "recall_scenario": ScenarioOptions,
    }
    return {(marker, f.name) for marker, cls in markers.items() for f in dataclasses.fields(cls)}


def test_every_marker_option_has_a_test_of_its_effect() -> None:
    assert set(OPTION_TESTS) == _marker_options()


@pytest.mark.parametrize(
    ("marker", "option"),
    [
        pytest.param(*key, id=".".join(key), marks=[pytest.mark.served] if key[0] == "recall_served" else [])
        for key in sorted(OPTION_TESTS)
    ],
)
def test_a_marker_option_has_its_effect(pytester: pytest.Pytester, marker: str, option: str) -> None:
    source = OPTION_TESTS[marker, option]
    pytester.makefile(".json", short=json.dumps(_SHORT_MEETING))
    pytester.makepyfile(test_option=OPTION_HELPERS + source)
    result = pytester.runpytest(*STRICT)
    tests = source.count("\ndef test_") + source.count("\nasync def test_")
    result.assert_outcomes(**OPTION_OUTCOMES.get((marker, option), {"passed": tests}))
    if (marker, option) in OPTION_MESSAGES:
        result.stdout.fnmatch_lines([OPTION_MESSAGES[marker, option]])
