"""Retrying calls to the region the way the SDK survives networks: exponential backoff with seeded
jitter, never sooner than a `Retry-After`, for network errors, 5xx and 429, within a time budget.

A network failure reports `network-status: disconnected` once, and `reconnected` when a call next
succeeds. Refusals that retrying cannot fix (4xx) are raised at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx

from recall_sim.recorder.errors import UploadFailedError
from recall_sim.recorder.ingest import IngestError
from recall_sim.seams import Clock, RandomStream

__all__ = ["Retrier", "RetryPolicy"]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    initial: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.2
    #: give up after this many seconds of consecutive failure
    budget: float = 600.0


class Retrier:
    def __init__(
        self,
        clock: Clock,
        jitter: RandomStream,
        policy: RetryPolicy | None = None,
        on_network: Callable[[str], None] | None = None,
    ) -> None:
        self.clock = clock
        self.jitter = jitter
        self.policy = policy or RetryPolicy()
        self.on_network = on_network
        self.disconnected = False

    def _network(self, status: str) -> None:
        self.disconnected = status == "disconnected"
        if self.on_network is not None:
            self.on_network(status)

    async def __call__(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        started = self.clock.timestamp()
        attempt = 0
        while True:
            try:
                result = await operation()
            except httpx.TransportError as error:
                wait_at_least = 0.0
                if not self.disconnected:
                    self._network("disconnected")
                failure: Exception = error
            except IngestError as error:
                if not error.retryable:
                    raise
                wait_at_least = error.retry_after or 0.0
                failure = error
            else:
                if self.disconnected:
                    self._network("reconnected")
                return result
            if self.clock.timestamp() - started >= self.policy.budget:
                message = f"{what} kept failing for {self.policy.budget:.0f} s: {failure}"
                raise UploadFailedError(message) from failure
            base = min(self.policy.max_delay, self.policy.initial * self.policy.multiplier**attempt)
            delay = base * (1 + self.policy.jitter * (2 * self.jitter.random() - 1))
            await self.clock.sleep(max(delay, wait_at_least))
            attempt += 1
