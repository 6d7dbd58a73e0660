"""Each benchmark still runs as the one command the README gives, at tiny sizes. Nothing here is timed:
only that the script finishes and prints its figures with their baseline and ratio, the table on stderr
and, under `--json`, one JSON object on stdout."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from recall_sim.scenarios.programs import require_postgres_program, require_program

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
    "scenario_fuzz": ["--runs", "1", "--examples", "2", "--max-seconds", "20"],
    "speech_recognition": ["--quick"],
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
    if name == "speech_recognition":
        require_program("espeak-ng", "espeak-ng")
    if name == "scale_out":
        require_postgres_program("initdb")
    # The ingest benchmark installs tus's Node server with npm into a fresh cache and measures it too.
    ingest = ["--dir", str(tmp_path), "--cache", str(tmp_path / "cache")]
    args = [*TINY[name], *(ingest if name == "ingest_upload" else [])]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ratio" in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert report["machine"]["cores"] >= 1
    assert report["figures"], report
    assert report["command"] == " ".join(["python", f"benchmarks/{name}.py", *args]), report["command"]
    for figure in report["figures"]:
        assert set(figure) == {"name", "ours", "baseline", "baseline_name", "ratio", "unit"}, figure
        assert figure["ours"] > 0, figure
        if figure["baseline"]:
            assert figure["ratio"] == pytest.approx(figure["ours"] / figure["baseline"], rel=1e-3), figure
    if name == "ingest_upload" and shutil.which("npm"):
        baselines = {figure["baseline_name"] for figure in report["figures"]}
        assert "@tus/server + @tus/file-store" in baselines, baselines


def test_the_readme_table_is_made_from_the_scripts_json(tmp_path: Path) -> None:
    report = {
        "figures": [
            {
                "name": "deliveries/s",
                "ours": 146.2,
                "baseline": 154.0,
                "baseline_name": "unsigned POSTs",
                "ratio": 0.949,
                "unit": "",
            },
            {
                "name": "CPU per delivery",
                "ours": 3.32,
                "baseline": None,
                "baseline_name": None,
                "ratio": None,
                "unit": "ms",
            },
        ],
        "machine": {"cores": 2, "memory_gib": 23.5, "load_average": [1.2, 1.0, 0.9]},
        "command": "python benchmarks/webhook_delivery.py --runs 5",
    }
    (tmp_path / "webhooks.json").write_text(json.dumps(report))
    (tmp_path / "broken.json").write_text("Traceback (most recent call last):")
    script = str(ROOT / "benchmarks" / "readme_table.py")
    done = subprocess.run(
        [sys.executable, script, str(tmp_path / "webhooks.json")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2:] == [
        "| deliveries/s | 146 | unsigned POSTs: 154 | 0.949 | 2 cores, 23.5 GiB, load 1.2 "
        "| `python benchmarks/webhook_delivery.py --runs 5` |",
        "| CPU per delivery, ms | 3.32 | — | — | 2 cores, 23.5 GiB, load 1.2 | the same |",
    ]
    refused = subprocess.run(
        [sys.executable, script, str(tmp_path / "broken.json")], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 2
    assert "broken.json: not a benchmark's --json output" in refused.stderr
