"""Helpers for the recorder's tests: meetings, an SDK wired to an in-process region, a backend stand-in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recorder.config import SdkConfig, UploadMode
from recorder.meeting import MeetingScript, Participant, Span, Utterance, Word
from recorder.sdk import RecallAiSdk
from recorder.simulated import SimulatedDesktop
from seams import Randomness, VirtualClock
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
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.sdk.dispatcher.delivered if name != "log"]

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
        transport=transport or httpx.ASGITransport(app=sim.app),
    )
    return Rig(sim, simulated, RecallAiSdk(config))


API_URL = BASE_URL
