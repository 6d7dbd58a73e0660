"""Helpers for the recorder's tests: meetings, the plugin's recorder on a test's region, a backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from recall_sim.recorder.config import UploadMode
from recall_sim.recorder.desktop import Permission
from recall_sim.recorder.media import TINY, MediaProfile
from recall_sim.recorder.meeting import MeetingScript, Participant, Span, Utterance, Word
from recall_sim.recorder.retry import RetryPolicy
from recall_sim.scenarios.desktop import RecallRecorder
from recall_sim.scenarios.options import RecorderOptions
from recall_sim.seams import VirtualClock
from tests.support import BASE_URL, Sim


def words(text: str, start: float, gap: float = 0.1, length: float = 0.3) -> tuple[Word, ...]:
    out, t = [], start
    for token in text.split():
        out.append(Word(token, round(t, 6), round(t + length, 6)))
        t += length + gap
    return tuple(out)


def standup(duration: float = 20.0, **changes: Any) -> MeetingScript:
    """Three people, one joining late, overlapping speech, webcams, a screenshare and a chat message."""
    base = {
        "platform": "zoom",
        "duration": duration,
        "title": "Daily standup",
        "url": "https://zoom.us/j/123456789",
        "details_at": 0.0,
        "participants": (
            Participant(100, "Ada Lovelace", is_host=True, is_local=True),
            Participant(200, "Grace Hopper"),
            Participant(300, "Alan Turing", join_at=6.0, leave_at=duration - 2),
        ),
        "utterances": (
            Utterance(100, words("good morning everyone", 1.0)),
            Utterance(200, words("morning ada shall we start", 2.5)),
            Utterance(300, words("sorry i am late", 7.0)),
            Utterance(100, words("no problem alan", 8.2)),
        ),
        "webcam": (Span(100, 0.0, duration), Span(200, 3.0, 12.0)),
        "screenshare": (Span(200, 10.0, 14.0),),
        "zoom_meeting_uuid": "uuid-4f1c==",
    }
    base.update(changes)
    return MeetingScript(**base)  # type: ignore[arg-type]


class Rig:
    """The plugin's recorder (scenarios.desktop.RecallRecorder) on a test's region: a simulated desktop
    and an SDK that talk to `sim` in process, on the virtual clock, with what the tests read of them."""

    def __init__(self, sim: Sim, recorder: RecallRecorder) -> None:
        self.sim = sim
        self.recorder = recorder
        self.desktop = recorder.desktop
        self.sdk = recorder.sdk
        #: every event as a listener received it: (seconds since the rig was made, name, payload)
        self.events = recorder.timeline

    def names(self) -> list[str]:
        """Every event the SDK dispatched but `log`, listened to or not."""
        return [name for name, _ in self.sdk.dispatcher.delivered if name != "log"]

    def of(self, *names: str) -> list[dict[str, Any]]:
        """The payloads of the events called `names`, in order."""
        return self.recorder.of(*names)

    def at(self, name: str) -> list[float]:
        """When each event called `name` arrived."""
        return self.recorder.at(name)

    def window_ids(self) -> list[str]:
        """Meeting windows in the order they were detected."""
        return self.recorder.window_ids()

    async def create_upload(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.recorder.create_upload(body)

    async def detected(self) -> str:
        """`init`, and the first meeting window it detects (one already open is detected at once)."""
        await self.sdk.init(api_url=self.sim.base_url)
        await self.sim.clock.sleep(0)
        await self.sdk.settle()
        return self.window_ids()[0]

    async def recording(self) -> tuple[str, dict[str, Any]]:
        """`init`, and the first meeting detected recording with a new sdk upload's token."""
        window = await self.detected()
        upload = await self.create_upload()
        await self.sdk.start_recording(window, upload["upload_token"])
        return window, upload


def rig(
    sim: Sim,
    clock: VirtualClock,
    recordings: Path,
    meetings: list[MeetingScript],
    *,
    mode: UploadMode = "seed",
    seed: int = 7,
    transport: httpx.AsyncBaseTransport | None = None,
    profile: MediaProfile = TINY,
    retry: RetryPolicy | None = None,
    desktop_audio: MeetingScript | None = None,
    granted: tuple[Permission, ...] | None = None,
    grant_on_request: bool = True,
) -> Rig:
    """The plugin's recorder with the options a `@pytest.mark.recall_recorder(...)` would give, its
    random streams from `seed`, keeping its recordings in `recordings`: the desktop plays `meetings`
    in windows, or `desktop_audio` as the machine's audio."""
    assert clock is sim.clock, "the rig runs on its region's clock"
    options = RecorderOptions(
        meetings=(desktop_audio,) if desktop_audio is not None else tuple(meetings),
        desktop_audio=desktop_audio is not None,
        upload_mode=mode,
        media=profile,
        retry=retry,
        transport=transport,
        granted=granted,
        grant_on_request=grant_on_request,
    )
    return Rig(sim, RecallRecorder(sim, options, recordings, seed))


async def recording_of(sim: Sim, recording_id: str) -> dict[str, Any]:
    """`GET /api/v1/recording/{id}/`."""
    response = await sim.client().get(f"/api/v1/recording/{recording_id}/")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def download(sim: Sim, recording: dict[str, Any], kind: str) -> bytes:
    """The bytes behind a recording's `media_shortcuts[kind]` download link."""
    url = recording["media_shortcuts"][kind]["data"]["download_url"]
    response = await sim.client(api_key=None).get(url)
    assert response.status_code == 200, response.text
    return response.content


API_URL = BASE_URL
