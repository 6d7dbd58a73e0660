"""Per-workspace rate limits, measured on the injected clock.

The counters are region state (a reset clears them; a shared store keeps them for every process); the
HTTP layer only names the scope a route counts against.

The algorithm is Django REST Framework's SimpleRateThrottle (a sliding log of request times), whose
`Retry-After` is the time until the oldest request in the window leaves it, spread over the requests
that would then be available.
"""

from __future__ import annotations

from collections import deque

from recall_sim.seams import Clock
from recall_sim.simulator.errors import Throttled
from recall_sim.simulator.store import Store

__all__ = ["LIMITS", "RateLimiter"]

#: scope -> requests per minute. `create_transcript` is keyed by recording, the others by workspace.
LIMITS: dict[str, int] = {
    "sdk_upload_create": 300,
    "sdk_upload_list": 60,
    "sdk_upload_retrieve": 300,
    "recording_list": 60,
    "recording_retrieve": 300,
    "artifact_list": 60,
    "artifact_retrieve": 300,
    "transcript_list": 60,
    "transcript_retrieve": 300,
    "create_transcript": 5,
}

_WINDOW = 60.0


class RateLimiter:
    def __init__(self, clock: Clock, *, enabled: bool = True, shared: Store | None = None) -> None:
        self.clock = clock
        self.enabled = enabled
        self._history: dict[tuple[str, str], deque[float]] = {}
        #: a store several processes share: the log lives there, so the limit is the region's, not
        #: each process's
        self.shared = shared

    def check(self, scope: str, key: str) -> None:
        """Count one request of `scope` for `key`, or raise Throttled if the window is full."""
        if not self.enabled:
            return
        limit = LIMITS[scope]
        now = self.clock.timestamp()
        if self.shared is not None:
            wait = self.shared.throttle(scope, key, now, _WINDOW, limit)
            if wait is not None:
                raise Throttled(wait)
            return
        history = self._history.setdefault((scope, key), deque())
        while history and history[-1] <= now - _WINDOW:
            history.pop()
        if len(history) >= limit:
            remaining = _WINDOW - (now - history[-1])
            available = limit - len(history) + 1
            raise Throttled(remaining / available)
        history.appendleft(now)

    def reset(self) -> None:
        self._history.clear()
        if self.shared is not None:
            self.shared.clear_rate_log()
