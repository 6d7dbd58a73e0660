"""Serving a region over real HTTP with uvicorn: in the foreground for the CLI, or on a background thread
for tests (`ServedRegion`), always on a socket bound before start-up so port 0 works."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from recall_sim.simulator.app import create_app
from recall_sim.simulator.logs import install_redaction
from recall_sim.simulator.region import Region
from recall_sim.simulator.settings import Settings

__all__ = ["ServedRegion", "bind_socket", "serve_forever", "served"]


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # The protocol named, as getaddrinfo would: asyncio turns Nagle's algorithm off only on sockets it
    # knows are TCP, and without that every response whose body follows its headers in a second write
    # waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _server(region: Region, log_level: str, access_log: bool) -> uvicorn.Server:
    app = create_app(region=region)
    # wsproto: uvicorn's websockets implementation logs a spurious error for every refused handshake
    # that answers with a denial response (the real-time channel's 401/409).
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=5,
        # Recall's API sits behind load balancers that keep idle connections for a minute or more;
        # uvicorn's 5 s default closes a pooled connection under a client that polls every few seconds,
        # and a request sent as it closes is reset.
        timeout_keep_alive=75,
        ws="wsproto",
        # httptools, not h11: h11 copies every body chunk in and out of its buffer, most of a tus
        # upload's CPU (README, "Benchmarks"); tests/simulator/test_served_upgrades.py pins its
        # handling of upgrade requests.
        http="httptools",
    )
    # After the Config, which (re)configures uvicorn's loggers: request lines carry signed links'
    # tokens in their query strings.
    install_redaction()
    return uvicorn.Server(config)


def serve_forever(
    region: Region, sock: socket.socket, *, log_level: str = "warning", access_log: bool = False
) -> None:
    """Serve until Ctrl-C (uvicorn turns SIGINT/SIGTERM into a graceful shutdown)."""
    server = _server(region, log_level, access_log)
    try:
        server.run(sockets=[sock])
    finally:
        region.close()


@dataclass
class ServedRegion:
    region: Region
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def api_key(self) -> str:
        return self.region.default_api_key.id

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextlib.contextmanager
def served(
    settings: Settings | None = None,
    *,
    region: Region | None = None,
    log_level: str = "warning",
    access_log: bool = False,
) -> Iterator[ServedRegion]:
    """A region on a free loopback port (`Settings.host`), served on a background thread, for tests
    that need sockets."""
    owned = region is None
    region = region or Region(settings or Settings())
    sock = bind_socket(region.settings.host, 0)
    port = sock.getsockname()[1]
    server = _server(region, log_level, access_log)

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name=f"recall-sim:{port}", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the simulator failed to start")
        threading.Event().wait(0.01)
    handle = ServedRegion(
        region=region, base_url=f"http://{region.settings.host}:{port}", server=server, thread=thread
    )
    try:
        yield handle
    finally:
        handle.stop()
        sock.close()
        if owned:
            region.close()
