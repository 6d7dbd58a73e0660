"""A slow receiver holds up nobody: attempts run concurrently, as Svix delivers in parallel."""

from __future__ import annotations

from pathlib import Path

import httpx

from recall_sim.scenarios.receiver import WebhookReceiver, hang
from recall_sim.seams import VirtualClock
from recall_sim.simulator.control_plane import EndpointCreate
from tests.simulator.webhooks.conftest import EXACT
from tests.simulator.webhooks.support import emit, new_upload
from tests.support import make_sim


class ByHost(httpx.AsyncBaseTransport):
    """Routes each request to the in-process app of its host, like a tiny network of receivers."""

    def __init__(self, routes: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.routes = routes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.routes[request.url.host].handle_async_request(request)


async def test_a_hanging_receiver_does_not_delay_another_or_other_work(
    clock: VirtualClock, tmp_path: Path
) -> None:
    slow, fast = WebhookReceiver(clock, path=None).always(hang(20)), WebhookReceiver(clock, path=None)
    transport = ByHost({"slow.test": slow.transport(), "fast.test": fast.transport()})
    sim = make_sim(clock, tmp_path, webhook_transport=transport, webhooks=EXACT)
    await sim.region.start()
    try:
        for host in ("slow.test", "fast.test"):
            sim.control.webhooks.create_endpoint(EndpointCreate(url=f"http://{host}/hooks"))  # type: ignore[arg-type]
        started = clock.timestamp()
        emit(sim.region, new_upload(sim.region), "recording.done")
        with sim.region.ctx.unit_of_work():
            sim.region.scheduler.schedule("probe", delay=1.0)
        ran_at: list[float] = []

        async def probe(_: object) -> None:
            ran_at.append(clock.timestamp() - started)

        sim.region.scheduler.register("probe", probe)
        await clock.sleep(2)
        assert [r.at - started for r in fast.deliveries] == [0.0]
        assert ran_at == [1.0]  # other jobs keep their moments while the slow POST is out
        await clock.sleep(20)
        (slow_first,) = [a for a in sim.control.webhooks.list_attempts() if "slow" in a.url]
        assert (slow_first.outcome, slow_first.duration) == ("failed", 15.0)  # timed out at 15 s
    finally:
        await sim.aclose()
        sim.close()
