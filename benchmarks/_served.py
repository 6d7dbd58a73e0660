"""Starting servers as separate processes for benchmarks: any command that listens on a loopback port,
waited for until it answers 200 (`recall-sim serve` itself: scenarios.served_process), and their memory."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["free_port", "launched", "peak_rss_mib", "wait_for_200"]


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A loopback port nothing listens on now, for servers that cannot be told to pick one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_200(
    url: str,
    *,
    timeout: float = 60.0,
    interval: float = 0.005,
    process: subprocess.Popen[str] | None = None,
    any_status: bool = False,
) -> float:
    """Poll `url` until it answers 200 (or anything at all, with `any_status`); return the
    `time.perf_counter()` of that answer."""
    deadline = time.perf_counter() + timeout
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.perf_counter() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{process.args!r} exited with {process.returncode} before answering")
            try:
                if client.get(url).status_code == 200 or any_status:
                    return time.perf_counter()
            except httpx.TransportError:
                pass
            time.sleep(interval)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:g} s")


@contextmanager
def launched(
    cmd: Sequence[str], ready_url: str, *, timeout: float = 60.0, any_status: bool = False
) -> Iterator[subprocess.Popen[str]]:
    """Run `cmd` until the block ends; enter once `ready_url` answers 200 (or at all, with `any_status`).
    Its output is kept aside and shown only if it never gets ready."""
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(list(cmd), stdout=output, stderr=subprocess.STDOUT, text=True)
        try:
            try:
                wait_for_200(ready_url, timeout=timeout, process=process, any_status=any_status)
            except RuntimeError as error:
                output.seek(0)
                raise RuntimeError(f"{error}\n{output.read()[-4000:]}") from None
            yield process
        finally:
            _stop(process)
