"""Upload ingest: MB/s and the server's peak RSS for one large upload through the tus endpoint, against
tus's own Node server (@tus/server + @tus/file-store) receiving the same file from the same client on
the same disk, against copying the same bytes on that disk, and against the server's RSS before the upload.

    python benchmarks/ingest_upload.py [--size-mib 1024] [--chunk-mib 16] [--runs 3] [--dir .] [--no-node]

Each run copies the source file, then starts `recall-sim serve --data-dir ... --delays instant` (SQLite,
blobs on disk under `--dir`), creates an sdk upload, starts its recording and PATCHes the file in
`--chunk-mib` pieces; only the PATCHes are timed. Then the Node server (installed with npm under `--cache`
on first use) takes the same PATCHes from the same client. Ours checks each PATCH's sha256 and fsyncs
what it acknowledges; @tus/file-store does neither (it ignores the checksum header), so the ratio is the
price of those guarantees and of Python. The files live in a temporary folder under `--dir` (the current
directory by default, so on the disk the data directory would use; not /tmp, which may be memory),
removed afterwards.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/ingest_upload.py`

import httpx

from benchmarks._report import Figure, add_json_flag, figures_reported
from benchmarks._served import free_port, launched, peak_rss_mib
from recall_sim.recorder.ingest import IngestClient
from recall_sim.scenarios.served_process import serve_process


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("."), help="where the temporary files go")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "recall-sim-bench")
    parser.add_argument("--no-node", action="store_true", help="skip tus's Node server")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    size = args.size_mib * 1024 * 1024
    node = None if args.no_node else tus_node_server(args.cache)
    with tempfile.TemporaryDirectory(prefix="recall-sim-bench-", dir=args.dir) as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        _make_file(source, size)
        copies, uploads, idle, peaks, nodes, node_peaks = [], [], [], [], [], []
        for run in range(args.runs):
            started = time.perf_counter()
            shutil.copyfile(source, work / f"copy-{run}.bin")
            copies.append(time.perf_counter() - started)
            (work / f"copy-{run}.bin").unlink()
            with serve_process("--data-dir", str(work / f"data-{run}"), "--delays", "instant") as server:
                idle.append(peak_rss_mib(server.process.pid))
                uploads.append(
                    asyncio.run(
                        _upload(server.base_url, server.api_key, source, args.chunk_mib * 1024 * 1024)
                    )
                )
                peaks.append(peak_rss_mib(server.process.pid))
            shutil.rmtree(work / f"data-{run}")
            if node is not None:
                port, store = free_port(), work / f"node-{run}"
                store.mkdir()
                base_url = f"http://127.0.0.1:{port}"
                cmd = ["node", str(node), str(port), str(store)]
                with launched(cmd, f"{base_url}/ingest/v1/files", any_status=True) as process:
                    nodes.append(asyncio.run(_send(base_url, "-", source, args.chunk_mib << 20, start=False)))
                    node_peaks.append(peak_rss_mib(process.pid))
                shutil.rmtree(store)
            print(
                f"run {run + 1}/{args.runs}: upload {size / 2**20 / uploads[-1]:.0f} MiB/s, "
                f"copy {size / 2**20 / copies[-1]:.0f} MiB/s, peak RSS {idle[-1]:.0f} -> {peaks[-1]:.0f} MiB"
                + (f", tus Node server {size / 2**20 / nodes[-1]:.0f} MiB/s" if nodes else ""),
                flush=True,
            )
    mib = size / (1024 * 1024)
    upload_rate = mib / statistics.median(uploads)
    copy_rate = mib / statistics.median(copies)
    print()
    print(
        f"machine: {os.cpu_count()} cores; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"upload of {mib:.0f} MiB in {args.chunk_mib} MiB PATCHes, {args.runs} runs; medians")
    print(f"{'measure':<40}{'median':>10}{'baseline':>10}{'ratio':>8}   baseline")
    ratio = upload_rate / copy_rate
    if nodes:
        node_rate = mib / statistics.median(nodes)
        figures.append(Figure("tus ingest", upload_rate, node_rate, "@tus/server + @tus/file-store", "MiB/s"))
        print(
            f"{'tus ingest (MiB/s)':<40}{upload_rate:>10.1f}{node_rate:>10.1f}{upload_rate / node_rate:>8.2f}"
            "   tus's Node server (@tus/server + @tus/file-store), same client"
        )
        print(f"{'tus Node server peak RSS (MiB)':<40}{statistics.median(node_peaks):>10.1f}")
    figures.append(Figure("tus ingest", upload_rate, copy_rate, "disk copy", "MiB/s"))
    print(f"{'tus ingest (MiB/s)':<40}{upload_rate:>10.1f}{copy_rate:>10.1f}{ratio:>8.2f}   disk copy")
    peak, before = statistics.median(peaks), statistics.median(idle)
    figures.append(Figure("server peak RSS", peak, before, "before upload", "MiB"))
    print(f"{'server peak RSS (MiB)':<40}{peak:>10.1f}{before:>10.1f}{peak / before:>8.2f}   before upload")
    print(f"server peak RSS, worst run: {max(peaks):.1f} MiB (limit asked of ingest: 200 MiB)")


if __name__ == "__main__":
    main()
