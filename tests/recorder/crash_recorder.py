"""A desktop app that records one long meeting against a served region and never stops, on a clock
running 20 times faster than real time. The crash test starts it, lets it journal a few segments, and
kills it.

    python -m tests.recorder.crash_recorder BASE_URL UPLOAD_TOKEN RECORDINGS_DIR seed|current
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import cast

from recall_sim.recorder.config import SdkConfig, UploadMode
from recall_sim.recorder.meeting import MeetingScript, Participant, Span, Utterance, Word
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.seams import Randomness, RealClock

SCALE = 20.0


def meeting() -> MeetingScript:
    """Two people taking turns for ten minutes, webcams on."""
    utterances = []
    for k in range(120):
        start = 1.0 + 5.0 * k
        text = ("so where are we", "nearly there now")[k % 2].split()
        words = tuple(Word(w, start + 0.4 * i, start + 0.4 * i + 0.3) for i, w in enumerate(text))
        utterances.append(Utterance((100, 200)[k % 2], words))
    return MeetingScript(
        platform="zoom",
        duration=600.0,
        title="Long call",
        url="https://zoom.us/j/42",
        participants=(Participant(100, "Ada", is_host=True, is_local=True), Participant(200, "Grace")),
        utterances=tuple(utterances),
        webcam=(Span(100, 0.0, 600.0), Span(200, 0.0, 600.0)),
    )


async def record(base_url: str, upload_token: str, recordings: Path, mode: UploadMode) -> None:
    clock = RealClock(scale=SCALE)
    randomness = Randomness(11)
    desktop = SimulatedDesktop(clock, randomness.derive("desktop"), [meeting()])
    config = SdkConfig(
        desktop=desktop,
        clock=clock,
        randomness=randomness.derive("sdk"),
        recordings_dir=recordings,
        upload_mode=mode,
    )
    sdk = RecallAiSdk(config)
    await sdk.init(api_url=base_url)
    [window] = desktop.open_windows()
    await sdk.start_recording(window.id, upload_token)
    print("recording", flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    url, token, folder, upload_mode = sys.argv[1:5]
    asyncio.run(record(url, token, Path(folder), cast(UploadMode, upload_mode)))
