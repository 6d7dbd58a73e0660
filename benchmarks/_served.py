"""Starting `recall-sim serve` as a separate process for benchmarks, and reading what it printed."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ServedProcess:
    process: subprocess.Popen[str]
    base_url: str
    api_key: str

    def peak_rss_mib(self) -> float:
        """The server's peak resident memory so far (VmHWM), in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else float("nan")


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
            seen += line
            url = re.search(r"http://127\.0\.0\.1:\d+", seen)
            key = re.search(r"API key\s+([0-9a-f]{40})", seen)
            if url and key and "curl" in seen:
                break
        else:
            raise RuntimeError(f"server did not start:\n{seen}")
        yield ServedProcess(process, url.group(0), key.group(1))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
