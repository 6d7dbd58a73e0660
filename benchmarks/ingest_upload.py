"""Upload ingest: MB/s and the server's peak RSS for one large upload through the tus endpoint, against
copying the same bytes on the same disk.

    python benchmarks/ingest_upload.py [--size-mib 1024] [--chunk-mib 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks._served import serve_process
from recorder.ingest import IngestClient


def _make_file(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as fh:
        for _ in range(size // len(block)):
            fh.write(block)


async def _upload(base_url: str, api_key: str, source: Path, chunk: int) -> float:
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Token {api_key}"}) as api:
        upload = (await api.post("/api/v1/sdk_upload/")).json()
    async with IngestClient(base_url, upload["upload_token"], chunk_size=chunk, timeout=300) as ingest:
        await ingest.start(platform="zoom")
        size = source.stat().st_size
        url = await ingest.create_file(size, part="media")
        started = time.perf_counter()
        with source.open("rb") as fh:
            await ingest.send(url, fh, size)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--chunk-mib", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="recall-sim-bench-", dir=".") as tmp:
        work = Path(tmp)
        source = work / "source.bin"
        _make_file(source, size)
        copies, uploads, peaks = [], [], []
        for run in range(args.runs):
            started = time.perf_counter()
            shutil.copyfile(source, work / f"copy-{run}.bin")
            copies.append(time.perf_counter() - started)
            (work / f"copy-{run}.bin").unlink()
            with serve_process("--data-dir", str(work / f"data-{run}"), "--delays", "instant") as server:
                uploads.append(
                    asyncio.run(
                        _upload(server.base_url, server.api_key, source, args.chunk_mib * 1024 * 1024)
                    )
                )
                peaks.append(server.peak_rss_mib())
            shutil.rmtree(work / f"data-{run}")
    mib = size / (1024 * 1024)
    upload_rate = mib / statistics.median(uploads)
    copy_rate = mib / statistics.median(copies)
    cores = os.cpu_count()
    print(
        f"machine: {cores} cores; upload of {mib:.0f} MiB in {args.chunk_mib} MiB PATCHes, {args.runs} runs"
    )
    print(f"{'measure':<36}{'median':>12}{'baseline':>14}{'ratio':>8}")
    ratio = upload_rate / copy_rate
    print(f"{'tus ingest (MiB/s) vs disk copy':<36}{upload_rate:>12.1f}{copy_rate:>14.1f}{ratio:>8.2f}")
    print(f"{'server peak RSS (MiB)':<36}{statistics.median(peaks):>12.1f}{'':>14}{'':>8}")
    print(f"server peak RSS, worst run: {max(peaks):.1f} MiB (limit asked of ingest: 200 MiB)")


if __name__ == "__main__":
    main()
