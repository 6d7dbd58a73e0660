"""`ingest_upload.py --before REV` serves that revision of the repository in turn with ours, at a tiny
size; nothing here is timed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.served

ROOT = Path(__file__).resolve().parents[2]


def test_the_ingest_benchmark_serves_an_earlier_revision_in_turn(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("--before exports a revision with git archive: needs a git checkout")
    args = ["--size-mib", "2", "--chunk-mib", "1", "--runs", "2", "--no-node", "--dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "ingest_upload.py"), *args, "--before", "HEAD", "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(done.stdout)["figures"]
    before = [f for f in figures if f["baseline_name"] == "this server at HEAD" and f["unit"] == "MiB/s"]
    assert len(before) == 1, figures
    assert before[0]["ours"] > 0
    assert before[0]["baseline"] > 0
    # Both servers took every run: each run's progress line names the earlier revision's rate.
    runs = [line for line in done.stderr.splitlines() if line.startswith("run ")]
    assert len(runs) == 2, done.stderr
    assert all(", before " in line for line in runs), done.stderr
    assert not list(tmp_path.glob("recall-sim-bench-*")), "the temporary files were left behind"
