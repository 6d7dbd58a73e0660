"""Where a scenario's throw-away directories go: tmpfs when it has room, TMPDIR when one is set."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from recall_sim.scenarios import scratch
from recall_sim.scenarios.scratch import scratch_directory


def test_a_set_tmpdir_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches the directory it chose
    made = scratch_directory("recall-sim-test-")
    assert made.parent == tmp_path
    assert made.is_dir()
    assert not any(made.iterdir())


def test_without_tmpdir_tmpfs_is_used_when_it_has_room(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    ram = Path("/dev/shm")
    if not ram.is_dir():
        pytest.skip("this machine has no /dev/shm")
    stats = os.statvfs(ram)
    made = scratch_directory("recall-sim-test-")
    try:
        roomy = stats.f_bavail * stats.f_frsize >= scratch._ROOM and os.access(ram, os.W_OK)
        assert (made.parent == ram) is roomy
    finally:
        shutil.rmtree(made)


def test_a_full_tmpfs_is_passed_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(scratch, "_ROOM", 1 << 62)  # more than any machine has
    made = scratch_directory("recall-sim-test-")
    try:
        assert made.parent != Path("/dev/shm")
    finally:
        shutil.rmtree(made)
