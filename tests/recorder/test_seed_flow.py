"""The seed document's example, literally: the desktop app's listeners drive the SDK, the backend hands
out the upload token, and the recording ends `done` with media of the meeting's recorded length."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from recall_sim.scenarios.sample_media import media_duration, stream_layout
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, rig, standup
from tests.support import Sim


async def test_the_seed_example_flow_ends_with_a_done_recording(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    meeting = standup(duration=20.0)
    r = rig(sim, clock, tmp_path / "recordings", [meeting])
    sdk = r.sdk
    states: list[str] = []
    progress: list[int] = []
    uploads: list[dict[str, Any]] = []

    # The example app's listeners, as in the seed document.
    async def on_meeting_detected(evt: dict[str, Any]) -> None:
        upload = await r.create_upload()  # "fetch an upload token from your backend"
        uploads.append(upload)
        await sdk.start_recording(evt["window"]["id"], upload["upload_token"])

    async def on_recording_ended(evt: dict[str, Any]) -> None:
        await sdk.upload_recording(evt["window"]["id"])

    sdk.add_event_listener("meeting-detected", on_meeting_detected)
    sdk.add_event_listener("sdk-state-change", lambda evt: states.append(evt["sdk"]["state"]["code"]))
    sdk.add_event_listener("recording-ended", on_recording_ended)
    sdk.add_event_listener("upload-progress", lambda evt: progress.append(evt["progress"]))

    await sdk.init(api_url=API_URL)
    await clock.sleep(25)  # the meeting runs its 20 s and closes; the recording ends with it
    await sdk.settle()
    await clock.sleep(5)  # processing

    assert states == ["recording", "idle"]
    assert progress[0] == 0
    assert progress[-1] == 100
    assert progress == sorted(progress)
    [upload] = uploads
    api = sim.client()
    recording = (await api.get(f"/api/v1/recording/{upload['recording_id']}/")).json()
    assert recording["status"]["code"] == "done"
    video = (await api.get(recording["media_shortcuts"]["video_mixed"]["data"]["download_url"])).content
    assert [kind for kind, _ in stream_layout(video)] == ["video", "audio", "subtitle"]
    assert abs(media_duration(video) - meeting.duration) < 1.0
    metadata = recording["media_shortcuts"]["meeting_metadata"]["data"]
    assert metadata == {"title": "Daily standup", "zoom": {"meeting_uuid": "uuid-4f1c=="}}
    assert [n for n in r.names() if n != "participant-capture-status"] == [
        "meeting-detected",
        "sdk-state-change",
        "recording-started",
        "media-capture-status",
        "media-capture-status",
        "media-capture-status",
        "media-capture-status",
        "sdk-state-change",
        "recording-ended",
        "meeting-closed",
        "upload-progress",
        "upload-progress",
    ]
    captured = [
        (p["participantId"], p["type"], p["capturing"])
        for n, p in sdk.dispatcher.delivered
        if n == "participant-capture-status"
    ]
    assert captured == [
        (100, "audio", True),  # present when the recording starts, webcam already on
        (200, "audio", True),
        (100, "video", True),
        (200, "video", True),  # 3 s
        (300, "audio", True),  # 6 s, the late joiner
        (200, "screenshare", True),
        (200, "video", False),
        (200, "screenshare", False),
        (300, "audio", False),
        (100, "video", False),  # the webcam span ends as the meeting does
    ]
    await sdk.shutdown()
    assert r.names()[-1] == "shutdown"
