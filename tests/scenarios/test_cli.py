"""`recall-sim scenario ...`: list, run, replay and fuzz; and the determinism a replay relies on: the same
seed and code give a byte-identical trace, in separate processes with different hash seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.named import scenario_names

cli = build_app()

RUNNER = CliRunner()


def _trace_in_a_fresh_process(tmp_path: Path, name: str, seed: int, hash_seed: str) -> bytes:
    trace = tmp_path / f"{name}-{seed}-{hash_seed}.jsonl"
    command = [
        sys.executable,
        "-c",
        "from recall_sim.scenarios.cli import main; main()",
        "scenario",
        "run",
        name,
        "--seed",
        str(seed),
        "--trace",
        str(trace),
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONHASHSEED": hash_seed, "COLUMNS": "200"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return trace.read_bytes()


def test_the_same_seed_gives_a_byte_identical_trace_and_another_seed_another(tmp_path: Path) -> None:
    first = _trace_in_a_fresh_process(tmp_path, "webhook-outage", 21, "1")
    again = _trace_in_a_fresh_process(tmp_path, "webhook-outage", 21, "4242")
    other = _trace_in_a_fresh_process(tmp_path, "webhook-outage", 22, "1")
    assert first == again
    assert first != other
    records = [json.loads(line) for line in first.splitlines()]
    assert records[0]["kind"] == "scenario"
    assert records[0]["seed"] == 21
    assert {"sdk_event", "http", "webhook", "region_event"} <= {r["kind"] for r in records}


def test_list_names_every_scenario() -> None:
    result = RUNNER.invoke(cli, ["scenario", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in scenario_names():
        assert name in result.output


def test_run_prints_the_summary_and_replay_says_the_trace_is_identical(tmp_path: Path) -> None:
    trace = tmp_path / "pause.jsonl"
    ran = RUNNER.invoke(cli, ["scenario", "run", "pause", "--trace", str(trace)], env={"COLUMNS": "200"})
    assert ran.exit_code == 0, ran.output
    assert "every invariant holds" in ran.output
    assert "sdk-state-change:paused" in ran.output
    verdict = json.loads(trace.read_text().splitlines()[-1])
    assert verdict == {"t": verdict["t"], "kind": "verdict", "holds": True, "violations": []}
    replayed = RUNNER.invoke(cli, ["scenario", "replay", str(trace)], env={"COLUMNS": "200"})
    assert replayed.exit_code == 0, replayed.output
    assert "byte-identical" in replayed.output

    trace.write_text(trace.read_text().replace('"t":0.0', '"t":0.5', 1))  # a trace from other code
    differs = RUNNER.invoke(cli, ["scenario", "replay", str(trace)], env={"COLUMNS": "200"})
    assert differs.exit_code == 1
    assert "differs from line" in differs.output


def test_replay_takes_a_seed_for_a_named_scenario() -> None:
    result = RUNNER.invoke(cli, ["scenario", "replay", "33", "--name", "stop-early"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "seed 33" in result.output


def test_a_bad_scenario_or_trace_is_a_usage_error(tmp_path: Path) -> None:
    assert RUNNER.invoke(cli, ["scenario", "run", "no-such-scenario"]).exit_code == 2
    not_a_trace = tmp_path / "x.jsonl"
    not_a_trace.write_text('{"kind": "http"}\n')
    assert RUNNER.invoke(cli, ["scenario", "replay", str(not_a_trace)]).exit_code == 2


def test_fuzz_runs_generated_scenarios() -> None:
    result = RUNNER.invoke(
        cli, ["scenario", "fuzz", "--examples", "3", "--no-faults"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "3 scenarios, every invariant held" in result.output


def test_a_scenario_file_with_a_misspelt_field_is_a_two_line_usage_error(tmp_path: Path) -> None:
    scenario = tmp_path / "typo.yaml"
    scenario.write_text(
        "name: typo\nseed: 1\nmeeting:\n  platform: zoom\n  duration: 5\n"
        "  participants:\n  - id: 100\n    name: A\n    joins_at: 0.0\n"
    )
    result = RUNNER.invoke(build_app(), ["scenario", "run", str(scenario)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "joins_at" in result.output  # the panel may wrap the file's path, not the field's name
