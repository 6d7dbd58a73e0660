"""Every REST call the recorders and the backend make, timed: an httpx transport that notes each
request's method, route and status and the time to its response's headers."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import httpx

__all__ = ["Sample", "TimedTransport", "percentile"]

_ID = re.compile(r"/[0-9a-f]{32}|/[0-9a-f-]{36}")


@dataclass(frozen=True)
class Sample:
    method: str
    route: str
    status: int
    seconds: float


class TimedTransport(httpx.AsyncBaseTransport):
    """One real connection pool shared by many clients: a client closing does not close it (the SDK
    opens and closes clients as it goes); `close_pool` does, at the end."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport(retries=0)
        self.samples: list[Sample] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        route = _ID.sub("/{id}", request.url.path)
        self.samples.append(Sample(request.method, route, response.status_code, time.perf_counter() - start))
        return response

    async def aclose(self) -> None:
        return None

    async def close_pool(self) -> None:
        await self.inner.aclose()


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]
