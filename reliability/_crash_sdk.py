"""A desktop app started again after a crash: a fresh SDK on the recordings folder finishes every
unfinished recording's upload, then shuts down. The recorder crash trials run it in place, or as a
process of its own to kill it in the middle of the upload.

    python -m reliability._crash_sdk BASE_URL RECORDINGS_DIR SEED
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from recall_sim.recorder.config import SdkConfig
from recall_sim.recorder.sdk import RecallAiSdk
from recall_sim.recorder.simulated import SimulatedDesktop
from recall_sim.seams import Randomness, RealClock


async def recover(base_url: str, recordings: Path, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """Everything the SDK reported while it finished the folder's recordings."""
    clock = RealClock(scale=20)
    randomness = Randomness(seed)
    config = SdkConfig(
        desktop=SimulatedDesktop(clock, randomness.derive("desktop")),
        clock=clock,
        randomness=randomness.derive("sdk"),
        recordings_dir=recordings,
    )
    sdk = RecallAiSdk(config)
    await sdk.init(api_url=base_url)
    await sdk.settle()
    await sdk.shutdown()
    return sdk.dispatcher.delivered


if __name__ == "__main__":
    url, folder, given_seed = sys.argv[1:4]
    asyncio.run(recover(url, Path(folder), int(given_seed)))
