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


@functools.cache
def _timeout(seconds: float) -> httpx.Timeout:
    """The client's socket limits, built once per value: a `Timeout` holds no state of a connection."""
    import httpx

    return httpx.Timeout(seconds)


async def _exchange(
    transport: httpx.AsyncBaseTransport | None,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    timeout: float,
) -> tuple[int, bytes]:
    # loaded with the first attempt, not at start-up
    from recall_sim.simulator.webhooks.attempt_client import AttemptClient

    # A fresh client per attempt: the region may be built on one thread and served on another's loop,
    # and a client must not outlive its loop. An injected transport belongs to the caller: not closed.
    client = AttemptClient(
        transport=transport,
        # An injected transport does its own TLS, if any.
        verify=_tls() if transport is None else True,
        follow_redirects=False,
        trust_env=False,
        # The clock-based limit in `send` governs; this only bounds real sockets if the clock is frozen.
        timeout=_timeout(timeout),
    )
    try:
        async with client.stream("POST", url, headers=headers, content=body) as response:
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
    body: str | bytes,
    timeout: float,
) -> SendResult:
    """POST `body` to `url`, giving up after `timeout` seconds of `clock` time.

    The exchange runs in the caller's task, and the deadline, a task of its own on `clock`, cancels it
    when it passes: one task per attempt besides the caller's, not two and a wait on both."""
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("send() runs inside a task")
    deadline = asyncio.ensure_future(_deadline(clock, timeout))
    # `expired` is set only while the exchange is awaited: a deadline that passes as the exchange
    # returns must not cancel whatever the caller awaits next.
    state = {"waiting": True, "expired": False}

    def expire(finished: asyncio.Future[None]) -> None:
        if state["waiting"] and not finished.cancelled() and finished.exception() is None:
            state["expired"] = True
            task.cancel()

    deadline.add_done_callback(expire)
    content = body.encode() if isinstance(body, str) else body
    try:
        status_code, excerpt = await _exchange(transport, url, headers, content, timeout)
    except asyncio.CancelledError:
        # The cancelled request has unwound (closed its connection) by now, before the attempt is logged.
        if not state["expired"] or task.uncancel() > 0:
            raise  # cancelled from outside (the scheduler stopping), not by the deadline
        return SendResult(None, "", f"Timed out after {timeout:g} s", timed_out=True)
    except Exception as error:  # nothing a receiver does may crash the delivery job
        import httpx

        if state["expired"]:
            task.uncancel()  # the cancellation surfaced as another error while the request unwound
        if state["expired"] or isinstance(error, httpx.TimeoutException):
            return SendResult(None, "", f"Timed out after {timeout:g} s", timed_out=True)
        return SendResult(None, "", f"{type(error).__name__}: {error}".rstrip(": "), timed_out=False)
    finally:
        state["waiting"] = False
        deadline.cancel()
    return SendResult(status_code, excerpt.decode("utf-8", errors="replace"), None, timed_out=False)
