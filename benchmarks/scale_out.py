"""One region served by one process on SQLite, one on PostgreSQL, and three on one PostgreSQL database,
measured in the same run: REST API requests per second and recording lifecycles per second.

    python benchmarks/scale_out.py [--connections 12] [--seconds 5] [--warmup 1] [--lifecycles 12] [--runs 2]

- API: POST /api/v1/sdk_upload/ (a write: a unit of work in the store), spread evenly over the
  processes, from `--connections` connections in all (benchmarks/_load.py, one generator per process).
- Lifecycles: `--lifecycles` 10-second MP4 meetings uploaded at once through the ingest protocol
  (`recall-sim upload`'s code path), spread over the processes, each until its recording is done.

Every process runs `recall-sim serve --delays instant --no-rate-limits`; the PostgreSQL server is a
throwaway one started for the run (scenarios/local_servers.py). Everything shares this machine's cores:
the load generators, the servers and PostgreSQL. Ratios are against one process on SQLite, measured in
the same repetition.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/scale_out.py`

import psycopg
from rich.console import Console

from benchmarks._load import LoadResult, Request, run_load
from benchmarks._report import Figure, add_json_flag, figures_reported
from benchmarks.api_throughput import CREATE_BODY, _meeting_file
from recall_sim.recorder.upload_cli import upload_file
from recall_sim.scenarios.local_servers import LocalPostgres, find_postgres_program, local_postgres
from recall_sim.scenarios.served_process import ServedProcess, serve_process

CONFIGS = ("1 x SQLite", "1 x PostgreSQL", "3 x PostgreSQL")


@contextmanager
def _region(config: str, work: Path, postgres: LocalPostgres, n: int) -> Iterator[list[ServedProcess]]:
    args = ["--delays", "instant", "--no-rate-limits", "--data-dir", str(work / f"data-{n}")]
    processes = 1
    if "PostgreSQL" in config:
        name = f"bench_{n}"
        with psycopg.connect(postgres.url(), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        args += ["--store", postgres.url(name)]
        processes = int(config.split()[0])
    with ExitStack() as stack:
        yield [
            stack.enter_context(serve_process(*args, log=work / f"serve-{n}-{i}.log"))
            for i in range(processes)
        ]


def _api(servers: list[ServedProcess], args: argparse.Namespace) -> float:
    """Requests per second over every process, one load generator (thread) per process."""
    results: list[LoadResult] = []
    per = max(1, args.connections // len(servers))

    def drive(server: ServedProcess) -> None:
        headers = {"Authorization": f"Token {server.api_key}", "Content-Type": "application/json"}
        request = Request("POST", f"{server.base_url}/api/v1/sdk_upload/", headers, CREATE_BODY)
        results.append(run_load(request, connections=per, seconds=args.seconds, warmup=args.warmup))

    threads = [threading.Thread(target=drive, args=(s,)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bad = sum(n for result in results for status, n in result.statuses.items() if not 200 <= status < 300)
    if bad:
        print(f"  {bad} non-2xx answers", flush=True)
    return sum(result.rate for result in results)


async def _lifecycles(servers: list[ServedProcess], media: Path, n: int) -> float:
    """Lifecycles per second: `n` uploads at once, spread over the processes, each until done."""
    quiet = Console(quiet=True)
    started = time.perf_counter()
    recordings = await asyncio.gather(
        *(
            upload_file(
                media,
                base_url=servers[i % len(servers)].base_url,
                api_key=servers[i % len(servers)].api_key,
                upload_token=None,
                console=quiet,
            )
            for i in range(n)
        )
    )
    elapsed = time.perf_counter() - started
    undone = [r.get("status") for r in recordings if r.get("status", {}).get("code") != "done"]
    if undone:
        raise RuntimeError(f"{len(undone)} recordings did not finish: {undone[:3]}")
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per API run")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--lifecycles", type=int, default=12, help="uploads at once per lifecycle run")
    parser.add_argument("--runs", type=int, default=2)
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    initdb, pg_ctl = find_postgres_program("initdb"), find_postgres_program("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise SystemExit("PostgreSQL is not installed: apt-get install postgresql")

    api: dict[str, list[float]] = {c: [] for c in CONFIGS}
    lifecycles: dict[str, list[float]] = {c: [] for c in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="recall-sim-bench-") as tmp, local_postgres(initdb, pg_ctl) as pg:
        work = Path(tmp)
        media = work / "meeting.mp4"
        _meeting_file(media)
        n = 0
        for run in range(args.runs):
            for config in CONFIGS:  # every configuration in each repetition: a noisy neighbour hits all
                n += 1
                with _region(config, work, pg, n) as servers:
                    api[config].append(_api(servers, args))
                    lifecycles[config].append(asyncio.run(_lifecycles(servers, media, args.lifecycles)))
                print(
                    f"run {run + 1}/{args.runs} {config:<15} {api[config][-1]:>8.0f} req/s"
                    f"  {lifecycles[config][-1]:>6.2f} lifecycles/s",
                    flush=True,
                )

    base_api = statistics.median(api[CONFIGS[0]])
    base_life = statistics.median(lifecycles[CONFIGS[0]])
    print(f"\nmedian of {args.runs} runs; ratio against {CONFIGS[0]} (same run)")
    print(f"{'':<15} {'API req/s':>10} {'ratio':>6}  {'lifecycles/s':>12} {'ratio':>6}")
    for config in CONFIGS:
        a, life = statistics.median(api[config]), statistics.median(lifecycles[config])
        if config != CONFIGS[0]:
            figures.append(Figure(f"API req/s, {config}", a, base_api, CONFIGS[0], "req/s"))
            figures.append(Figure(f"lifecycles/s, {config}", life, base_life, CONFIGS[0], "lifecycles/s"))
        print(f"{config:<15} {a:>10.0f} {_ratio(a, base_api):>6}  {life:>12.2f} {_ratio(life, base_life):>6}")


def _ratio(ours: float, baseline: float) -> str:
    """As `Figure.ratio`: none against a baseline that measured nothing (a window no answer fell in)."""
    return "—" if not baseline else f"{ours / baseline:.2f}"


if __name__ == "__main__":
    main()
