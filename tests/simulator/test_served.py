"""Served mode: a real uvicorn server on a loopback port, and the `recall-sim serve` command."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served

pytestmark = pytest.mark.served

PATHS = ["/api/v1/sdk_upload/", "/api/v1/sdk-upload/"]


def test_a_served_region_answers_on_loopback(tmp_path: Path) -> None:
    with served(Settings(data_dir=tmp_path, seed=5)) as region:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", region.base_url)
        bound = {sock.getsockname()[0] for server in region.server.servers for sock in server.sockets}
        assert bound == {"127.0.0.1"}
        headers = {"Authorization": f"Token {region.api_key}"}
        with httpx.Client(base_url=region.base_url, headers=headers, timeout=10) as client:
            created = []
            for path in PATHS:
                response = client.post(path, json={"metadata": {"path": path}})
                assert response.status_code == 201, response.text
                body = response.json()
                assert set(body) == {"id", "status", "recording_id", "upload_token", "created_at", "metadata"}
                assert body["metadata"] == {"path": path}
                created.append(body["id"])
            listed = client.get("/api/v1/sdk_upload/").json()
            assert [u["id"] for u in listed["results"]] == created[::-1]
            health = client.get("/_simulator/health", headers={"Authorization": ""})
            assert health.json() == {"status": "ok", "region": "us-east-1", "version": "0.1.0"}
        with httpx.Client(base_url=region.base_url, timeout=10) as anonymous:
            wrong = anonymous.post(PATHS[0], headers={"Authorization": "Token 0000"})
            assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid token."})
            missing = anonymous.post(PATHS[1])
            assert (missing.status_code, missing.json()) == (
                401,
                {"detail": "Authentication credentials were not provided."},
            )
    assert not region.thread.is_alive()
    # `served` stops the server but leaves the region it built open.
    region.region.close()


def read_until(proc: subprocess.Popen[bytes], marker: bytes, deadline: float) -> bytes:
    """The process's output up to and including the line holding `marker` (raw reads: no buffering
    between select and the pipe)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    out = b""
    while not (marker in out and out.rstrip(b" ").endswith(b"\n")):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise AssertionError(f"no {marker!r} in time; output so far: {out!r}")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise AssertionError(f"the command exited early ({proc.poll()}): {out!r}")
        out += chunk
    return out


def test_the_serve_command_starts_serves_and_stops_on_ctrl_c() -> None:
    command = [sys.executable, "-c", "from recall_sim.scenarios.cli import main; main()"]
    args = ["serve", "--port", "0", "--in-memory", "--seed", "5"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        printed = read_until(proc, b"curl ", time.monotonic() + 30).decode()
        base_url = re.search(r"base URL\s+(http://127\.0\.0\.1:\d+)", printed)
        key = re.search(r"API key\s+([0-9a-f]{40})", printed)
        assert base_url is not None, printed
        assert key is not None, printed
        assert "webhooks        none yet: recall-sim listen --forward-to URL" in printed
        with httpx.Client(base_url=base_url.group(1), timeout=10) as client:
            response = client.post("/api/v1/sdk_upload/", headers={"Authorization": f"Token {key.group(1)}"})
            assert response.status_code == 201, response.text
            assert response.json()["status"]["code"] == "pending"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # A graceful shutdown, no traceback; Typer reports an interrupted command with 130, as shells do.
    assert proc.returncode == 130, stderr.decode()
    assert b"Traceback" not in stderr, stderr.decode()


def test_the_printed_curl_command_stays_one_line_in_a_narrow_terminal() -> None:
    # Pasted from an 80-column terminal, a command wrapped at its spaces runs curl without its URL.
    command = [sys.executable, "-c", "from recall_sim.scenarios.cli import main; main()"]
    args = ["serve", "--port", "0", "--in-memory", "--seed", "5"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "80", "NO_COLOR": "1"}
    proc = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        printed = read_until(proc, b"/api/v1/sdk_upload/", time.monotonic() + 30).decode()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    [line] = [line for line in printed.splitlines() if line.startswith("curl ")]
    assert re.fullmatch(
        r'curl -X POST -H "Authorization: Token [0-9a-f]{40}" http://127\.0\.0\.1:\d+/api/v1/sdk_upload/',
        line.rstrip(),
    ), printed


def test_an_idle_keep_alive_connection_outlives_uvicorns_default(tmp_path: Path) -> None:
    # A client polling every few seconds reuses its pooled connection; with uvicorn's 5 s default the
    # server closed it under the client and a request sent at that moment was reset.
    request = b"GET /_simulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with served(Settings(data_dir=tmp_path, seed=5)) as region:
        port = int(region.base_url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            answers = []
            for wait in (0, 6):
                time.sleep(wait)
                sock.sendall(request)
                answers.append(read_response(sock))
        assert [a.split(b"\r\n", 1)[0] for a in answers] == [b"HTTP/1.1 200 OK"] * 2
    region.region.close()


def read_response(sock: socket.socket) -> bytes:
    """One whole HTTP/1.1 response with a Content-Length (a recv may return only part of it), or what
    came before the server closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
