"""What the 2.0 SDK has beyond the seed's: chat messages and their compliance status, audio devices for
desktop-audio recordings, a forced crash for testing, `disableRawMedia`, dropping every listener, and
the misuse table the JavaScript SDK must answer word for word the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from recall_sim.recorder import events
from recall_sim.recorder.errors import InvalidArgumentError, NotRecordingError, RecallSdkError
from recall_sim.recorder.sdk_additions import CHAT_MESSAGE_MAX, CHAT_TIMEOUT
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, Rig, rig, standup
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])

MISUSE = Path(__file__).parents[2] / "js" / "desktop-sdk" / "spec" / "fixtures" / "misuse.json"


async def test_a_chat_message_is_posted_into_the_recorded_meeting_and_reported_sent(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=10.0)])
    window, _ = await r.recording()
    await r.sdk.send_chat_message(window, "This meeting is being recorded.", pin=True)
    assert r.of(events.COMPLIANCE_MESSAGE_STATUS) == []  # queued, not yet in the meeting
    await clock.sleep(1)
    await r.sdk.dispatcher.flush()
    assert r.of(events.COMPLIANCE_MESSAGE_STATUS) == [{"window": {"id": window}, "status": "sent"}]
    assert r.desktop.chat_posted == [(window, "This meeting is being recorded.", "everyone", True)]
    await r.sdk.stop_recording(window)
    await r.sdk.settle()


async def test_a_chat_message_is_cancelled_when_the_recording_ends_first_and_times_out_without_chat(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=30.0)])
    window, _ = await r.recording()
    await r.sdk.send_chat_message(window, "recording", to="200")
    await r.sdk.stop_recording(window)
    await clock.sleep(1)
    await r.sdk.settle()
    assert r.of(events.COMPLIANCE_MESSAGE_STATUS) == [{"window": {"id": window}, "status": "cancelled"}]
    assert r.desktop.chat_posted == []

    silent = rig(sim, clock, tmp_path / "2", [standup(duration=30.0)], seed=8)
    silent.desktop.chat_delay = None
    window, _ = await silent.recording()
    await silent.sdk.send_chat_message(window, "recording")
    await clock.sleep(CHAT_TIMEOUT - 0.5)
    await silent.sdk.dispatcher.flush()
    assert silent.of(events.COMPLIANCE_MESSAGE_STATUS) == []
    await clock.sleep(1)
    await silent.sdk.dispatcher.flush()
    assert silent.of(events.COMPLIANCE_MESSAGE_STATUS) == [{"window": {"id": window}, "status": "timeout"}]
    await silent.sdk.stop_recording(window)
    await silent.sdk.settle()


async def test_a_chat_message_needs_a_text_a_recipient_and_a_recording(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=10.0)])
    window, _ = await r.recording()
    await r.sdk.send_chat_message(window, "x" * CHAT_MESSAGE_MAX)
    for message, to in (("", "everyone"), ("x" * (CHAT_MESSAGE_MAX + 1), "everyone"), ("hi", "")):
        with pytest.raises(InvalidArgumentError):
            await r.sdk.send_chat_message(window, message, to=to)
    await r.sdk.stop_recording(window)
    with pytest.raises(NotRecordingError):
        await r.sdk.send_chat_message(window, "too late")
    await r.sdk.settle()


async def test_devices_are_listed_and_chosen_per_direction(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [])
    await r.sdk.init(api_url=API_URL)
    devices = await r.sdk.list_devices()
    assert {d["direction"] for d in devices} == {"input", "output"}
    microphone = next(d["id"] for d in devices if d["direction"] == "input")
    speakers = next(d["id"] for d in devices if d["direction"] == "output")
    await r.sdk.set_desktop_audio_device(microphone, "input")
    await r.sdk.set_desktop_audio_device(speakers, "output")
    assert r.sdk.desktop_audio_devices == {"input": microphone, "output": speakers}
    with pytest.raises(InvalidArgumentError):
        await r.sdk.set_desktop_audio_device(microphone, "output")  # a microphone is no output
    await r.sdk.set_desktop_audio_device(None, "input")
    assert r.sdk.desktop_audio_devices == {"input": None, "output": speakers}
    await r.sdk.shutdown()


async def test_an_unexpected_shutdown_reports_the_crash_and_the_next_init_finishes_the_upload(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=10.0)])
    window, _ = await r.recording()
    await clock.sleep(4)
    await r.sdk.test_unexpected_shutdown()
    tail = [(name, payload) for _, name, payload in r.events if name != "log"][-2:]
    assert tail == [
        ("error", {"type": "process", "message": "The Desktop SDK process exited unexpectedly."}),
        ("shutdown", {"code": 1, "signal": None}),
    ]
    assert not r.sdk.initialised
    count = len(r.events)
    await clock.sleep(10)
    assert len(r.events) == count  # a dead SDK says nothing more
    # A new SDK on the same recordings folder uploads what was journaled before the crash.
    again = rig(sim, clock, tmp_path, [], seed=9)
    await again.sdk.init(api_url=API_URL)
    await again.sdk.settle()
    assert [ended.finalized for ended in again.sdk.finished] == [True]
    assert window in {p["window"]["id"] for p in again.of(events.UPLOAD_PROGRESS)}
    await again.sdk.shutdown()


async def test_disable_raw_media_is_accepted_and_recording_is_local(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=5.0)])
    window = await r.detected()
    upload = await r.create_upload()
    await r.sdk.start_recording(window, upload["upload_token"], disable_raw_media=True)
    await r.sdk.dispatcher.flush()
    assert r.of(events.RECORDING_STARTED) == [{"window": {"id": window}, "rawMedia": False}]
    assert r.sdk.raw_media_disabled == {window}
    await r.sdk.stop_recording(window)
    await r.sdk.settle()


async def test_remove_all_event_listeners_silences_every_event(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=3.0)])
    heard: list[str] = []
    r.sdk.add_event_listener(events.MEETING_DETECTED, lambda p: heard.append("detected"))
    r.sdk.remove_all_event_listeners()
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(5)
    await r.sdk.settle()
    assert heard == []
    assert r.events == []
    assert [name for name, _ in r.sdk.dispatcher.delivered if name != "log"] == [
        events.MEETING_DETECTED,
        events.MEETING_CLOSED,
    ]
    await r.sdk.shutdown()


def _python_call(r: Rig, call: str, args: list[Any]) -> Any:
    """A JavaScript call from the misuse table, as the Python SDK spells it."""
    sdk = r.sdk
    first = args[0] if args else {}
    if call == "init":
        return sdk.init(api_url=first.get("api_url"), apiUrl=first.get("apiUrl"))
    if call == "startRecording":
        return sdk.start_recording(first["windowId"], first["uploadToken"])
    by_window = {
        "stopRecording": sdk.stop_recording,
        "pauseRecording": sdk.pause_recording,
        "resumeRecording": sdk.resume_recording,
        "uploadRecording": sdk.upload_recording,
    }
    if call in by_window:
        return by_window[call](first["windowId"])
    if call == "sendChatMessage":
        return sdk.send_chat_message(first["windowId"], first["message"], first.get("to", "everyone"))
    if call == "setDesktopAudioDevice":
        return sdk.set_desktop_audio_device(args[0], args[1])
    if call == "addEventListener":

        async def add() -> None:
            sdk.add_event_listener(args[0], lambda payload: None)

        return add()
    if call == "requestPermission":
        return sdk.request_permission(args[0])
    return {
        "shutdown": sdk.shutdown,
        "listDevices": sdk.list_devices,
        "prepareDesktopAudioRecording": sdk.prepare_desktop_audio_recording,
    }[call]()


async def test_every_misuse_in_the_shared_table_raises_its_code_and_message(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    cases = json.loads(MISUSE.read_text())["cases"]
    assert {c["phase"] for c in cases} == {"before", "initialised", "recording"}
    for phase in ("before", "initialised", "recording"):
        r = rig(sim, clock, tmp_path / phase, [standup(duration=60.0)])
        window = ""
        if phase == "initialised":
            await r.sdk.init(api_url=API_URL)
        elif phase == "recording":
            window, _ = await r.recording()
        for case in (c for c in cases if c["phase"] == phase):
            fresh = (await r.create_upload())["upload_token"] if "{fresh_token}" in json.dumps(case) else ""
            args = json.loads(
                json.dumps(case["args"]).replace("{window}", window).replace("{fresh_token}", fresh)
            )
            with pytest.raises((RecallSdkError, ValueError)) as raised:
                await _python_call(r, case["call"], args)
            code = raised.value.code if isinstance(raised.value, RecallSdkError) else "invalid_argument"
            assert (case["call"], code, str(raised.value)) == (
                case["call"],
                case["code"],
                case["message"].replace("{window}", window),
            )
        if phase == "recording":
            await r.sdk.stop_recording(window)
            await r.sdk.settle()
