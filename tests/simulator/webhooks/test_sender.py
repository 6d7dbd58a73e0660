"""One attempt's POST on the machine's clock: the deadline ends the exchange in the attempt's own task,
and leaves nothing behind that could cancel what the attempt does next (logging it)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from recall_sim.scenarios.receiver import WebhookReceiver, hang
from recall_sim.seams import RealClock
from recall_sim.simulator.webhooks.sender import send

#: 15 s of the region's time pass in 0.05 s of the machine's (the receiver's `hang` is the loop's seconds)
FAST = 300.0
URL = "http://receiver.test/"


def test_a_receiver_slower_than_the_limit_times_out_on_a_real_clock() -> None:
    clock = RealClock(FAST)
    receiver = WebhookReceiver(clock, path=None).always(hang(20))

    async def attempt() -> tuple[bool, str | None, float, int]:
        started = clock.timestamp()
        result = await send(clock, receiver.transport(), URL, {}, b"{}", 15.0)
        waited = clock.timestamp() - started
        # The attempt goes on to log itself: nothing may cancel it now.
        await asyncio.sleep(0.1)
        task = asyncio.current_task()
        assert task is not None
        return result.timed_out, result.error, waited, task.cancelling()

    timed_out, error, waited, cancelling = asyncio.run(attempt())
    assert (timed_out, error, cancelling) == (True, "Timed out after 15 s", 0)
    assert 15.0 <= waited < 20.0


def test_a_receiver_within_the_limit_is_answered_and_the_deadline_does_not_fire_later() -> None:
    clock = RealClock(FAST)
    receiver = WebhookReceiver(clock, path=None).always(hang(5.0 / FAST))

    async def attempt() -> tuple[int | None, bool]:
        result = await send(clock, receiver.transport(), URL, {}, "{}", 15.0)
        # Past the moment the deadline would have passed: it was cancelled with the exchange's end.
        await asyncio.sleep(20.0 / FAST)
        return result.status_code, result.timed_out

    assert asyncio.run(attempt()) == (200, False)


def test_an_attempt_cancelled_from_outside_is_cancelled_not_timed_out() -> None:
    clock = RealClock(FAST)
    receiver = WebhookReceiver(clock, path=None).always(hang(20))

    async def stopped() -> None:
        attempt = asyncio.ensure_future(send(clock, receiver.transport(), URL, {}, b"{}", 15.0))
        await asyncio.sleep(0.01)
        attempt.cancel()  # the scheduler stopping
        await attempt

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(stopped())


def test_an_attempt_never_reads_the_cookies_a_receiver_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The attempt's client is closed after its one request, so a `Set-Cookie` could never be sent back:
    the response is judged without handing it to a cookie jar."""
    read: list[str] = []
    original = httpx.Cookies.extract_cookies

    def counted(self: httpx.Cookies, response: httpx.Response) -> None:
        read.append(response.request.url.path)
        original(self, response)

    monkeypatch.setattr(httpx.Cookies, "extract_cookies", counted)

    async def sets(request: Request) -> Response:
        response = PlainTextResponse("ok")
        response.set_cookie("session", "abc")
        return response

    transport = httpx.ASGITransport(app=Starlette(routes=[Route("/", sets, methods=["POST"])]))
    result = asyncio.run(send(RealClock(FAST), transport, URL, {}, b"{}", 15.0))
    assert (result.status_code, result.response_body, read) == (200, "ok", [])
