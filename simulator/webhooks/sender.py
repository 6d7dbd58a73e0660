"""One HTTP POST of one signed message, judged as Svix judges it.

- Success is a 2xx. A 3xx fails too: Svix never follows redirects (a redirect could point a signed
  payload at a host the customer never configured), so `follow_redirects=False`.
- The whole exchange, response body included, must finish within the timeout. The limit is measured on
  the region's clock, not the machine's: on the virtual loop a receiver that sleeps 20 s times out
  after exactly 15 simulated seconds, and a served region at `--time-scale 60` waits 15 simulated
  seconds too.
- A refused, reset or dropped connection, or any other failure to get a response, is a failed attempt
  with no status code; nothing a receiver does can crash the delivery job.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from recall_sim.seams import Clock

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = ["EXCERPT_BYTES", "SendResult", "send"]

#: how much of a response body the attempts log keeps
EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    response_body: str
    error: str | None
    timed_out: bool

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def throttled(self) -> bool:
        """A timeout or a 429: the receiver is overloaded, so the next attempt waits longer."""
        return self.timed_out or self.status_code == 429


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default verification for a client that ignores the environment (certifi's CAs), built
    once: loading the CA bundle costs more than a whole attempt on loopback, and a context is not tied
    to any event loop."""
    import httpx

    return httpx.create_ssl_context(trust_env=False)


async def _exchange(
    transport: httpx.AsyncBaseTransport | None,
    url: str,
    headers: Mapping[str, str],
    body: str,
    timeout: float,
) -> tuple[int, bytes]:
    import httpx  # loaded with the first attempt, not at start-up

    # A fresh client per attempt: the region may be built on one thread and served on another's loop,
    # and a client must not outlive its loop. An injected transport belongs to the caller: not closed.
    client = httpx.AsyncClient(
        transport=transport,
        # An injected transport does its own TLS, if any.
        verify=_tls() if transport is None else True,
        follow_redirects=False,
        trust_env=False,
        # The clock-based limit in `send` governs; this only bounds real sockets if the clock is frozen.
        timeout=httpx.Timeout(timeout),
    )
    try:
        async with client.stream("POST", url, headers=dict(headers), content=body.encode()) as response:
            excerpt = b""
            async for chunk in response.aiter_bytes():
                if len(excerpt) < EXCERPT_BYTES:
                    excerpt += chunk[: EXCERPT_BYTES - len(excerpt)]
            return response.status_code, excerpt
    finally:
        if transport is None:
            await client.aclose()


async def _deadline(clock: Clock, seconds: float) -> None:
    try:
        await clock.sleep(seconds)
    except RuntimeError:
        # A virtual clock outside the loop it drives cannot wait (nothing would wake it): the loop's
        # own time is the only measure left.
        await asyncio.sleep(seconds)


async def send(
    clock: Clock,
    transport: httpx.AsyncBaseTransport | None,
    url: str,
    headers: Mapping[str, str],
    body: str,
    timeout: float,
) -> SendResult:
    """POST `body` to `url`, giving up after `timeout` seconds of `clock` time."""
    exchange = asyncio.ensure_future(_exchange(transport, url, headers, body, timeout))
    deadline = asyncio.ensure_future(_deadline(clock, timeout))
    try:
        await asyncio.wait({exchange, deadline}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        deadline.cancel()
        if not exchange.done():
            exchange.cancel()
            # Let the cancelled request unwind (close its connection) before the attempt is logged.
            await asyncio.wait({exchange})
    if exchange.cancelled():
        return SendResult(None, "", f"Timed out after {timeout:g} s", timed_out=True)
    error = exchange.exception()
    import httpx

    if isinstance(error, httpx.TimeoutException):
        return SendResult(None, "", f"Timed out after {timeout:g} s", timed_out=True)
    if error is not None:
        return SendResult(None, "", f"{type(error).__name__}: {error}".rstrip(": "), timed_out=False)
    status_code, excerpt = exchange.result()
    return SendResult(status_code, excerpt.decode("utf-8", errors="replace"), None, timed_out=False)
