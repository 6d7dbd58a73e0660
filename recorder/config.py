"""How an SDK instance is set up: the parts a real SDK takes from its platform, injected here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from recall_sim.recorder.desktop import Desktop
from recall_sim.recorder.media import TINY, MediaProfile
from recall_sim.recorder.retry import RetryPolicy
from recall_sim.seams import Clock, Randomness

__all__ = ["SdkConfig", "UploadMode"]

#: `seed`: upload after `upload_recording` (late-2024 SDK); `current`: upload during the recording (2026)
UploadMode = Literal["seed", "current"]


@dataclass
class SdkConfig:
    desktop: Desktop
    clock: Clock
    randomness: Randomness
    #: where recordings are kept until uploaded; a new instance on the same folder finishes them
    recordings_dir: Path
    upload_mode: UploadMode = "seed"
    media_profile: MediaProfile = TINY
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: how the SDK reaches the region (an in-process ASGI transport in scenarios; None for real HTTP)
    transport: httpx.AsyncBaseTransport | None = None
    #: makes the transport for each real-time channel connection (in process: an httpx_ws
    #: ASGIWebSocketTransport over the region's app); None uses real sockets
    realtime_transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    #: seconds between the SDK's checks while a recording runs, at least one per media fragment
    tick: float | None = None
