"""Mistakes a person makes get one or two lines naming the problem and the fix, the documented exit code
(1: the world is not as the command needs it; 2: a bad flag value), and never a traceback."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.scenarios.served_process import serve_process
from tests.scenarios.console.support import recall_sim

pytestmark = pytest.mark.served


def assert_brief(done: subprocess.CompletedProcess[str], code: int, *expected: str) -> None:
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for text in expected:
        assert text in done.stderr, done.stderr


def _stopped_region() -> str:
    """The URL of a port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "command",
    [
        ["state"],
        ["clock"],
        ["clock", "advance", "1h"],
        ["faults", "list"],
        ["webhooks", "messages"],
        ["trigger", "recording.done"],
        ["listen", "--forward-to", "http://127.0.0.1:9/hooks"],
    ],
    ids=lambda c: " ".join(c),
)
def test_a_region_that_is_not_running(command: list[str]) -> None:
    url = _stopped_region()
    done = recall_sim(*command, "--base-url", url)
    assert_brief(done, 1, f"no region answers at {url}", "recall-sim serve")


def test_upload_to_a_region_that_is_not_running(tmp_path: Path) -> None:
    media = tmp_path / "meeting.mp4"
    media.write_bytes(make_mp4(1.0))
    url = _stopped_region()
    done = recall_sim("upload", str(media), "--api-key", "k" * 40, "--base-url", url)
    assert_brief(done, 1, f"no region answers at {url}", "recall-sim serve")
    # The base URL and key can come from the environment, as they do in CI jobs.
    done = recall_sim("upload", str(media), env={"RECALL_SIM_BASE_URL": url, "RECALL_SIM_API_KEY": "k" * 40})
    assert_brief(done, 1, f"no region answers at {url}")


def test_a_port_already_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = recall_sim("serve", "--in-memory", "--port", str(port))
    assert_brief(done, 1, f"port {port} on 127.0.0.1 is already in use", "--port")


def test_a_data_directory_another_server_holds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serve_process("--data-dir", str(data)) as first:
        done = recall_sim("serve", "--data-dir", str(data), "--port", "0")
        assert_brief(done, 1, f"is already served by process {first.process.pid}", "--data-dir")
        # The environment's data directory is the same directory.
        again = recall_sim("serve", "--port", "0", env={"RECALL_SIM_DATA_DIR": str(data)})
        assert_brief(again, 1, f"process {first.process.pid}")
    # Once the first has stopped, the directory is free again (the lock dies with its holder).
    with serve_process("--data-dir", str(data)) as second:
        assert "API key" in second.output()


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (["serve", "--port", "eighty"], "'--port'"),
        (["serve", "--in-memory", "--port", "0", "--region", "mars-1"], "--region"),
        (["serve", "--in-memory", "--port", "0", "--delays", "slow"], "--delays"),
        (["clock", "advance", "soon"], "not a duration"),
        (["trigger", "recording.finished"], "'recording.finished' is not an event type"),
        (["trigger", "recording.done", "--profile", "2024"], "--profile"),
        (["faults", "add", "/api/v1/*"], "--status, --latency or --drop"),
        (["webhooks", "messages", "--status", "lost"], "--status"),
        (["listen", "--forward-to", "http://127.0.0.1:9/", "--events", ","], "--events"),
        (["upload", "missing.mp4"], "missing.mp4"),
    ],
    ids=lambda c: " ".join(c) if isinstance(c, list) else None,
)
def test_a_bad_flag_value(command: list[str], named: str) -> None:
    done = (
        recall_sim(*command, "--base-url", _stopped_region())
        if command[0] != "serve"
        else recall_sim(*command)
    )
    assert_brief(done, 2, named)


def test_listen_refused_by_the_region_names_the_flag() -> None:
    with serve_process("--in-memory") as region:
        bad_url = recall_sim("listen", "--forward-to", "not a url", "--base-url", region.base_url)
        assert_brief(bad_url, 2, "the region refused the endpoint: url: Enter a valid URL.")
        bad_event = recall_sim(
            "listen", "--forward-to", "http://127.0.0.1:9/", "--events", "recording.finished",
            "--base-url", region.base_url,
        )  # fmt: skip
        assert_brief(bad_event, 2, '"recording.finished" is not a valid choice.')
