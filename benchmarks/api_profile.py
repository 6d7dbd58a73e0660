"""Where a served REST request's time goes: the two operations benchmarks/api_throughput.py measures, under
the same load, in a served region sampled by py-spy (the `bench` extra).

    python benchmarks/api_profile.py [--connections 16] [--seconds 5] [--out DIR]

The region runs as `recall-sim serve --in-memory --delays instant --no-rate-limits`, in its own process;
py-spy attaches to it only while the load runs, so the sample recording made beforehand through the
ingest protocol is not in the profile. py-spy samples a thread only while it is on a CPU, so neighbours
loading the machine slow the run but do not change the shares. The headline is the share of the
server's samples spent in each part; the raw stacks of each operation (flamegraph.pl's input) are
written to `--out`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/api_profile.py`

from benchmarks._load import Request, run_load
from benchmarks.api_throughput import CREATE_BODY, _meeting_file, _samples
from recall_sim.scenarios.served_process import serve_process

#: headline parts: (label, the frames' function names that put a sample in the part): FastAPI's own, and
#: those of the REST routes that answer without its handler (simulator/api/rest_route.py)
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("the app (first middleware to last byte)", ("run_asgi",)),
    ("  FastAPI dependency solving", ("solve_dependencies",)),
    ("  response validation and serialisation", ("serialize_response", "serialize_answer")),
    ("  route handler (the work)", ("run_endpoint_function", "run_endpoint")),
]


def headline(stacks: str) -> tuple[int, Counter[str]]:
    """All samples, and the samples with each part's function on the stack (folded py-spy output)."""
    total = 0
    parts: Counter[str] = Counter()
    for line in stacks.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        # py-spy names a method by its class (`RequestResponseCycle.run_asgi`): the last part counts.
        functions = {frame.split(" (", 1)[0].rsplit(".", 1)[-1] for frame in stack.split(";")}
        total += int(count)
        for label, names in PARTS:
            if not functions.isdisjoint(names):
                parts[label] += int(count)
    return total, parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "recall-sim-api-profile")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        sys.exit("py-spy is not installed: pip install -e '.[bench]'")
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="recall-sim-profile-") as tmp,
        serve_process("--in-memory", "--delays", "instant", "--no-rate-limits") as sim,
    ):
        work = Path(tmp)
        _meeting_file(work / "meeting.mp4")
        _, _, recording_id = asyncio.run(_samples(sim.base_url, sim.api_key, work / "meeting.mp4"))
        auth = {"Authorization": f"Token {sim.api_key}"}
        json_auth = {**auth, "Content-Type": "application/json"}
        requests = {
            "POST /api/v1/sdk_upload/": Request(
                "POST", f"{sim.base_url}/api/v1/sdk_upload/", json_auth, CREATE_BODY
            ),
            "GET /api/v1/recording/{id}/": Request(
                "GET", f"{sim.base_url}/api/v1/recording/{recording_id}/", auth
            ),
        }
        for name, request in requests.items():
            out = args.out / f"{name.split()[0].lower()}.folded"
            run_load(request, connections=args.connections, seconds=args.warmup, warmup=0)
            record = [spy, "record", "--pid", str(sim.process.pid), "--nonblocking", "--rate", str(args.rate)]
            record += ["--duration", str(int(args.seconds)), "--format", "raw", "--output", str(out)]
            profiler = subprocess.Popen(record, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            result = run_load(request, connections=args.connections, seconds=args.seconds, warmup=0)
            _, errors = profiler.communicate(timeout=60)
            if profiler.returncode != 0 or not out.exists():
                sys.exit(f"py-spy failed ({profiler.returncode}): {errors.strip()[-500:]}")
            total, parts = headline(out.read_text())
            print(f"{name}: {result.rate:.0f} req/s under the profiler, {total} samples of the server")
            for label, _ in PARTS:
                print(f"  {label:<44}{parts[label] / max(1, total):>6.0%}")
    print(f"stacks: {args.out}/post.folded, {args.out}/get.folded; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
