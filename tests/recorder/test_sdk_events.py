"""The SDK's events for whole recordings, in both upload modes: which, when, in what order, with exactly
which payloads; and how listeners are managed (raising, async, removed)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from recall_sim.recorder.config import UploadMode
from recall_sim.recorder.desktop import PERMISSIONS
from recall_sim.recorder.ingest import IngestClient
from recall_sim.recorder.media import read_speech
from recall_sim.recorder.storage import RecordingStore
from recall_sim.scenarios.sample_media import media_duration
from recall_sim.seams import VirtualClock
from tests.recorder.support import API_URL, Rig, download, recording_of, rig, standup
from tests.support import Sim

pytestmark = pytest.mark.parametrize("store_kind", ["memory"])


def _app(r: Rig, uploads: list[dict[str, Any]], *, chunk_size: int | None = None) -> None:
    """The seed document's desktop app: record every meeting detected, upload when it ends."""

    async def on_meeting_detected(evt: dict[str, Any]) -> None:
        upload = await r.create_upload()
        uploads.append(upload)
        await r.sdk.start_recording(evt["window"]["id"], upload["upload_token"])
        if chunk_size is not None:
            # Small PATCHes, so that a small recording still reports progress in several steps.
            r.sdk._recordings.sessions[evt["window"]["id"]].uploader.chunk_size = chunk_size

    async def on_recording_ended(evt: dict[str, Any]) -> None:
        await r.sdk.upload_recording(evt["window"]["id"])

    r.sdk.add_event_listener("meeting-detected", on_meeting_detected)
    r.sdk.add_event_listener("recording-ended", on_recording_ended)


def _without(r: Rig, *names: str) -> list[tuple[float, str, dict[str, Any]]]:
    return [(t, n, p) for t, n, p in r.events if n not in names]


def _participants(r: Rig) -> list[tuple[float, int, str, bool]]:
    return [
        (t, p["participantId"], p["type"], p["capturing"])
        for t, n, p in r.events
        if n == "participant-capture-status"
    ]


async def test_a_whole_seed_mode_recording(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    meeting = standup(duration=12.0, details_at=2.0)
    r = rig(sim, clock, tmp_path, [meeting], granted=())
    uploads: list[dict[str, Any]] = []
    _app(r, uploads, chunk_size=2048)
    await r.sdk.init(api_url=API_URL, acquire_permissions_on_startup=PERMISSIONS)
    await clock.sleep(20)
    await r.sdk.settle()
    await r.sdk.shutdown()

    [w] = r.window_ids()
    win = {"window": {"id": w}}
    assert r.desktop.requests == list(PERMISSIONS)
    assert _without(r, "participant-capture-status", "upload-progress", "log") == [
        *[
            (0.0, "permission-status", {"permission": p, "granted": True, "status": "granted"})
            for p in PERMISSIONS
        ],
        (0.0, "permissions-granted", {}),
        # Already running at init; its title and url are not known yet.
        (0.0, "meeting-detected", {"window": {"id": w, "platform": "zoom"}}),
        (0.0, "sdk-state-change", {"sdk": {"state": {"code": "recording"}}}),
        (0.0, "recording-started", {**win, "rawMedia": False}),
        (0.0, "media-capture-status", {**win, "type": "video", "capturing": True}),
        (0.0, "media-capture-status", {**win, "type": "audio", "capturing": True}),
        (
            2.0,
            "meeting-updated",
            {"window": {"id": w, "title": "Daily standup", "url": meeting.url, "platform": "zoom"}},
        ),
        # The meeting ends: the recording with it, then the window is reported closed.
        (12.0, "media-capture-status", {**win, "type": "video", "capturing": False}),
        (12.0, "media-capture-status", {**win, "type": "audio", "capturing": False}),
        (12.0, "sdk-state-change", {"sdk": {"state": {"code": "idle"}}}),
        (12.0, "recording-ended", win),
        (12.0, "meeting-closed", win),
        (20.0, "shutdown", {"code": 0, "signal": None}),
    ]
    assert _participants(r) == [
        (0.0, 100, "audio", True),
        (0.0, 200, "audio", True),
        (0.0, 100, "video", True),
        (3.0, 200, "video", True),
        (6.0, 300, "audio", True),
        (10.0, 300, "audio", False),  # Alan leaves at duration - 2
        (10.0, 200, "screenshare", True),
        (12.0, 100, "video", False),
        (12.0, 200, "video", False),
    ]
    assert all(
        set(p) == {"window", "participantId", "type", "capturing"} for p in r.of("participant-capture-status")
    )
    # upload-progress: after recording-ended, 0 to 100 in several monotonic steps, all for this window.
    names = [n for _, n, _ in r.events]
    assert names.index("upload-progress") > names.index("recording-ended")
    progress = r.of("upload-progress")
    assert {p["window"]["id"] for p in progress} == {w}
    assert all(set(p) == {"window", "progress"} for p in progress)
    values = [p["progress"] for p in progress]
    assert values[0] == 0
    assert values[-1] == 100
    assert values == sorted(set(values))
    assert len(values) > 5
    logs = r.of("log")
    assert all(set(p) == {"level", "message", "subsystem", "category", "window_id"} for p in logs)
    assert [(p["category"], p["window_id"]) for p in logs] == [
        ("lifecycle", None),
        ("recording", w),
        ("recording", w),
        ("upload", w),
    ]
    assert logs[2]["message"] == "recording stopped after 12.0 s"
    [upload] = uploads
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    assert recording["media_shortcuts"]["meeting_metadata"]["data"]["title"] == "Daily standup"


async def test_a_whole_current_mode_recording_uploads_as_it_goes(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    meeting = standup(duration=25.0)
    r = rig(sim, clock, tmp_path, [meeting], mode="current")
    uploads: list[dict[str, Any]] = []
    _app(r, uploads)
    seen_at_end: list[dict[str, Any]] = []

    async def at_recording_ended(evt: dict[str, Any]) -> None:
        async with IngestClient(API_URL, uploads[0]["upload_token"], transport=r.sdk.config.transport) as c:
            seen_at_end.append(await c.status())

    r.sdk.add_event_listener("recording-ended", at_recording_ended)
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(22)
    # Mid-meeting: the first two segments (10 s each) are already up, as partial tus files.
    async with IngestClient(API_URL, uploads[0]["upload_token"], transport=r.sdk.config.transport) as client:
        midway = await client.status()
    segments = [f for f in midway["files"] if f["part"] == "segment"]
    assert len(segments) == 2
    assert all(f["offset"] == f["length"] and f["concat"] == "partial" for f in segments)
    assert midway["recording_ended"] is False
    await clock.sleep(9)
    await r.sdk.settle()
    [w] = r.window_ids()
    before = len(r.events)
    started = clock.timestamp()
    await r.sdk.upload_recording(w)  # a no-op in this mode
    await r.sdk.settle()
    assert (len(r.events), clock.timestamp()) == (before, started)
    await r.sdk.shutdown()

    win = {"window": {"id": w}}
    assert _without(r, "participant-capture-status", "log") == [
        (
            0.0,
            "meeting-detected",
            {"window": {"id": w, "title": "Daily standup", "url": meeting.url, "platform": "zoom"}},
        ),
        (0.0, "sdk-state-change", {"sdk": {"state": {"code": "recording"}}}),
        (0.0, "recording-started", {**win, "rawMedia": False}),
        (0.0, "media-capture-status", {**win, "type": "video", "capturing": True}),
        (0.0, "media-capture-status", {**win, "type": "audio", "capturing": True}),
        (25.0, "media-capture-status", {**win, "type": "video", "capturing": False}),
        (25.0, "media-capture-status", {**win, "type": "audio", "capturing": False}),
        (25.0, "sdk-state-change", {"sdk": {"state": {"code": "idle"}}}),
        (25.0, "meeting-closed", win),
        # Only once every part is up and the upload finalized: no upload-progress in this mode.
        (25.0, "recording-ended", win),
        (31.0, "shutdown", {"code": 0, "signal": None}),
    ]
    [status] = seen_at_end
    assert status["finalized"] is True
    assert [c["category"] for c in r.of("log")] == ["lifecycle", "recording", "recording", "upload"]
    recording = await recording_of(sim, uploads[0]["recording_id"])
    assert recording["status"]["code"] == "done"
    video = await download(sim, recording, "video_mixed")
    local = r.sdk._recordings.sessions[w].local
    assert hashlib.sha256(video).hexdigest() == local.media_sha256()
    assert len(local.segments()) == 3
    assert {u["participant"]["name"] for u in read_speech(video)} == {
        "Ada Lovelace",
        "Grace Hopper",
        "Alan Turing",
    }


async def test_permissions_denied_at_startup_are_reported_and_not_all_granted(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [], granted=("microphone",), grant_on_request=False)
    await r.sdk.init(api_url=API_URL, acquire_permissions_on_startup=["screen-capture", "microphone"])
    await r.sdk.settle()
    assert _without(r, "log") == [
        (0.0, "permission-status", {"permission": "screen-capture", "granted": False, "status": "denied"}),
        (0.0, "permission-status", {"permission": "microphone", "granted": True, "status": "granted"}),
    ]


async def test_meetings_are_detected_at_init_and_as_they_open(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    running = standup(duration=40.0, opens_at=-30.0, platform="teams", title="Running", url="https://t/1")
    later = standup(
        duration=10.0, opens_at=5.0, details_at=3.0, platform="google-meet", title="Later", url="https://m/2"
    )
    r = rig(sim, clock, tmp_path, [later, running])
    await clock.sleep(3)  # nothing is reported before init
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(30)
    await r.sdk.settle()
    a, b = r.window_ids()
    assert _without(r, "log") == [
        (
            3.0,
            "meeting-detected",
            {"window": {"id": a, "title": "Running", "url": "https://t/1", "platform": "teams"}},
        ),
        (8.0, "meeting-detected", {"window": {"id": b, "platform": "google-meet"}}),
        (
            11.0,
            "meeting-updated",
            {"window": {"id": b, "title": "Later", "url": "https://m/2", "platform": "google-meet"}},
        ),
        (13.0, "meeting-closed", {"window": {"id": a}}),  # it had run 30 s of its 40 before init
        (18.0, "meeting-closed", {"window": {"id": b}}),
    ]


@pytest.mark.parametrize("mode", ["seed", "current"])
async def test_starting_another_recording_stops_the_current_one(
    sim: Sim, clock: VirtualClock, tmp_path: Path, mode: UploadMode
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=30.0), standup(duration=30.0, title="Other")], mode=mode)
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(1)
    a, b = r.window_ids()
    first, second = await r.create_upload(), await r.create_upload()
    await r.sdk.start_recording(a, first["upload_token"])
    await clock.sleep(4)
    await r.sdk.start_recording(b, second["upload_token"])
    await r.sdk.settle()
    switch = [
        (n, p.get("window", {}).get("id"), p.get("type") or p.get("sdk", {}).get("state", {}).get("code"))
        for t, n, p in r.events
        if t == 5.0 and n not in ("log", "participant-capture-status")
    ]
    stop_a = [
        ("media-capture-status", a, "video"),
        ("media-capture-status", a, "audio"),
        ("sdk-state-change", None, "idle"),
    ]
    start_b = [
        ("sdk-state-change", None, "recording"),
        ("recording-started", b, None),
        ("media-capture-status", b, "video"),
        ("media-capture-status", b, "audio"),
    ]
    if mode == "seed":
        # The first recording ends before the second one starts.
        assert switch == [*stop_a, ("recording-ended", a, None), *start_b]
    else:
        # Its last parts go up after the stop; recording-ended once they are.
        assert switch == [*stop_a, *start_b, ("recording-ended", a, None)]
    assert r.sdk.state == "recording"
    await r.sdk.upload_recording(a)
    await r.sdk.stop_recording(b)
    await r.sdk.upload_recording(b)
    await r.sdk.settle()
    await clock.sleep(1)
    for upload in (first, second):
        assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "done"
    assert [(s.window_id, s.finalized) for s in r.sdk.finished] == [(a, True), (b, True)]


async def test_a_listener_that_raises_gives_an_error_event_and_the_sdk_carries_on(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=6.0)])
    uploads: list[dict[str, Any]] = []
    after: list[str] = []

    def broken(evt: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    async def broken_later(evt: dict[str, Any]) -> None:
        await clock.sleep(1)
        raise KeyError("late")

    def broken_error_listener(evt: dict[str, Any]) -> None:
        raise RuntimeError("an error listener that fails is not reported again")

    r.sdk.add_event_listener("recording-started", broken)
    r.sdk.add_event_listener("recording-started", lambda evt: after.append(evt["window"]["id"]))
    r.sdk.add_event_listener("media-capture-status", broken_later)
    r.sdk.add_event_listener("error", broken_error_listener)
    _app(r, uploads)
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(10)
    await r.sdk.settle()
    [w] = r.window_ids()
    assert after == [w]  # the next listener of the same event still ran
    errors = r.of("error")
    assert errors[0] == {
        "type": "listener_error",
        "message": "recording-started listener: RuntimeError('boom')",
    }
    # Each of the four media-capture-status events made its async listener fail a second later.
    assert (
        errors[1:]
        == [{"type": "listener_error", "message": "media-capture-status listener: KeyError('late')"}] * 4
    )
    assert r.at("error")[1:] == [1.0, 1.0, 7.0, 7.0]
    assert (await recording_of(sim, uploads[0]["recording_id"]))["status"]["code"] == "done"


async def test_async_listeners_do_not_hold_back_later_events(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(sim, clock, tmp_path, [standup(duration=5.0, details_at=2.0)])
    heard: list[tuple[float, str]] = []

    async def slow(evt: dict[str, Any]) -> None:
        await clock.sleep(4)
        heard.append((clock.timestamp(), "slow done"))

    r.sdk.add_event_listener("meeting-detected", slow)
    r.sdk.add_event_listener("meeting-updated", lambda evt: heard.append((clock.timestamp(), "updated")))
    origin = clock.timestamp()
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(10)
    await r.sdk.settle()
    assert [(t - origin, what) for t, what in heard] == [(2.0, "updated"), (4.0, "slow done")]


async def test_removing_listeners(sim: Sim, clock: VirtualClock, tmp_path: Path) -> None:
    r = rig(
        sim, clock, tmp_path, [standup(duration=5.0, details_at=1.0), standup(duration=9.0, opens_at=6.0)]
    )
    heard: list[str] = []

    def detected(evt: dict[str, Any]) -> None:
        heard.append("detected")

    def other_detected(evt: dict[str, Any]) -> None:
        heard.append("other detected")

    def updated(evt: dict[str, Any]) -> None:
        heard.append("updated")

    def closed(evt: dict[str, Any]) -> None:
        heard.append("closed")

    for name, listener in (
        ("meeting-detected", detected),
        ("meeting-detected", other_detected),
        ("meeting-updated", updated),
        ("meeting-closed", closed),
    ):
        r.sdk.add_event_listener(name, listener)
    r.sdk.remove_event_listener("meeting-detected", other_detected)
    r.sdk.remove_event_listener("meeting-detected", closed)  # never added for that event: ignored
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(2)
    await r.sdk.settle()
    assert heard == ["detected", "updated"]
    r.sdk.remove_all_event_listeners("meeting-updated")  # one event's listeners only
    await clock.sleep(5)  # the first meeting closes, the second opens
    await r.sdk.settle()
    assert heard == ["detected", "updated", "closed", "detected"]
    r.sdk.remove_all_event_listeners()
    await clock.sleep(10)  # the second one closes, unheard
    await r.sdk.settle()
    assert heard == ["detected", "updated", "closed", "detected"]
    assert r.sdk.dispatcher.listeners == {}


async def test_shutdown_is_the_last_event_and_an_interrupted_upload_finishes_at_the_next_init(
    sim: Sim, clock: VirtualClock, tmp_path: Path
) -> None:
    r = rig(
        sim, clock, tmp_path, [standup(duration=15.0), standup(duration=5.0, opens_at=30.0)], mode="current"
    )
    await r.sdk.init(api_url=API_URL)
    await clock.sleep(1)
    [w] = r.window_ids()
    upload = await r.create_upload()
    await r.sdk.start_recording(w, upload["upload_token"])
    await clock.sleep(12)
    await r.sdk.stop_recording(w)
    await r.sdk.shutdown()  # at once: the last segment and the finalize are still to go
    assert r.events[-1] == (13.0, "shutdown", {"code": 0, "signal": None})
    await clock.sleep(40)  # the first meeting closes and another opens: nothing is heard of either
    await r.sdk.settle()
    assert r.events[-1][1] == "shutdown"
    assert "recording-ended" not in [n for _, n, _ in r.events]
    assert (await recording_of(sim, upload["recording_id"]))["status"]["code"] == "processing"

    again = rig(sim, clock, tmp_path, [])
    await again.sdk.init(api_url=API_URL)
    await again.sdk.settle()
    await clock.sleep(1)
    assert again.of("recording-ended") == [{"window": {"id": w}}]
    assert [(p["category"], p["message"]) for p in again.of("log")][-2:] == [
        ("recovery", "resuming an unfinished recording"),
        ("upload", "upload complete"),
    ]
    recording = await recording_of(sim, upload["recording_id"])
    assert recording["status"]["code"] == "done"
    [local] = RecordingStore(tmp_path).all()
    assert local.finished
    video = await download(sim, recording, "video_mixed")
    assert hashlib.sha256(video).hexdigest() == local.media_sha256()
    assert abs(media_duration(video) - 12.0) < 0.6
