"""What the simulator crash trials need: `recall-sim serve` as a process of its own on a data directory,
killed with SIGKILL and started again on the same directory and port, and the time its webhook receiver
(scenarios.receiver, on a loopback port) checks every delivery's signature against: the region's clock.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

__all__ = ["RegionProcess"]

ROOT = Path(__file__).resolve().parents[1]


class RegionProcess:
    """`recall-sim serve --data-dir DIR` in a subprocess; `kill()` is SIGKILL, `start()` serves again on
    the same directory and (after the first start) the same port, so every URL handed out still works."""

    def __init__(self, data_dir: Path, seed: int, *, webhook_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.seed = seed
        self.webhook_url = webhook_url
        self.port = 0
        self.base_url = ""
        self.api_key = ""
        self.webhook_secret = ""
        self.log = data_dir.parent / f"{data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._last_time = 0.0

    def start(self) -> None:
        args = ["serve", "--port", str(self.port), "--data-dir", str(self.data_dir), "--seed", str(self.seed)]
        # A frozen clock with instant delays: only the trial's advances move time, so each retry falls
        # due when the trial says, and processing runs as soon as it is asked for.
        args += ["--delays", "instant", "--time-scale", "0", "--no-rate-limits"]
        if self.webhook_url is not None:
            args += ["--webhook-url", self.webhook_url]
        # The receiver checks signatures against the region's clock, which the trials move hours ahead.
        args += ["--signature-time", "region"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "250", "NO_COLOR": "1"}
        command = [sys.executable, "-c", "from recall_sim.scenarios.cli import main; main()", *args]
        with self.log.open("ab") as errors:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, env=env)
        printed = self._read_until(b"curl ", time.monotonic() + 60).decode()
        found = re.search(r"base URL\s+(http://127\.0\.0\.1:(\d+))", printed)
        key = re.search(r"API key\s+(\S+)", printed)
        assert found is not None, printed
        assert key is not None, printed
        self.base_url, self.port, self.api_key = found.group(1), int(found.group(2)), key.group(1)
        if self.webhook_url is not None:
            secret = re.search(r"\(secret (whsec_\S+)\)", printed)
            assert secret is not None, printed
            self.webhook_secret = secret.group(1)
        self.starts += 1

    def _read_until(self, marker: bytes, deadline: float) -> bytes:
        assert self.process is not None
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        out = b""
        while not (marker in out and out.rstrip(b" ").endswith(b"\n")):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise AssertionError(f"the region did not start: {out!r} {self.log.read_text()[-2000:]}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(
                    f"the region exited ({self.process.poll()}): {self.log.read_text()[-3000:]}"
                )
            out += chunk
        return out

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever the process had not made durable is gone."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    # -- talking to it ---------------------------------------------------------------------------

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Token {self.api_key}"}, timeout=30
        )

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.base_url}/_simulator{path}", timeout=120, **kwargs)
        response.raise_for_status()
        return response.json()

    def clock(self) -> float:
        return float(self.control("GET", "/clock")["timestamp"])

    def timestamp(self) -> float:
        """The region's clock for the webhook receiver (scenarios.receiver.Timekeeper): read when a
        delivery arrives, or as last read if the region is down (killed by the trial meanwhile)."""
        with contextlib.suppress(httpx.HTTPError):
            self._last_time = self.clock()
        return self._last_time

    def advance(self, seconds: float) -> float:
        return float(self.control("POST", "/clock", json={"advance": seconds})["timestamp"])
