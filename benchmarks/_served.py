"""Starting servers as separate processes for benchmarks: `recall-sim serve` (reading what it printed),
and any other command that listens on a loopback port, waited for until it answers 200."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["ServedProcess", "free_port", "launched", "peak_rss_mib", "serve_process", "wait_for_200"]


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory so far (VmHWM), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else float("nan")


@dataclass
class ServedProcess:
    process: subprocess.Popen[str]
    base_url: str
    api_key: str

    def peak_rss_mib(self) -> float:
        """The server's peak resident memory so far (VmHWM), in MiB."""
        return peak_rss_mib(self.process.pid)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serve_process(*args: str) -> Iterator[ServedProcess]:
    cmd = [sys.executable, "-c", "from scenarios.cli import main; main()", "serve", "--port", "0", *args]
    env = {**os.environ, "COLUMNS": "200"}
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        seen = ""
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{seen}")
            seen += line
            url = re.search(r"http://127\.0\.0\.1:\d+", seen)
            key = re.search(r"API key\s+([0-9a-f]{40})", seen)
            if url and key and "curl" in seen:
                break
        else:
            raise RuntimeError(f"server did not start:\n{seen}")
        yield ServedProcess(process, url.group(0), key.group(1))
    finally:
        _stop(process)


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
