"""Every misuse of the SDK object raises its own error (contract section 7), and a refused call leaves
the SDK, the window and the upload token as they were."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from recall_sim.recorder.errors import (
    InvalidApiUrlError,
    InvalidUploadTokenError,
    NotInitialisedError,
    NotRecordingError,
    PermissionMissingError,
    ShutdownWhileRecordingError,
    UnknownWindowError,
    UploadTokenReusedError,
    WindowAlreadyRecordedError,
)
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, recording_of, rig, standup
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])


def calls(sdk: RecallAiSdk) -> list[Callable[[], Awaitable[Any]]]:
    """Every SDK method that needs `init`, called with plausible arguments."""
    return [
        lambda: sdk.start_recording("w", "token"),
        lambda: sdk.stop_recording("w"),
        lambda: sdk.pause_recording("w"),
        lambda: sdk.resume_recording("w"),
        lambda: sdk.upload_recording("w"),
        lambda: sdk.prepare_desktop_audio_recording(),
        lambda: sdk.request_permission("microphone"),
        lambda: sdk.shutdown(),
    ]


async def sdk_upload(sim: Sim, upload_id: str) -> dict[str, Any]:
    """`GET /api/v1/sdk_upload/{id}/`: `pending` until a recording starts with its token."""
    response = await sim.client().get(f"/api/v1/sdk_upload/{upload_id}/")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_every_call_before_init_and_after_shutdown_raises_not_initialised(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    for call in calls(r.sdk):
        with pytest.raises(NotInitialisedError, match=r"call init\(\) first"):
            await call()
    await r.sdk.init(api_url=API_URL)
    await r.sdk.shutdown()
    for call in calls(r.sdk):
        with pytest.raises(NotInitialisedError):
            await call()
    assert r.desktop.requests == []  # the refused request_permission never reached the desktop


@pytest.mark.parametrize(
    "url",
    [
        "",
        "us-east-1.recall.ai",
        "ftp://us-east-1.recall.ai",
        "https://",
        "https://us-east-1.recall.ai/api/v1",
        "http://testserver/ingest",
        "https://us-east-1.recall.ai?region=x",
        "https://us-east-1.recall.ai/#top",
    ],
)
async def test_init_refuses_a_url_that_is_not_a_region_base_url(
    sim: Sim, clock: VirtualClock, tmp_path: Path, url: str
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    with pytest.raises(InvalidApiUrlError):
        await r.sdk.init(api_url=url)
    # Nothing started: still uninitialised, no meeting detected.
    with pytest.raises(NotInitialisedError):
        await r.sdk.prepare_desktop_audio_recording()
    await clock.sleep(1)
    assert r.events == []


async def test_init_needs_a_url(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    r = rig(sim, clock, tmp_path, [])
    with pytest.raises(InvalidApiUrlError, match="needs api_url"):
        await r.sdk.init()


async def test_init_takes_the_js_spelling_and_names_the_region(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    await r.sdk.init(apiUrl="https://eu-central-1.recall.ai/")
    assert (r.sdk.api_url, r.sdk.region) == ("https://eu-central-1.recall.ai", "eu-central-1")
    await r.sdk.shutdown()
    simulated = rig(sim, clock, tmp_path / "2", [standup()])
    await simulated.sdk.init(apiUrl=API_URL)
    await clock.sleep(0)
    await simulated.sdk.settle()
    assert (simulated.sdk.api_url, simulated.sdk.region) == (API_URL, None)
    assert len(simulated.window_ids()) == 1
    # The spelling reaches the region too: a recording starts there.
    upload = await simulated.create_upload()
    await simulated.sdk.start_recording(simulated.window_ids()[0], upload["upload_token"])
    assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "processing"


async def test_unknown_and_closed_windows(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=5.0)])
    window = await r.detected()
    upload = await r.create_upload()
    for call in (
        lambda: r.sdk.start_recording("no-such-window", upload["upload_token"]),
        lambda: r.sdk.stop_recording("no-such-window"),
        lambda: r.sdk.pause_recording("no-such-window"),
        lambda: r.sdk.resume_recording("no-such-window"),
        lambda: r.sdk.upload_recording("no-such-window"),
    ):
        with pytest.raises(UnknownWindowError, match="no-such-window") as raised:
            await call()
        assert raised.value.window_id == "no-such-window"
    await clock.sleep(6)  # the meeting ends and its window closes
    await r.sdk.settle()
    assert r.of("meeting-closed") == [{"window": {"id": window}}]
    with pytest.raises(UnknownWindowError):
        await r.sdk.start_recording(window, upload["upload_token"])
    # The token was not spent on the refused calls.
    status = (await sdk_upload(sim, upload["id"]))["status"]["code"]
    assert status == "pending"


async def test_a_window_is_recorded_once(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    window = await r.detected()
    first, second = await r.create_upload(), await r.create_upload()
    await r.sdk.start_recording(window, first["upload_token"])
    with pytest.raises(WindowAlreadyRecordedError):
        await r.sdk.start_recording(window, second["upload_token"])  # while recording
    await clock.sleep(2)
    await r.sdk.stop_recording(window)
    with pytest.raises(WindowAlreadyRecordedError, match=window) as raised:
        await r.sdk.start_recording(window, second["upload_token"])  # after the stop
    assert raised.value.window_id == window
    assert (await sdk_upload(sim, second["id"]))["status"]["code"] == "pending"
    assert len(r.of("recording-started")) == 1


async def test_an_upload_token_records_once_in_this_sdk(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(), standup(title="Retro")])
    await r.detected()
    a, b = r.window_ids()
    upload = await r.create_upload()
    await r.sdk.start_recording(a, upload["upload_token"])
    with pytest.raises(UploadTokenReusedError, match="create a new sdk upload"):
        await r.sdk.start_recording(b, upload["upload_token"])
    # The refused start did not stop the recording of `a`, nor touch `b`.
    assert r.sdk.state == "recording"
    await r.sdk.settle()
    assert [p["window"]["id"] for p in r.of("recording-started")] == [a]
    assert r.of("recording-ended") == []
    other = await r.create_upload()
    await r.sdk.start_recording(b, other["upload_token"])
    await r.sdk.settle()
    assert [p["window"]["id"] for p in r.of("recording-started")] == [a, b]


async def test_a_token_another_sdk_already_started_is_refused_by_the_region(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    elsewhere = rig(sim, clock, tmp_path / "elsewhere", [standup()], seed=1)
    here = rig(sim, clock, tmp_path / "here", [standup()], seed=2)
    upload = await here.create_upload()
    await elsewhere.sdk.start_recording(await elsewhere.detected(), upload["upload_token"])
    window = await here.detected()
    with pytest.raises(UploadTokenReusedError):
        await here.sdk.start_recording(window, upload["upload_token"])
    await here.sdk.settle()
    assert here.sdk.state == "idle"
    assert here.of("recording-started", "sdk-state-change") == []
    assert list((tmp_path / "here").iterdir()) == []  # nothing recorded locally
    # The window was not marked recorded: a fresh token records it.
    fresh = await here.create_upload()
    await here.sdk.start_recording(window, fresh["upload_token"])
    assert here.sdk.state == "recording"


async def test_an_invalid_upload_token_is_refused_and_changes_nothing(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    window = await r.detected()
    with pytest.raises(InvalidUploadTokenError, match="Invalid upload token"):
        await r.sdk.start_recording(window, "not-a-token")
    await r.sdk.settle()
    assert r.sdk.state == "idle"
    assert r.of("recording-started") == []
    upload = await r.create_upload()
    await r.sdk.start_recording(window, upload["upload_token"])
    assert r.sdk.state == "recording"


async def test_recording_needs_its_permissions(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    r = rig(sim, clock, tmp_path, [standup()], granted=(), grant_on_request=False)
    window = await r.detected()
    upload = await r.create_upload()
    with pytest.raises(PermissionMissingError, match="accessibility") as raised:
        await r.sdk.start_recording(window, upload["upload_token"])
    assert raised.value.permission == "accessibility"
    assert await r.sdk.request_permission("accessibility") is False
    r.desktop.grant_on_request = True
    for permission in ("accessibility", "screen-capture", "microphone"):
        assert await r.sdk.request_permission(permission) is True
    r.desktop.revoke("screen-capture")
    with pytest.raises(PermissionMissingError) as raised:
        await r.sdk.start_recording(window, upload["upload_token"])
    assert raised.value.permission == "screen-capture"
    assert (await sdk_upload(sim, upload["id"]))["status"]["code"] == "pending"
    await r.sdk.request_permission("screen-capture")
    await r.sdk.start_recording(window, upload["upload_token"])  # the same token: it was not spent
    assert r.sdk.state == "recording"
    await r.sdk.settle()
    assert r.of("permission-status") == [
        {"permission": "accessibility", "granted": False, "status": "denied"},
        {"permission": "accessibility", "granted": True, "status": "granted"},
        {"permission": "screen-capture", "granted": True, "status": "granted"},
        {"permission": "microphone", "granted": True, "status": "granted"},
        {"permission": "screen-capture", "granted": True, "status": "granted"},
    ]


async def test_desktop_audio_needs_system_audio_but_not_screen_capture(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [], granted=("microphone",), grant_on_request=False)
    await r.sdk.init(api_url=API_URL)
    window = await r.sdk.prepare_desktop_audio_recording()
    upload = await r.create_upload()
    with pytest.raises(PermissionMissingError) as raised:
        await r.sdk.start_recording(window, upload["upload_token"])
    assert raised.value.permission == "system-audio"
    r.desktop.grant_on_request = True
    await r.sdk.request_permission("system-audio")
    await r.sdk.start_recording(window, upload["upload_token"])
    assert r.sdk.state == "recording"


async def test_shutdown_refuses_while_recording_or_paused(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    window = await r.detected()
    await r.sdk.start_recording(window, (await r.create_upload())["upload_token"])
    with pytest.raises(ShutdownWhileRecordingError, match="stop it before shutdown") as raised:
        await r.sdk.shutdown()
    assert raised.value.window_id == window
    await clock.sleep(1)
    await r.sdk.pause_recording(window)
    with pytest.raises(ShutdownWhileRecordingError):
        await r.sdk.shutdown()
    await r.sdk.settle()
    assert "shutdown" not in r.names()
    await r.sdk.stop_recording(window)
    await r.sdk.upload_recording(window)
    await r.sdk.shutdown()
    assert r.names()[-1] == "shutdown"


async def test_stop_pause_resume_and_upload_in_the_wrong_state(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    window = await r.detected()
    for call in (r.sdk.stop_recording, r.sdk.pause_recording, r.sdk.resume_recording, r.sdk.upload_recording):
        with pytest.raises(NotRecordingError, match="has not been recorded"):
            await call(window)
    await r.sdk.start_recording(window, (await r.create_upload())["upload_token"])
    with pytest.raises(NotRecordingError, match="not paused"):
        await r.sdk.resume_recording(window)
    with pytest.raises(NotRecordingError, match="still recording"):
        await r.sdk.upload_recording(window)
    await clock.sleep(1)
    await r.sdk.pause_recording(window)
    with pytest.raises(NotRecordingError, match="it is paused"):
        await r.sdk.pause_recording(window)
    await clock.sleep(1)
    await r.sdk.resume_recording(window)
    await clock.sleep(1)
    await r.sdk.stop_recording(window)
    for call in (r.sdk.stop_recording, r.sdk.pause_recording, r.sdk.resume_recording):
        with pytest.raises(NotRecordingError, match="is not recording"):
            await call(window)
    await r.sdk.settle()
    states = [p["sdk"]["state"]["code"] for p in r.of("sdk-state-change")]
    assert states == ["recording", "paused", "recording", "idle"]


async def test_unknown_event_names_and_permissions_are_value_errors(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup()])
    with pytest.raises(ValueError, match="unknown event 'meeting-started'"):
        r.sdk.add_event_listener("meeting-started", lambda evt: None)
    assert "meeting-started" not in r.sdk.dispatcher.listeners
    await r.sdk.init(api_url=API_URL)
    with pytest.raises(ValueError, match="unknown permission 'camera'"):
        await r.sdk.request_permission("camera")  # type: ignore[arg-type]
    assert r.desktop.requests == []


@pytest.mark.parametrize("refusal", ["invalid", "started elsewhere"])
async def test_a_start_the_region_refuses_leaves_the_recording_in_progress_alone(
    sim: Sim, clock: VirtualClock, tmp_path: Path, refusal: str
) -> None:
    r = rig(sim, clock, tmp_path / "here", [standup(duration=30.0), standup(duration=30.0, title="Other")])
    await r.detected()
    a, b = r.window_ids()
    upload = await r.create_upload()
    await r.sdk.start_recording(a, upload["upload_token"])
    await clock.sleep(3)
    token = "not-a-token"
    if refusal == "started elsewhere":
        elsewhere = rig(sim, clock, tmp_path / "elsewhere", [standup()], seed=3)
        token = (await elsewhere.create_upload())["upload_token"]
        await elsewhere.sdk.start_recording(await elsewhere.detected(), token)
    error = InvalidUploadTokenError if refusal == "invalid" else UploadTokenReusedError
    with pytest.raises(error):
        await r.sdk.start_recording(b, token)
    await clock.sleep(3)
    await r.sdk.settle()
    assert r.sdk.state == "recording"
    assert [p["sdk"]["state"]["code"] for p in r.of("sdk-state-change")] == ["recording"]
    assert r.of("recording-ended") == []
    await r.sdk.stop_recording(a)
    await r.sdk.settle()
    assert r.at("recording-ended") == [6.0]  # the whole recording, not cut short at 3 s
