"""The habits of the ecosystem: `--version`, choices in `--help`, `upload --json` and `--quiet`, and the
`RECALL_SIM_*` environment variables."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pytest

from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.scenarios.served_process import serve_process
from tests.scenarios.console.support import recall_sim


def test_version() -> None:
    done = recall_sim("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"recall-sim {version('recall-sim')}")


def test_help_lists_the_choices() -> None:
    trigger = recall_sim("trigger", "--help").stdout
    assert "recording.done" in trigger
    assert "sdk_upload.recording_started" in trigger
    assert "seed" in trigger
    assert "current" in trigger
    assert "RECALL_SIM_BASE_URL" in trigger
    serve = recall_sim("serve", "--help").stdout
    assert "RECALL_SIM_DATA_DIR" in serve
    assert "RECALL_SIM_API_KEY" in serve
    top = recall_sim("--help").stdout
    for command in (
        "serve",
        "upload",
        "record",
        "scenario",
        "listen",
        "trigger",
        "clock",
        "faults",
        "webhooks",
    ):
        assert command in top


@pytest.mark.served
def test_upload_json_and_quiet_with_the_environment(tmp_path: Path) -> None:
    media = tmp_path / "meeting.mp4"
    media.write_bytes(make_mp4(2.0))
    key = "0123456789abcdef" * 2 + "01234567"
    with serve_process("--in-memory", "--delays", "instant", "--api-key", key) as region:
        env = {"RECALL_SIM_BASE_URL": region.base_url, "RECALL_SIM_API_KEY": key}
        as_json = recall_sim("upload", str(media), "--json", env=env)
        assert as_json.returncode == 0, as_json.stderr
        recording = json.loads(as_json.stdout)  # stdout is the JSON alone; progress went to stderr
        assert recording["status"]["code"] == "done"
        assert "uploaded; processing" in as_json.stderr
        quiet = recall_sim("upload", str(media), "--quiet", env=env)
        assert quiet.returncode == 0, quiet.stderr
        assert (quiet.stdout, quiet.stderr) == ("", "")
