"""Upload ingest: MB/s and the server's peak RSS for one large upload through the tus endpoint, against
tus's own Node server (@tus/server + @tus/file-store) receiving the same file from the same client on
the same disk, against copying the same bytes on that disk, and against the server's RSS before the upload.

    python benchmarks/ingest_upload.py [--size-mib 1024] [--chunk-mib 16] [--runs 3] [--dir .] [--no-node]
                                       [--before GIT_REV] [--profile]

Each run copies the source file, then starts `recall-sim serve --data-dir ... --delays instant` (SQLite,
blobs on disk under `--dir`), creates an sdk upload, starts its recording and PATCHes the file in
`--chunk-mib` pieces; only the PATCHes are timed. Then the Node server (installed with npm under `--cache`
on first use) takes the same PATCHes from the same client. Ours checks each PATCH's sha256 and fsyncs
what it acknowledges; @tus/file-store does neither (it ignores the checksum header), so the ratio is the
price of those guarantees and of Python. The files live in a temporary folder under `--dir` (the current
directory by default, so on the disk the data directory would use; not /tmp, which may be memory),
removed afterwards.

`--before REV` also serves that revision of this repository (exported with `git archive`, run with
this environment's packages through `PYTHONPATH`, minus httptools when it did not declare it) in every
run, taking turns with ours and the Node server so a machine busy with other work weighs on all of them
alike. Each server's CPU seconds per GiB (user + system, from /proc) are printed too: unlike MiB/s they
hardly move with the machine's load. `--profile` adds one upload per server under py-spy (the `bench`
extra) and prints where its samples fall.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/ingest_upload.py`

import httpx

from benchmarks._report import Figure, add_json_flag, figures_reported
from benchmarks._served import free_port, launched, peak_rss_mib
from recall_sim.recorder.ingest import IngestClient
from recall_sim.scenarios.served_process import ServedProcess, serve_process

ROOT = Path(__file__).resolve().parents[1]


def _make_file(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as fh:
        for _ in range(size // len(block)):
            fh.write(block)


TUS_NODE_PACKAGES = ["@tus/server@2", "@tus/file-store@2"]
HERE = Path(__file__).resolve().parent


def tus_node_server(cache: Path) -> Path | None:
    """The reference server's script inside its npm prefix under `cache` (installed if missing), or None
    (said out loud) when npm cannot install it."""
    prefix = cache / "tus-node"
    script = prefix / "tus_node_server.mjs"
    npm = shutil.which("npm")
    if not (prefix / "node_modules" / "@tus" / "file-store").exists():
        if npm is None or shutil.which("node") is None:
            print("tus Node server: node/npm not on PATH; measuring ours and the disk copy only", flush=True)
            return None
        print(f"tus Node server: installing {' '.join(TUS_NODE_PACKAGES)} into {prefix} ...", flush=True)
        prefix.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error"]
        done = subprocess.run([*cmd, *TUS_NODE_PACKAGES], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"tus Node server: npm install failed ({done.returncode}); skipping it", flush=True)
            print(done.stderr[-2000:], flush=True)
            return None
    shutil.copyfile(HERE / "_tus_node_server.mjs", script)
    return script


async def _send(base_url: str, token: str, source: Path, chunk: int, *, start: bool) -> float:
    """The seconds the PATCHes of `source` take through our recorder's tus client."""
    async with IngestClient(base_url, token, chunk_size=chunk, timeout=300) as ingest:
        if start:
            await ingest.start(platform="zoom")
        size = source.stat().st_size
        url = await ingest.create_file(size, part="media")
        started = time.perf_counter()
        with source.open("rb") as fh:
            await ingest.send(url, fh, size)
        return time.perf_counter() - started


async def _upload(base_url: str, api_key: str, source: Path, chunk: int) -> float:
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Token {api_key}"}) as api:
        upload = (await api.post("/api/v1/sdk_upload/")).json()
    return await _send(base_url, upload["upload_token"], source, chunk, start=True)


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far, user + system, in seconds (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def export_revision(rev: str, target: Path) -> Path:
    """This repository at `rev`, as files under `target` (no checkout, no worktree: `git archive`)."""
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise SystemExit(f"--before {rev}: git archive failed: {archive.stderr.decode(errors='replace')}")
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def before_environment(tree: Path, work: Path) -> dict[str, str]:
    """The environment that serves `tree`: its own code first on the path and, when its pyproject does
    not declare httptools, httptools hidden, so uvicorn's automatic choice falls back to h11 as it did in
    an environment installed from that revision."""
    path = [str(tree)]
    if "httptools" not in (tree / "pyproject.toml").read_text():
        hidden = work / "before-hidden" / "httptools"
        hidden.mkdir(parents=True)
        (hidden / "__init__.py").write_text("raise ImportError('not a dependency of this revision')\n")
        path.insert(0, str(hidden.parent))
    # PYTHONSAFEPATH: `python -c` would otherwise put the working directory (this checkout) first.
    return {"PYTHONPATH": os.pathsep.join(path), "PYTHONSAFEPATH": "1"}


class Measured:
    """One server's figures over the runs."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds: list[float] = []
        self.cpu: list[float] = []
        self.idle_rss: list[float] = []
        self.peak_rss: list[float] = []

    def rate(self, mib: float) -> float:
        return mib / statistics.median(self.seconds)

    def cpu_per_gib(self, mib: float) -> float:
        return statistics.median(self.cpu) * 1024 / mib


def _ours(
    measured: Measured, work: Path, source: Path, chunk: int, env: dict[str, str] | None
) -> Callable[[], None]:
    def run() -> None:
        data = work / f"data-{measured.label}-{len(measured.seconds)}"
        with serve_process("--data-dir", str(data), "--delays", "instant", env=env) as server:
            measured.idle_rss.append(peak_rss_mib(server.process.pid))
            cpu = cpu_seconds(server.process.pid)
            measured.seconds.append(asyncio.run(_upload(server.base_url, server.api_key, source, chunk)))
            measured.cpu.append(cpu_seconds(server.process.pid) - cpu)
            measured.peak_rss.append(peak_rss_mib(server.process.pid))
        shutil.rmtree(data)

    return run


def _node(measured: Measured, node: Path, work: Path, source: Path, chunk: int) -> Callable[[], None]:
    def run() -> None:
        port, store = free_port(), work / f"node-{len(measured.seconds)}"
        store.mkdir()
        base_url = f"http://127.0.0.1:{port}"
        with launched(
            ["node", str(node), str(port), str(store)], f"{base_url}/ingest/v1/files", any_status=True
        ) as p:
            cpu = cpu_seconds(p.pid)
            measured.seconds.append(asyncio.run(_send(base_url, "-", source, chunk, start=False)))
            measured.cpu.append(cpu_seconds(p.pid) - cpu)
            measured.peak_rss.append(peak_rss_mib(p.pid))
        shutil.rmtree(store)

    return run


#: leaf frames that only wait for work (py-spy cannot always tell a thread blocked in them is idle)
WAITING = ("EpollSelector.select (selectors.py", "_worker (thread.py")


def _profiled(
    label: str, work: Path, source: Path, chunk: int, env: dict[str, str] | None, top: int = 12
) -> None:
    """One upload to our server (or the `--before` one) under py-spy (busy samples only, its default);
    prints the functions its samples end in (self time) and the frames that hold most (inclusive)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        print("--profile: py-spy is not installed (pip install -e '.[bench]')", flush=True)
        return
    data, out = work / f"profile-{label}", work / f"profile-{label}.txt"
    server: AbstractContextManager[ServedProcess] = serve_process(
        "--data-dir", str(data), "--delays", "instant", env=env
    )
    with server as served:
        spy = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(served.process.pid),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # py-spy attaches
        asyncio.run(_upload(served.base_url, served.api_key, source, chunk))
        spy.send_signal(2)
        spy.wait(timeout=60)
    shutil.rmtree(data, ignore_errors=True)
    leaves: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in out.read_text().splitlines() if out.exists() else []:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [f.split(" (")[0] + " (" + f.split(" (")[-1].split("/")[-1] for f in stack.split(";")]
        if frames[-1].startswith(WAITING):
            continue  # a wait py-spy counts as busy: the event loop's select, an idle pool thread
        total += n
        leaves[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    if not total:
        print(f"profile {label}: no samples (py-spy needs ptrace: run as the server's user)", flush=True)
        return
    print(f"profile {label}: {total} busy samples at 250 Hz; self time:", flush=True)
    for frame, n in leaves.most_common(top):
        print(f"  {100 * n / total:5.1f} %  {frame}", flush=True)
    print(f"profile {label}: inclusive (frames under 90 %, the event loop's own excluded):", flush=True)
    phases = [(frame, n) for frame, n in inclusive.most_common() if n < 0.9 * total]
    for frame, n in phases[:top]:
        print(f"  {100 * n / total:5.1f} %  {frame}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("."), help="where the temporary files go")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "recall-sim-bench")
    parser.add_argument("--no-node", action="store_true", help="skip tus's Node server")
    parser.add_argument("--before", metavar="GIT_REV", help="also serve this revision, taking turns")
    parser.add_argument("--profile", action="store_true", help="one more upload each under py-spy")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    size = args.size_mib * 1024 * 1024
    mib = size / (1024 * 1024)
    chunk = args.chunk_mib * 1024 * 1024
    node = None if args.no_node else tus_node_server(args.cache)
    with tempfile.TemporaryDirectory(prefix="recall-sim-bench-", dir=args.dir) as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        _make_file(source, size)
        before_env = None
        if args.before:
            before_env = before_environment(export_revision(args.before, work / "before"), work)
        ours, before, nodes = Measured("ours"), Measured("before"), Measured("node")
        turns: list[Callable[[], None]] = [_ours(ours, work, source, chunk, None)]
        if before_env is not None:
            turns.append(_ours(before, work, source, chunk, before_env))
        if node is not None:
            turns.append(_node(nodes, node, work, source, chunk))
        copies: list[float] = []
        for run in range(args.runs):
            started = time.perf_counter()
            shutil.copyfile(source, work / f"copy-{run}.bin")
            copies.append(time.perf_counter() - started)
            (work / f"copy-{run}.bin").unlink()
            for turn in turns[run % len(turns) :] + turns[: run % len(turns)]:  # each goes first in turn
                turn()
            line = (
                f"run {run + 1}/{args.runs}: upload {mib / ours.seconds[-1]:.1f} MiB/s "
                f"(server CPU {ours.cpu[-1]:.2f} s), copy {mib / copies[-1]:.0f} MiB/s, "
                f"peak RSS {ours.idle_rss[-1]:.0f} -> {ours.peak_rss[-1]:.0f} MiB"
            )
            if before.seconds:
                line += f", before {mib / before.seconds[-1]:.1f} MiB/s (CPU {before.cpu[-1]:.2f} s)"
            if nodes.seconds:
                line += f", tus Node server {mib / nodes.seconds[-1]:.1f} MiB/s (CPU {nodes.cpu[-1]:.2f} s)"
            print(line, flush=True)
        if args.profile:
            _profiled("ours", work, source, chunk, None)
            if before_env is not None:
                _profiled("before", work, source, chunk, before_env)
    upload_rate = ours.rate(mib)
    copy_rate = mib / statistics.median(copies)
    print()
    print(
        f"machine: {os.cpu_count()} cores; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"upload of {mib:.0f} MiB in {args.chunk_mib} MiB PATCHes, {args.runs} runs; medians")
    print(f"{'measure':<40}{'median':>10}{'baseline':>10}{'ratio':>8}   baseline")
    if nodes.seconds:
        node_rate = nodes.rate(mib)
        figures.append(Figure("tus ingest", upload_rate, node_rate, "@tus/server + @tus/file-store", "MiB/s"))
        print(
            f"{'tus ingest (MiB/s)':<40}{upload_rate:>10.1f}{node_rate:>10.1f}{upload_rate / node_rate:>8.2f}"
            "   tus's Node server (@tus/server + @tus/file-store), same client"
        )
    if before.seconds:
        before_rate = before.rate(mib)
        figures.append(
            Figure("tus ingest", upload_rate, before_rate, f"this server at {args.before}", "MiB/s")
        )
        print(
            f"{'tus ingest (MiB/s)':<40}{upload_rate:>10.1f}{before_rate:>10.1f}"
            f"{upload_rate / before_rate:>8.2f}   this server at {args.before}"
        )
    figures.append(Figure("tus ingest", upload_rate, copy_rate, "disk copy", "MiB/s"))
    print(
        f"{'tus ingest (MiB/s)':<40}{upload_rate:>10.1f}{copy_rate:>10.1f}"
        f"{upload_rate / copy_rate:>8.2f}   disk copy"
    )
    cpu = ours.cpu_per_gib(mib)
    for other in (nodes, before):
        # /proc counts CPU time in clock ticks (10 ms): a small upload may not reach one
        if other.seconds and cpu > 0 and other.cpu_per_gib(mib) > 0:
            name = "tus's Node server" if other is nodes else f"this server at {args.before}"
            figures.append(Figure("server CPU per GiB", cpu, other.cpu_per_gib(mib), name, "s"))
            print(
                f"{'server CPU per GiB (s)':<40}{cpu:>10.2f}{other.cpu_per_gib(mib):>10.2f}"
                f"{cpu / other.cpu_per_gib(mib):>8.2f}   {name}"
            )
    if nodes.seconds:
        print(f"{'tus Node server peak RSS (MiB)':<40}{statistics.median(nodes.peak_rss):>10.1f}")
    peak, idle = statistics.median(ours.peak_rss), statistics.median(ours.idle_rss)
    figures.append(Figure("server peak RSS", peak, idle, "before upload", "MiB"))
    print(f"{'server peak RSS (MiB)':<40}{peak:>10.1f}{idle:>10.1f}{peak / idle:>8.2f}   before upload")
    print(f"server peak RSS, worst run: {max(ours.peak_rss):.1f} MiB (limit asked of ingest: 200 MiB)")


if __name__ == "__main__":
    main()
