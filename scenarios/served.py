"""What the plugin's `recall_served` fixture gives a test: a region over real HTTP on loopback.

The region is served by uvicorn on a background thread (simulator.serve.served), on a free port of
127.0.0.1, with the machine's clock (scaled by `time_scale`). Everything a test does to it goes over
HTTP, as an unmodified backend's calls would: the REST API with `api_key`, the control plane under
`/_simulator/`. `serve_app` puts any ASGI app (the webhook receiver of `recall_webhooks`) on a port of
its own the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import uvicorn

from recall_sim.scenarios.receiver import WEBHOOK_PATH, WebhookReceiver
from recall_sim.scenarios.receiver_wire import undelivered_report
from recall_sim.simulator.backend.events import DISPATCH_EVENT
from recall_sim.simulator.serve import ServedRegion, bind_socket

__all__ = ["RecallServed", "serve_app"]

_POLL = 0.05


class RecallServed:
    """A served region (simulator.serve.ServedRegion): its `base_url`, `api_key`, `webhook_secret`."""

    def __init__(self, handle: ServedRegion) -> None:
        self.handle = handle
        self.region = handle.region
        self.base_url = handle.base_url
        self.api_key = handle.api_key
        #: the start-up workspace's webhook secret; endpoints added with `add_endpoint` sign with it
        self.webhook_secret = handle.region.default_workspace.webhook_secret
        self._control = httpx.Client(base_url=f"{self.base_url}/_simulator", timeout=10, trust_env=False)
        self._clients: list[httpx.Client] = [self._control]

    def client(self, api_key: str | None = "default", **headers: str) -> httpx.Client:
        """An httpx.Client for the region's API with the default key (`api_key=None`: none)."""
        key = self.api_key if api_key == "default" else api_key
        if key is not None:
            headers.setdefault("Authorization", f"Token {key}")
        client = httpx.Client(base_url=self.base_url, headers=headers, timeout=10, trust_env=False)
        self._clients.append(client)
        return client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._control.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()

    def add_endpoint(self, url: str, *, filter_types: list[str] | None = None) -> dict[str, Any]:
        """`POST /_simulator/webhooks/endpoints`; the endpoint signs with `webhook_secret` in both
        profiles (a `seed` endpoint is given it as its own secret)."""
        body: dict[str, Any] = {"url": url, "filter_types": filter_types}
        if self.region.settings.profile == "seed":
            body["secret"] = self.webhook_secret
        endpoint: dict[str, Any] = self._call("POST", "/webhooks/endpoints", json=body)
        return endpoint

    def endpoint_secret(self, endpoint_id: str) -> str:
        """`GET /_simulator/webhooks/endpoints/{id}/secret`."""
        return str(self._call("GET", f"/webhooks/endpoints/{endpoint_id}/secret")["key"])

    def messages(self, endpoint_id: str) -> list[dict[str, Any]]:
        """`GET /_simulator/webhooks/messages?endpoint_id=...`, oldest first."""
        found: list[dict[str, Any]] = self._call(
            "GET", "/webhooks/messages", params={"endpoint_id": endpoint_id}
        )
        return found

    def undispatched(self) -> list[str]:
        """Types of the events recorded but not yet made into webhook messages (`GET /_simulator/state`)."""
        collections = self._call("GET", "/state")["collections"]
        events = {e["id"]: e["type"] for e in collections.get("events", [])}
        jobs = [j for j in collections.get("jobs", []) if j["kind"] == DISPATCH_EVENT]
        return [events.get(j["payload"]["event_id"], j["payload"]["event_id"]) for j in jobs]

    @contextlib.contextmanager
    def receive_webhooks(self, filter_types: list[str] | None = None) -> Iterator[WebhookReceiver]:
        """A verifying receiver (scenarios.receiver) on a loopback port of its own, registered as an
        endpoint; it verifies as a partner's receiver does (svix's `verify`, on the machine's clock) unless
        the region signs with its own clock (`signature_time="region"`)."""
        secret: list[str] = []
        machine_time = self.region.webhooks.delivery.signature_time == "real"
        receiver = WebhookReceiver(self.region.clock, lambda: secret[0], "", machine_time=machine_time)
        with serve_app(receiver.app) as base_url:
            receiver.url = f"{base_url}{WEBHOOK_PATH}"
            receiver.endpoint_id = self.add_endpoint(receiver.url, filter_types=filter_types)["id"]
            secret.append(self.endpoint_secret(receiver.endpoint_id))
            yield receiver

    def undelivered(self, receiver: WebhookReceiver, grace: float = 3.0) -> list[str]:
        """What has not reached `receiver`, after up to `grace` real seconds for deliveries already on
        their way (polled: no clock is read here)."""
        lines: list[str] = []
        for _ in range(max(1, int(grace / _POLL))):
            messages = self.messages(receiver.endpoint_id)
            lines = undelivered_report(messages, receiver.endpoint_id, self.undispatched())
            if not lines:
                break
            threading.Event().wait(_POLL)
        return lines

    def advance(self, seconds: float) -> dict[str, Any]:
        """`POST /_simulator/clock {"advance": seconds}`."""
        clock: dict[str, Any] = self._call("POST", "/clock", json={"advance": seconds})
        return clock

    def close(self) -> None:
        """Close the clients made for the test (the server stops with the fixture)."""
        for client in self._clients:
            client.close()


@contextlib.contextmanager
def serve_app(app: Any, *, http: str = "auto") -> Iterator[str]:
    """`app` on a free port of 127.0.0.1, served by uvicorn on a background thread; yields its URL.
    `http` is uvicorn's parser: "auto" (httptools when installed), "h11" or "httptools"."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", http=http))
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])),
        name=f"recall-sim-receiver:{port}",
        daemon=True,
    )
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the webhook receiver failed to start")
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
