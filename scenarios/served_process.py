"""`recall-sim serve` as a process of its own on a loopback port: for load tests and benchmarks, where
the region must have a core of its own and its latency must not be the caller's.

The region is ready once its start-up panel (base URL, API key, the `curl` line) has been printed. Its
output goes to a file, never to a pipe: a pipe nobody reads after start-up fills and stalls the server.
It is stopped with SIGINT, as Ctrl-C would, and killed only if it does not stop.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
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
        """Everything the server printed so far."""
        return self.log.read_text(errors="replace")


@contextmanager
def serve_process(
    *args: str, log: Path | None = None, timeout: float = 60.0, env: Mapping[str, str] | None = None
) -> Iterator[ServedProcess]:
    """Run `recall-sim serve --port 0 ARGS` until the block ends; its output goes to `log` (a temporary
    file when None); `env` adds to the environment (a benchmark serves an older tree through
    `PYTHONPATH`)."""
    with tempfile.TemporaryDirectory(prefix="recall-sim-serve-") as tmp:
        path = log if log is not None else Path(tmp) / "serve.log"
        main = "from recall_sim.scenarios.cli import main; main()"
        cmd = [sys.executable, "-c", main, "serve", "--port", "0", *args]
        with path.open("wb") as out:
            process = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200", **(env or {})}
            )
        try:
            deadline = time.monotonic() + timeout
            while True:
                seen = path.read_text(errors="replace")
                url = re.search(r"http://127\.0\.0\.1:\d+", seen)
                key = re.search(r"API key\s+([0-9a-f]{40})", seen)
                if url and key and "curl" in seen:
                    break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"recall-sim serve did not start (exit {process.poll()}):\n{seen[-4000:]}"
                    )
                threading.Event().wait(0.05)
            yield ServedProcess(process, url.group(0), key.group(1), path)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
