"""Helpers for the recorder's tests: meetings, an SDK wired to an in-process region, a backend stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recall_sim.recorder import events
from recall_sim.recorder.config import SdkConfig, UploadMode
from recall_sim.recorder.media import TINY, MediaProfile
from recall_sim.recorder.meeting import MeetingScript, Participant, Span, Utterance, Word
from recall_sim.recorder.retry import RetryPolicy
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.seams import Randomness, VirtualClock
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


@dataclass
class Rig:
    """A simulated desktop and an SDK that talks to `sim` in-process, on the virtual clock."""

    sim: Sim
    desktop: SimulatedDesktop
    sdk: RecallAiSdk
    #: every event as a listener received it: (seconds since the rig was made, name, payload)
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.sdk.dispatcher.delivered if name != "log"]

    def listen(self, clock: VirtualClock) -> None:
        """Record every event with the moment a listener got it."""
        origin = clock.timestamp()
        for name in events.ALL_EVENTS:

            def heard(payload: dict[str, Any], name: str = name) -> None:
                self.events.append((round(clock.timestamp() - origin, 6), name, payload))

            self.sdk.add_event_listener(name, heard)

    def of(self, *names: str) -> list[dict[str, Any]]:
        """The payloads of the events called `names`, in order."""
        return [payload for _, name, payload in self.events if name in names]

    def at(self, name: str) -> list[float]:
        """When each event called `name` arrived."""
        return [t for t, n, _ in self.events if n == name]

    def window_ids(self) -> list[str]:
        """Meeting windows in the order they were detected."""
        return [p["window"]["id"] for p in self.of("meeting-detected")]

    async def create_upload(self, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.sim.client().post("/api/v1/sdk_upload/", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())


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
    **desktop: Any,
) -> Rig:
    randomness = Randomness(seed)
    simulated = SimulatedDesktop(clock, randomness.derive("desktop"), meetings, **desktop)
    config = SdkConfig(
        desktop=simulated,
        clock=clock,
        randomness=randomness.derive("sdk"),
        recordings_dir=recordings,
        upload_mode=mode,
        media_profile=profile,
        retry=retry or RetryPolicy(),
        transport=transport or httpx.ASGITransport(app=sim.app),
    )
    made = Rig(sim, simulated, RecallAiSdk(config))
    made.listen(clock)
    return made


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
