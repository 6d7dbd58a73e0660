"""The pytest plugin, as a partner's suite uses it: test files run by pytester, with no conftest.

Most runs are in process (fast); one runs pytest in a subprocess, where only the `pytest11` entry point
can have loaded the plugin.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# In-process runs put sys.modules back as they found it; modules that cannot be imported twice in one
# process (numpy's, which the region's processing uses) must be imported before the first run.
import scenarios.desktop
import scenarios.harness
import scenarios.scenario_runs
import scenarios.served  # noqa: F401

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


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## The pytest plugin", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    pytester.makepyfile(test_readme=match.group(1))
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
        """
    )
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.recall_region has no option 'sed' (did you mean 'seed'?); its options are seed,*",
            "*@pytest.mark.recall_region(profile='curent'): profile takes one of 'seed', 'current' or None*",
            "*@pytest.mark.recall_webhooks takes keyword options only, got (True,)*",
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
        from scenarios.invariants import Violation


        @pytest.mark.recall_scenario(seed=3)
        def test_runs(recall_scenario):
            run = recall_scenario.check("happy-path")
            assert run.scenario.seed == 3
            assert recall_scenario.run("happy-path", seed=4).scenario.seed == 4


        def test_fails(recall_scenario, monkeypatch):
            monkeypatch.setattr("scenarios.replay.check", lambda run: [Violation("webhooks", "made up")])
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
        from seams import VirtualTimeEventLoop


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
