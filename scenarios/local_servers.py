"""Throwaway PostgreSQL and Redis servers on loopback ports, each in a temporary directory: for tests,
the reliability suite and benchmarks that need a real database without anyone setting one up.

PostgreSQL refuses to run as root, so under root (a CI container) the server runs as the `postgres`
account Debian's package creates (`runuser`). Its data directory is built with fsync off: it lives
only as long as the run.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalPostgres", "LocalRedis", "find_postgres_program", "local_postgres", "local_redis"]

#: where Debian's postgresql packages put initdb and pg_ctl (not on PATH), newest version first
_DEBIAN_BINS = "/usr/lib/postgresql/*/bin"


def find_postgres_program(name: str) -> str | None:
    """`name` (initdb, pg_ctl) on PATH, else in Debian's versioned folder; None if not installed."""
    found = shutil.which(name)
    if found is not None:
        return found

    def version(path: str) -> int:
        part = Path(path).parent.parent.name
        return int(part) if part.isdigit() else 0

    candidates = sorted(glob.glob(f"{_DEBIAN_BINS}/{name}"), key=version, reverse=True)
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalPostgres:
    port: int
    directory: Path

    def url(self, database: str = "postgres", *, schema: str | None = None) -> str:
        """A connection URL; with `schema`, sessions create and find tables there (its search_path)."""
        url = f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
        return url if schema is None else f"{url}?options=-csearch_path%3D{schema}"


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("PostgreSQL will not run as root, and runuser is missing to run it as postgres")
    return [runuser, "-u", "postgres", "--", *cmd]


@contextlib.contextmanager
def local_postgres(initdb: str, pg_ctl: str) -> Iterator[LocalPostgres]:
    """A PostgreSQL server on a free loopback port until the block ends; trust authentication, user
    `postgres`, everything removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="recall-sim-postgres-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
    data = directory / "data"
    log = directory / "server.log"
    try:
        subprocess.run(
            _as_postgres(
                [
                    initdb,
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        port = _start_postgres(pg_ctl, data, log, directory)
        try:
            yield LocalPostgres(port, directory)
        finally:
            subprocess.run(
                _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                check=False,
                capture_output=True,
            )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _start_postgres(pg_ctl: str, data: Path, log: Path, sockets: Path) -> int:
    last = ""
    for _ in range(3):  # a free port can be taken between choosing it and binding it
        port = free_port()
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        done = subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"]),
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            return port
        last = done.stdout + done.stderr + (log.read_text(errors="replace") if log.exists() else "")
    raise RuntimeError(f"PostgreSQL did not start:\n{last[-3000:]}")


@dataclass
class LocalRedis:
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def local_redis(redis_server: str) -> Iterator[LocalRedis]:
    """A Redis server on a free loopback port, keeping nothing on disk, until the block ends."""
    with tempfile.TemporaryDirectory(prefix="recall-sim-redis-") as tmp:
        port = free_port()
        log = Path(tmp) / "redis.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    redis_server,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    tmp,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 30
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    seen = log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"redis-server did not start:\n{seen}")
                threading.Event().wait(0.02)
            yield LocalRedis(port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False
