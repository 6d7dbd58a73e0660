"""REST API throughput and latency of the served simulator, against Stoplight Prism mocking the same
operation and a bare Starlette endpoint returning the same JSON under the same uvicorn settings.

    python benchmarks/api_throughput.py [--connections 16] [--seconds 5] [--warmup 1] [--runs 3]
                                        [--cache ~/.cache/recall-sim-bench]

Targets, all on 127.0.0.1 and driven by the same load generator (benchmarks/_load.py):

- ours: `recall-sim serve --in-memory --delays instant --no-rate-limits`, one uvicorn worker. The GET
  reads a done recording made beforehand through the ingest protocol (`recall-sim upload`'s code path).
- Prism (`@stoplight/prism-cli`, installed with npm into the cache directory on first use): the GET is
  mocked from simulator/reference/recall-openapi.json; that file has no sdk_upload create, so the POST is
  mocked from a one-operation document written at run time, holding our served OpenAPI schemas and our
  POST's response as its example.
- Starlette: benchmarks/_bare_starlette.py, answering the same JSON the simulator answered.

Every repetition measures every target in turn, so a noisy neighbour slows all of them alike. Each
server's CPU time per request (from /proc, user + system) is printed beside its rate: on a machine other
work loads, req/s mostly says how much CPU a server got, and the CPU ratio what it costs per request.

`--checkout DIR` also serves a region from another checkout of this project (say `git worktree add
/tmp/before main`), measured in turn with the others, so a change is compared with the code before it
in the same run, under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/api_throughput.py`

import httpx
from rich.console import Console

from benchmarks._load import LoadResult, Request, run_load
from benchmarks._report import Figure, add_json_flag, figures_reported
from benchmarks._served import free_port, launched
from benchmarks.media_capture import meeting
from recall_sim.recorder.media import TINY, MeetingEncoder
from recall_sim.recorder.media.segments import Segment
from recall_sim.recorder.upload_cli import upload_file
from recall_sim.scenarios.served_process import ServedProcess, serve_process

PRISM_PACKAGE = "@stoplight/prism-cli@5"
REFERENCE = Path(__file__).resolve().parents[1] / "simulator" / "reference" / "recall-openapi.json"
HERE = Path(__file__).resolve().parent
CREATE_BODY = json.dumps(
    {"recording_config": {"video_mixed_mp4": {}}, "metadata": {"team": "bench"}}
).encode()


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    #: the server's process, whose CPU time is read from /proc (None: not read)
    pid: int | None = None


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user + system, and its children's that it waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


@contextmanager
def checkout_served(checkout: Path) -> Iterator[ServedProcess]:
    """`recall-sim serve` run from another checkout of the project: its folder first on the path."""
    if not (checkout / "recall_sim" / "__init__.py").exists():
        raise SystemExit(f"--checkout {checkout}: not a checkout of recall-sim (no recall_sim/ in it)")
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(checkout.resolve()), *([saved] if saved else [])])
    try:
        served = serve_process("--in-memory", "--delays", "instant", "--no-rate-limits")
        sim = served.__enter__()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    try:
        yield sim
    finally:
        served.__exit__(None, None, None)


def prism_binary(cache: Path) -> Path | None:
    """Prism's CLI under `cache`, installed with npm if missing; None (said out loud) if that fails."""
    prefix = cache / "prism"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        print("Prism: npm is not on PATH; measuring the simulator and Starlette only", flush=True)
        return None
    print(f"Prism: installing {PRISM_PACKAGE} into {prefix} ...", flush=True)
    prefix.mkdir(parents=True, exist_ok=True)
    cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run([*cmd, PRISM_PACKAGE], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not binary.exists():
        print(f"Prism: npm install failed ({done.returncode}); measuring the simulator and Starlette only")
        print(done.stderr[-2000:], flush=True)
        return None
    return binary


def _meeting_file(path: Path) -> None:
    """A 10-second MP4 meeting, as the recorder's capture writes it."""
    segments: list[Segment] = []
    encoder = MeetingEncoder(meeting(10.0), TINY, kind="mp4", on_segment=segments.append)
    encoder.advance_to(10.0)
    summary = encoder.close(10.0)
    with path.open("wb") as fh:
        for index in summary.concatenation:
            fh.write(segments[index].data)


async def _samples(base_url: str, api_key: str, media: Path) -> tuple[Any, Any, str]:
    """A done recording (through the ingest protocol) and one created upload: the JSON both GET and
    POST answer, for the baselines to answer too."""
    recording = await upload_file(
        media, base_url=base_url, api_key=api_key, upload_token=None, console=Console(quiet=True)
    )
    if recording.get("status", {}).get("code") != "done":
        raise RuntimeError(f"the sample recording did not finish: {recording}")
    headers = {"Authorization": f"Token {api_key}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers) as api:
        created = await api.post("/api/v1/sdk_upload/", content=CREATE_BODY, headers=_JSON)
        created.raise_for_status()
        served = (await api.get(f"/api/v1/recording/{recording['id']}/")).json()
        openapi = (await api.get("/_simulator/openapi.json")).json()
    (media.parent / "openapi.json").write_text(json.dumps(openapi))
    return created.json(), served, recording["id"]


_JSON = {"Content-Type": "application/json"}


def _create_document(ours: Path, example: Any, path: Path) -> None:
    """One operation, sdk_upload create, with our served schemas and our response as its example."""
    served = json.loads(ours.read_text())
    operation = served["paths"]["/api/v1/sdk_upload/"]["post"]
    operation["security"] = [{"tokenAuth": []}]
    operation["responses"]["201"]["content"]["application/json"]["example"] = example
    reference = json.loads(REFERENCE.read_text())
    document = {
        "openapi": served["openapi"],
        "info": {"title": "sdk_upload create (recall-sim benchmark)", "version": "1"},
        "paths": {"/api/v1/sdk_upload/": {"post": operation}},
        "components": {
            "schemas": served["components"]["schemas"],
            "securitySchemes": reference["components"]["securitySchemes"],
        },
    }
    path.write_text(json.dumps(document))


def _measure(
    target: Target, op: str, api_key: str, recording_id: str, args: argparse.Namespace
) -> LoadResult:
    auth = {"Authorization": f"Token {api_key}"}
    if op == "POST":
        request = Request("POST", f"{target.base_url}/api/v1/sdk_upload/", {**auth, **_JSON}, CREATE_BODY)
    else:
        request = Request("GET", f"{target.base_url}/api/v1/recording/{recording_id}/", auth)
    return run_load(request, connections=args.connections, seconds=args.seconds, warmup=args.warmup)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "recall-sim-bench")
    parser.add_argument("--no-prism", action="store_true", help="skip Prism")
    parser.add_argument(
        "--checkout", type=Path, help="also serve the region from this checkout of the project (before/after)"
    )
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    prism = None if args.no_prism else prism_binary(args.cache)

    with tempfile.TemporaryDirectory(prefix="recall-sim-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        sim = stack.enter_context(serve_process("--in-memory", "--delays", "instant", "--no-rate-limits"))
        _meeting_file(work / "meeting.mp4")
        created, recording, recording_id = asyncio.run(
            _samples(sim.base_url, sim.api_key, work / "meeting.mp4")
        )
        (work / "sdk_upload.json").write_text(json.dumps(created))
        (work / "recording.json").write_text(json.dumps(recording))
        ours = Target("ours", sim.base_url, sim.process.pid)
        targets = {"POST": [ours], "GET": [ours]}
        recording_ids = {sim.base_url: recording_id}
        if args.checkout is not None:
            other = stack.enter_context(checkout_served(args.checkout))
            _, _, recording_ids[other.base_url] = asyncio.run(
                _samples(other.base_url, other.api_key, work / "meeting.mp4")
            )
            for op in targets:
                targets[op] = [*targets[op], Target("checkout", other.base_url, other.process.pid)]
            keys = {other.base_url: other.api_key}
        else:
            keys = {}

        port = free_port()
        bare = [sys.executable, str(HERE / "_bare_starlette.py"), str(port)]
        bare += [str(work / "sdk_upload.json"), str(work / "recording.json")]
        starlette = stack.enter_context(launched(bare, f"http://127.0.0.1:{port}/_simulator/health"))
        for op in targets:
            targets[op].append(Target("Starlette", f"http://127.0.0.1:{port}", starlette.pid))

        if prism is not None:
            _create_document(work / "openapi.json", created, work / "sdk-upload-create.json")
            for op, document in (("GET", REFERENCE), ("POST", work / "sdk-upload-create.json")):
                port = free_port()
                cmd = [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error", str(document)]
                stack.enter_context(launched(cmd, f"http://127.0.0.1:{port}/", any_status=True))
                targets[op].insert(1, Target("Prism", f"http://127.0.0.1:{port}"))
            version = subprocess.run([str(prism), "--version"], capture_output=True, text=True, check=False)
            print(f"Prism {version.stdout.strip()}: GET mocked from {REFERENCE.name}; POST from a")
            print("one-operation document written at run time (our served schemas, our response as example)")

        results: dict[tuple[str, str], list[LoadResult]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for run in range(args.runs):
            for op, op_targets in targets.items():
                for target in op_targets:
                    before = cpu_seconds(target.pid) if target.pid is not None else 0.0
                    key = keys.get(target.base_url, sim.api_key)
                    result = _measure(target, op, key, recording_ids.get(target.base_url, recording_id), args)
                    results.setdefault((op, target.name), []).append(result)
                    used = ""
                    if target.pid is not None:
                        per = (cpu_seconds(target.pid) - before) / max(1, result.requests) * 1e6
                        cpu.setdefault((op, target.name), []).append(per)
                        used = f" {per:>6.0f} us CPU/req"
                    bad = {s: n for s, n in result.statuses.items() if not 200 <= s < 300}
                    print(
                        f"run {run + 1}/{args.runs} {op:<4} {target.name:<9} {result.rate:>8.0f} req/s{used}"
                        f"{f'  non-2xx: {bad}' if bad else ''}",
                        flush=True,
                    )

    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    print()
    print(
        f"machine: {os.cpu_count()} cores, {int(mem.split()[1]) / 1024**2:.1f} GiB; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{args.connections} connections, {args.runs} runs of {args.seconds:g} s (after {args.warmup:g} s "
        "warm-up); medians over runs; ratio = ours / baseline"
    )
    print(
        f"{'operation':<34}{'target':<11}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'bytes':>8}"
        f"{'gen CPU':>9}{'ratio':>8}{'us CPU/req':>12}{'CPU ratio':>11}"
    )
    paths = {"POST": "POST /api/v1/sdk_upload/", "GET": "GET /api/v1/recording/{id}/"}
    for op, op_targets in targets.items():
        ours = statistics.median(r.rate for r in results[(op, "ours")])
        ours_cpu = statistics.median(cpu[(op, "ours")])
        for target in op_targets:
            runs = results[(op, target.name)]
            rate = statistics.median(r.rate for r in runs)
            p50 = statistics.median(r.percentile(50) for r in runs)
            p99 = statistics.median(r.percentile(99) for r in runs)
            size = runs[0].response_bytes // max(1, runs[0].requests)
            share = statistics.median(r.cpu_share for r in runs)
            ratio = "" if target.name == "ours" else f"{ours / rate:.2f}"
            used = statistics.median(cpu[(op, target.name)]) if (op, target.name) in cpu else None
            # CPU ratio = the baseline's CPU per request over ours: read like the req/s ratio
            cpu_ratio = "" if target.name == "ours" or used is None else f"{used / ours_cpu:.2f}"
            if target.name != "ours":
                figures.append(Figure(paths[op], ours, rate, target.name, "req/s"))
                if used is not None:
                    figures.append(Figure(f"{paths[op]} CPU per request", ours_cpu, used, target.name, "us"))
            print(
                f"{paths[op]:<34}{target.name:<11}{rate:>8.0f}{_ms(p50):>9}{_ms(p99):>9}{size:>8}"
                f"{share:>8.0%}{ratio:>9}{'' if used is None else f'{used:.0f}':>12}{cpu_ratio:>11}"
            )
    print("gen CPU: the load generator's CPU time over wall time (near 100 % = it set the pace)")
    print("CPU ratio: the baseline's CPU time per request over ours (a load-independent req/s ratio)")


if __name__ == "__main__":
    main()
