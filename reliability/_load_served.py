"""`recall-sim serve` as a process of its own on a loopback port, for the load test: the region gets a
core of its own, and its latency is not the test process's."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ServedProcess", "serve_process"]


@dataclass
class ServedProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    api_key: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serve_process(log: Path, *args: str, timeout: float = 60.0) -> Iterator[ServedProcess]:
    """Start `recall-sim serve --port 0 ARGS`, its output going to `log` (a pipe nobody reads could fill
    and stall the server), and stop it with SIGINT, as Ctrl-C would."""
    cmd = [sys.executable, "-c", "from scenarios.cli import main; main()", "serve", "--port", "0", *args]
    env = {**os.environ, "COLUMNS": "200"}
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            seen = log.read_text(errors="replace")
            url = re.search(r"http://127\.0\.0\.1:\d+", seen)
            key = re.search(r"API key\s+([0-9a-f]{40})", seen)
            if url and key and "curl" in seen:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"recall-sim serve did not start (exit {process.poll()}):\n{seen[-4000:]}")
            threading.Event().wait(0.05)
        yield ServedProcess(process, url.group(0), key.group(1), log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
