"""Driving `recall-sim` commands as processes (their webhooks go to scenarios.receiver, which verifies
with svix)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Command", "recall_sim", "secret_of", "start", "wait_for"]

_MAIN = [sys.executable, "-c", "from recall_sim.scenarios.cli import main; main()"]
_ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}


def recall_sim(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `recall-sim ARGS` to the end."""
    return subprocess.run(
        [*_MAIN, *args], capture_output=True, text=True, timeout=timeout, env={**_ENV, **(env or {})}
    )


@dataclass
class Command:
    """A `recall-sim` command running in the background, its output going to files."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def out(self) -> str:
        return self.stdout.read_text(errors="replace")

    def err(self) -> str:
        return self.stderr.read_text(errors="replace")


@contextlib.contextmanager
def start(tmp: Path, *args: str) -> Iterator[Command]:
    """`recall-sim ARGS` in the background until the block ends (then SIGINT, as Ctrl-C)."""
    stdout, stderr = tmp / f"out-{args[0]}.txt", tmp / f"err-{args[0]}.txt"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen([*_MAIN, *args], stdout=out, stderr=err, env=_ENV)
    command = Command(process, stdout, stderr)
    try:
        yield command
    finally:
        if process.poll() is None:
            process.send_signal(2)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(what: str, condition: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        threading.Event().wait(0.05)


def secret_of(listen_output: str) -> tuple[str, str]:
    """The secret and header family `recall-sim listen` printed."""
    secret = re.search(r"secret\s+(whsec_\S+)", listen_output)
    family = re.search(r"headers\s+(\w+)-id,", listen_output)
    assert secret, listen_output
    assert family, listen_output
    return secret.group(1), family.group(1)
