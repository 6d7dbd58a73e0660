"""What the pytest plugin's `recall_region` fixture gives a test: a region in process, on virtual time.

`RecallRegion` is one simulated region (simulator.Region), its ASGI app, its control plane and httpx
clients speaking to it with the start-up workspace's API key, all on one virtual clock. Webhooks it
sends reach ASGI apps mounted by host (`mount`), without sockets; `receive_webhooks` mounts and
registers the verifying receiver of `recall_webhooks`.

It runs on the test's virtual-time loop (seams.run_virtual): the plugin runs `async def` tests there,
and `RecallRegion.run(coro)` does the same from a plain `def` test.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, MutableMapping
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from recall_sim.scenarios.options import RegionOptions
from recall_sim.scenarios.receiver import WEBHOOK_PATH, WebhookReceiver
from recall_sim.scenarios.receiver_wire import undelivered_report
from recall_sim.scenarios.runner import BASE_URL
from recall_sim.seams import VirtualClock, run_virtual
from recall_sim.simulator import ControlPlane, Region, Settings, create_app
from recall_sim.simulator.backend.events import DISPATCH_EVENT
from recall_sim.simulator.control_plane import EndpointCreate, EndpointOut
from recall_sim.simulator.settings import WebhookSettings
from recall_sim.simulator.store import BlobStore, Store

__all__ = ["WEBHOOK_HOST", "RecallRegion", "region_settings", "run_on_virtual_time"]

T = TypeVar("T")
App = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]

#: the in-process webhook receiver's host
WEBHOOK_HOST = "webhooks.test"
#: at the end of a test, how many rounds of due work the region may still run (no time passes)
_SETTLE_ROUNDS = 200


def region_settings(options: RegionOptions, **more: Any) -> Settings:
    """The region's settings (simulator.Settings) for resolved marker options."""
    return Settings(
        seed=options.seed,
        region=options.region,
        profile=options.profile or "seed",
        delays=options.delays,
        rate_limits=options.rate_limits,
        api_key=options.api_key,
        webhook_secret=options.webhook_secret,
        webhooks=WebhookSettings(jitter=options.webhook_jitter, signature_time=options.signature_time),
        **more,
    )


class _Hosts(httpx.AsyncBaseTransport):
    """The region's webhook transport: each request goes to the ASGI app mounted for its host, else to
    `elsewhere` (a receiver's transport for every host) if given."""

    def __init__(self, elsewhere: httpx.AsyncBaseTransport | None = None) -> None:
        self.apps: dict[str, httpx.ASGITransport] = {}
        self.elsewhere = elsewhere

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.host) or self.elsewhere
        if transport is None:
            raise httpx.ConnectError(f"nothing listens at {request.url.host} (mount an app for it)")
        return await transport.handle_async_request(request)


class RecallRegion:
    """An in-process Recall region on virtual time (simulator.Region + create_app + ControlPlane)."""

    #: the address the region answers at in process (clients, the SDK's api_url, download links)
    base_url = BASE_URL

    def __init__(
        self,
        options: RegionOptions,
        clock: VirtualClock,
        *,
        settings: Settings | None = None,
        store: Store | None = None,
        blobs: BlobStore | None = None,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
        realtime_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """`settings` replaces those the options give; `store` and `blobs` are where it keeps its state
        (a temporary SQLite database by default); `webhook_transport` carries webhooks to hosts nothing
        is mounted for; `realtime_transport` its connections to websocket real-time endpoints."""
        self.options = options
        self.clock = clock
        self._hosts = _Hosts(webhook_transport)
        self.region = Region(
            settings or region_settings(options, public_base_url=BASE_URL),
            clock=clock,
            store=store,
            blobs=blobs,
            webhook_transport=self._hosts,
            realtime_transport=realtime_transport,
        )
        self.app: FastAPI = create_app(region=self.region)
        self.control = ControlPlane(self.region)
        self._clients: list[httpx.AsyncClient] = []
        #: parts that end before the region stops (the recorder)
        self._companions: list[Callable[[], Awaitable[None]]] = []
        #: stopped by `aclose` before the test's end
        self._ended = False

    @property
    def api_key(self) -> str:
        """The start-up workspace's API key (`Authorization: Token <key>`)."""
        return self.region.default_api_key.id

    @property
    def webhook_secret(self) -> str:
        """The start-up workspace's webhook secret; endpoints added with `add_endpoint` sign with it."""
        return self.region.default_workspace.webhook_secret

    def describe(self) -> str:
        """The region's seed and profile, and how to run the test on them again."""
        o = self.options
        return (
            f"region {o.region}, profile {o.profile}, seed {o.seed}: "
            f"run again with --recall-seed {o.seed} --recall-profile {o.profile}"
        )

    # -- talking to it ---------------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport into the region's ASGI app (no sockets)."""
        return httpx.ASGITransport(app=self.app)

    def client(self, api_key: str | None = "default", **headers: str) -> httpx.AsyncClient:
        """An httpx.AsyncClient for the region's API with the default key; `api_key=None` sends none.
        Closed when the test ends."""
        key = self.api_key if api_key == "default" else api_key
        if key is not None:
            headers.setdefault("Authorization", f"Token {key}")
        client = httpx.AsyncClient(transport=self.transport(), base_url=self.base_url, headers=headers)
        self._clients.append(client)
        return client

    def mount(self, host: str, app: App) -> None:
        """Webhooks sent to `http://<host>/...` reach the ASGI `app` (a partner's backend, say)."""
        self._hosts.apps[host] = httpx.ASGITransport(app=app)

    def add_endpoint(self, url: str, *, filter_types: list[str] | None = None) -> EndpointOut:
        """Register a webhook endpoint for the start-up workspace. It signs with `webhook_secret` in
        both profiles (in `seed`, where each endpoint has its own secret, it is given that one)."""
        seed = self.region.default_workspace.profile == "seed"
        spec = EndpointCreate(
            url=url, filter_types=filter_types, secret=self.webhook_secret if seed else None
        )
        return self.control.webhooks.create_endpoint(spec)

    # -- time --------------------------------------------------------------------------------------

    async def advance(self, seconds: float) -> None:
        """Let `seconds` of region time pass, every retry and processing step at its own moment
        (`POST /_simulator/clock`)."""
        await self.control.advance(seconds)

    async def settle(self) -> None:
        """Run whatever is due now (event dispatch, first delivery attempts) until nothing is; no time
        passes."""
        scheduler = self.region.scheduler
        for _ in range(_SETTLE_ROUNDS):
            await asyncio.sleep(0)
            await scheduler.run_due()
            await scheduler.drain()
            due = scheduler.next_due_at()
            if due is None or due > self.clock.timestamp():
                return

    def receive_webhooks(self, filter_types: list[str] | None = None) -> WebhookReceiver:
        """A verifying receiver (scenarios.receiver), mounted in process and registered as an endpoint."""
        url = f"http://{WEBHOOK_HOST}{WEBHOOK_PATH}"
        receiver = WebhookReceiver(
            self.clock,
            lambda: self.control.webhooks.endpoint_secret(receiver.endpoint_id),
            url,
            machine_time=self.region.webhooks.delivery.signature_time == "real",
        )
        self.mount(WEBHOOK_HOST, receiver.app)
        receiver.endpoint_id = self.add_endpoint(url, filter_types=filter_types).id
        return receiver

    def undelivered(self, receiver: WebhookReceiver) -> list[str]:
        """What has not reached `receiver`: one line per message, one for events not yet dispatched."""
        messages = self.control.webhooks.list_messages(endpoint_id=receiver.endpoint_id)
        dumped = [m.model_dump(mode="json") for m in messages]
        return undelivered_report(dumped, receiver.endpoint_id, self.undispatched())

    def undispatched(self) -> list[str]:
        """Types of the events the region recorded but has not yet made into webhook messages."""
        found = []
        for job in self.region.scheduler.pending(DISPATCH_EVENT):
            event = self.region.webhooks.events.get(job.payload["event_id"])
            found.append(event.type if event is not None else str(job.payload["event_id"]))
        return found

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[RecallRegion]:
        """The region's background work (processing, webhook delivery) runs inside; on the way out the
        recorder shuts down, what is due now runs, clients close and the region stops."""
        await self.region.start()
        try:
            yield self
        finally:
            try:
                if not self._ended:  # a region the test already stopped has nothing left to run
                    for end in reversed(self._companions):
                        await end()
                    await self.settle()
            finally:
                for client in self._clients:
                    await client.aclose()
                self._clients.clear()
                await self.region.stop()

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        """Run `main` on a virtual-time loop with the region running, from a plain `def` test."""
        return run_on_virtual_time(main, self.clock, self)

    async def aclose(self) -> None:
        """Stop the region's background work and close the clients; the store stays open (a region
        process ending, say, before another starts on the same store)."""
        self._ended = True
        await self.region.stop()
        for client in self._clients:
            await client.aclose()
        self._clients.clear()

    def close(self) -> None:
        """Close the region's store and remove its temporary blob folder (Region.close)."""
        self.region.close()


def run_on_virtual_time(main: Coroutine[Any, Any, T], clock: VirtualClock, *regions: RecallRegion) -> T:
    """Run `main` on a fresh seams.VirtualTimeEventLoop on `clock`, inside each region's `running()`;
    fail if anything handed work to a thread meanwhile (time may have jumped while it worked)."""

    async def body() -> T:
        async with contextlib.AsyncExitStack() as running:
            for region in regions:
                await running.enter_async_context(region.running())
            return await main

    result = run_virtual(body(), clock)
    workers = [t.name for t in threading.enumerate() if t.name.startswith(("AnyIO worker", "asyncio_"))]
    if workers:
        raise AssertionError(
            f"code on virtual time handed work to a thread ({workers}); time may have jumped"
        )
    return result
