"""Signed webhook deliveries per second through the simulator's delivery machinery, against unsigned POSTs
of the same bodies with the same httpx client settings, to the same receiver over loopback HTTP.

    python benchmarks/webhook_delivery.py [--messages 500] [--runs 5] [--profile seed|current]
                                          [--store memory|sqlite]

Ours: a fresh region (in memory, or SQLite in a temporary folder) on the real clock records `--messages`
`recording.done` events for a workspace with one endpoint; the timer runs from the first scheduler pass
to the last attempt logged:
the `dispatch_event` jobs build and store the messages, then every `webhook_attempt` job signs its
message, POSTs it (a fresh httpx client per attempt, as simulator/webhooks/sender.py does) and logs it.
Every message must end `success`.

Baselines, same bodies, no signing, no jobs, no store:
- fresh client: one `httpx.AsyncClient` per POST with the settings the sender uses (no redirects, no
  environment, 15 s timeout, the CA bundle loaded once), all POSTs at once as the attempts run;
- shared client: one such client for every POST (keep-alive), at most 100 in flight (its pool's size),
  for what a client per attempt costs.

The receiver (benchmarks/_receiver.py: the shipped scenarios.receiver, checking no signature) is a
separate process that reads each body and answers 204.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/webhook_delivery.py`

import httpx

from benchmarks._report import Figure, add_json_flag, figures_reported
from benchmarks._served import free_port, launched
from recall_sim.seams import RandomStream
from recall_sim.simulator.backend.events import Subject, record_event
from recall_sim.simulator.control_plane import ControlPlane, EndpointCreate
from recall_sim.simulator.records import Status
from recall_sim.simulator.region import Region
from recall_sim.simulator.settings import Settings, WebhookSettings

HERE = Path(__file__).resolve().parent


#: the sender's TLS settings: httpx's defaults without the environment, the CA bundle loaded once
_TLS = httpx.create_ssl_context(trust_env=False)
#: the most POSTs one shared client has in flight: its pool's size, so no request queues inside httpx
_SHARED_IN_FLIGHT = 100


def _clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(started: tuple[float, float]) -> tuple[float, float]:
    """Wall and CPU seconds (this process only: the receiver is another) since `_clocks()`."""
    wall, cpu = _clocks()
    return wall - started[0], cpu - started[1]


def _client() -> httpx.AsyncClient:
    """A client with the settings simulator/webhooks/sender.py uses for each attempt."""
    return httpx.AsyncClient(
        verify=_TLS, follow_redirects=False, trust_env=False, timeout=httpx.Timeout(15.0)
    )


async def ours(
    url: str, messages: int, profile: str, seed: int, data_dir: Path | None = None
) -> tuple[tuple[float, float], list[str]]:
    """Wall and CPU seconds to deliver every message, and the bodies sent."""
    hooks = WebhookSettings(jitter=0)
    region = Region(Settings(seed=seed, profile=profile, webhooks=hooks, data_dir=data_dir))
    try:
        ControlPlane(region).webhooks.create_endpoint(EndpointCreate(url=url))
        workspace = region.default_workspace
        ids = RandomStream(seed, "benchmark-recordings")
        with region.ctx.unit_of_work():
            for _ in range(messages):
                status = Status(code="done", updated_at=region.ctx.now())
                recording = Subject(id=str(ids.uuid4()), metadata={"team": "bench"})
                record_event(region.ctx, workspace.id, "recording.done", status, recording=recording)
        scheduler = region.scheduler
        started = _clocks()
        while scheduler.pending():
            await scheduler.run_due()
            await scheduler.drain()
        elapsed = _since(started)
        sent = region.webhooks.messages.find()
        failed = [m.id for m in sent if any(d.status != "success" for d in m.destinations.values())]
        if len(sent) != messages or failed:
            raise RuntimeError(f"{len(sent)} messages, {len(failed)} not delivered: {failed[:3]}")
        return elapsed, [m.payload for m in sent]
    finally:
        region.close()


async def _post(client: httpx.AsyncClient, url: str, body: str) -> None:
    response = await client.post(url, content=body.encode(), headers={"content-type": "application/json"})
    if response.status_code != 204:
        raise RuntimeError(f"the receiver answered {response.status_code}")


async def fresh_clients(url: str, bodies: list[str]) -> tuple[float, float]:
    async def one(body: str) -> None:
        async with _client() as client:
            await _post(client, url, body)

    started = _clocks()
    await asyncio.gather(*(one(body) for body in bodies))
    return _since(started)


async def shared_client(url: str, bodies: list[str]) -> tuple[float, float]:
    # httpx's pool handles queued requests in quadratic time, so more than its 100 connections' worth in
    # flight at once would measure that queue instead of the POSTs.
    in_flight = asyncio.Semaphore(_SHARED_IN_FLIGHT)

    async def one(client: httpx.AsyncClient, body: str) -> None:
        async with in_flight:
            await _post(client, url, body)

    async with _client() as client:
        started = _clocks()
        await asyncio.gather(*(one(client, body) for body in bodies))
        return _since(started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", choices=("seed", "current"), default="seed")
    parser.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "fresh": [], "shared": []}
    receiver = [sys.executable, str(HERE / "_receiver.py"), str(port)]
    with launched(receiver, f"http://127.0.0.1:{port}/health"):
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="recall-sim-bench-") as tmp:
                data_dir = Path(tmp) if args.store == "sqlite" else None
                elapsed, bodies = asyncio.run(ours(url, args.messages, args.profile, run + 1, data_dir))
            times["ours"].append(elapsed)
            times["fresh"].append(asyncio.run(fresh_clients(url, bodies)))
            times["shared"].append(asyncio.run(shared_client(url, bodies)))
            print(
                f"run {run + 1}/{args.runs}: "
                + "  ".join(f"{name} {args.messages / t[-1][0]:.0f}/s" for name, t in times.items()),
                flush=True,
            )
    size = statistics.median(len(b) for b in bodies)
    rates = {name: args.messages / statistics.median(w for w, _ in t) for name, t in times.items()}
    cpu = {name: statistics.median(c for _, c in t) / args.messages * 1e3 for name, t in times.items()}
    print()
    print(
        f"machine: {os.cpu_count()} cores; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{args.messages} recording.done messages ({args.profile} profile, ~{size:.0f} B bodies, "
        f"{args.store} store) per run, {args.runs} runs; medians; ratio = ours / baseline"
    )
    print(f"{'measure':<58}{'per s':>8}{'ratio':>8}{'CPU ms each':>13}")
    rows = {
        "ours": "signed deliveries through dispatch + attempt jobs (ours)",
        "fresh": "unsigned POSTs, a fresh client each (sender settings)",
        "shared": "unsigned POSTs, one shared client",
    }
    for baseline in ("fresh", "shared"):
        figures.append(Figure(rows["ours"], rates["ours"], rates[baseline], rows[baseline], "deliveries/s"))
    for name, label in rows.items():
        ratio = "" if name == "ours" else f"{rates['ours'] / rates[name]:.2f}"
        print(f"{label:<58}{rates[name]:>8.0f}{ratio:>8}{cpu[name]:>13.2f}")
    print("CPU ms each: this process's CPU time per message (the receiver runs in another process)")


if __name__ == "__main__":
    main()
