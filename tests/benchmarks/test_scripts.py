"""Each benchmark still runs as the one command the README gives, at tiny sizes. Nothing here is timed:
only that the script finishes and prints its figures with their baseline and ratio."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.programs import require_postgres_program

pytestmark = pytest.mark.served

ROOT = Path(__file__).resolve().parents[2]

TINY = {
    "api_throughput": [
        "--no-prism",
        "--runs",
        "1",
        "--seconds",
        "0.2",
        "--warmup",
        "0.1",
        "--connections",
        "2",
    ],
    "webhook_delivery": ["--messages", "3", "--runs", "1"],
    "startup": ["--runs", "1"],
    "media_capture": ["--runs", "1", "--tiny-minutes", "0.1", "--standard-minutes", "0.05"],
    "ingest_upload": ["--size-mib", "1", "--chunk-mib", "1", "--runs", "1"],
    "lifecycle": ["--runs", "1", "--hour-runs", "0", "--scenarios", "happy-path,pause"],
    "scale_out": [
        "--runs",
        "1",
        "--seconds",
        "0.2",
        "--warmup",
        "0.1",
        "--connections",
        "3",
        "--lifecycles",
        "3",
    ],
}


@pytest.mark.parametrize("name", sorted(TINY))
def test_the_benchmark_runs_and_prints_its_ratio(name: str, tmp_path: Path) -> None:
    if name == "startup" and importlib.util.find_spec("moto") is None:
        pytest.skip("moto is in the bench extra: pip install -e '.[bench]'")
    if name == "scale_out":
        require_postgres_program("initdb")
    args = [*TINY[name], *(["--dir", str(tmp_path)] if name == "ingest_upload" else [])]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratio" in done.stdout, done.stdout
