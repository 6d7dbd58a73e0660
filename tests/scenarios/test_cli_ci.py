"""`recall-sim scenario` for CI: `run --all` (in parallel, with a JUnit XML report), `list --json`, and
`fuzz` keeping only the final shrunk scenario of a failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import recall_sim.recorder.media.speech as speech
from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.named import load, scenario_names
from recall_sim.scenarios.replay import ScenarioFailed, assert_holds

cli = build_app()
RUNNER = CliRunner()


def test_list_json_names_every_scenario() -> None:
    result = RUNNER.invoke(cli, ["scenario", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [s["name"] for s in listed] == list(scenario_names())
    assert {"seed", "profile", "description"} <= set(listed[0])


def test_run_all_in_two_processes_writes_a_junit_report(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "scenarios.xml"
    main = "from recall_sim.scenarios.cli import main; main()"
    command = [sys.executable, "-c", main, "scenario", "run", "--all",
               "-n", "2", "--junitxml", str(report)]  # fmt: skip
    env = {**os.environ, "COLUMNS": "200", "RECALL_SIM_FAILURES": str(tmp_path / "failures")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    names = list(scenario_names())
    assert f"{len(names)} of {len(names)} scenarios held every invariant" in done.stdout
    assert "(2 processes)" in done.stdout
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == (str(len(names)), "0", "0")
    assert [case.get("name") for case in suite.iter("testcase")] == names


def test_run_needs_a_scenario_or_all() -> None:
    assert RUNNER.invoke(cli, ["scenario", "run"]).exit_code == 2
    assert RUNNER.invoke(cli, ["scenario", "run", "--all", "-n", "many"]).exit_code == 2
    assert RUNNER.invoke(cli, ["scenario", "run", "pause", "--all"]).exit_code == 2


_split = speech._split


def _drops_third_words(participant: Any, words: Any, order: int) -> Any:
    """A bug on purpose: an utterance of three or more words loses its third word."""
    return _split(participant, [w for i, w in enumerate(words) if i != 2], order)


@pytest.mark.slow
def test_fuzz_keeps_only_the_final_shrunk_scenario(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECALL_SIM_FAILURES", str(tmp_path))
    monkeypatch.setattr(speech, "_split", _drops_third_words)
    result = RUNNER.invoke(
        cli,
        ["scenario", "fuzz", "--examples", "100", "--no-faults", "--seed", "3", "--max-seconds", "20"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1, result.output
    assert "shrunk to the smallest" in result.output
    (saved,) = tmp_path.iterdir()
    assert f"replay with: recall-sim scenario run {saved}" in result.output
    with pytest.raises(ScenarioFailed):
        assert_holds(load(str(saved)))
