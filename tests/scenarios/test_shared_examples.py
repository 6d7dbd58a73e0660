"""RECALL_SIM_EXAMPLES=redis://...: the failure one `recall-sim scenario fuzz` run found (with a bug put
in on purpose) and shrank is the first scenario another run tries, in a fresh directory. On a real Redis
server the test starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import recall_sim.recorder.media.speech as speech
import recall_sim.scenarios.scenario_cli as scenario_cli
from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.local_servers import local_redis
from recall_sim.scenarios.model import dump_yaml
from recall_sim.scenarios.programs import require_program

pytestmark = pytest.mark.served

_split = speech._split


def _drops_third_words(participant: Any, words: Any, order: int) -> Any:
    """The bug: an utterance of three or more words loses its third word on its way into the media."""
    return _split(participant, [w for i, w in enumerate(words) if i != 2], order)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with local_redis(require_program("redis-server", "redis-server")) as server:
        yield server.url


def test_a_failure_found_by_one_fuzz_run_is_replayed_first_by_the_next(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(speech, "_split", _drops_third_words)
    #: (the scenario, as YAML, and whether it held) for every scenario the current run tried
    outcomes: list[tuple[str, bool]] = []
    checked = scenario_cli.check

    def watched(run: Any) -> Any:
        violations = checked(run)
        outcomes.append((dump_yaml(run.scenario), not violations))
        return violations

    monkeypatch.setattr(scenario_cli, "check", watched)

    def fuzz(machine: str, examples: int, shared: bool) -> int:
        """One fuzz run as on a CI machine of its own: its own working directory and failures folder."""
        workdir = tmp_path / machine
        workdir.mkdir()
        monkeypatch.chdir(workdir)
        monkeypatch.setenv("RECALL_SIM_FAILURES", str(workdir / "failures"))
        if shared:
            monkeypatch.setenv("RECALL_SIM_EXAMPLES", redis_url)
        else:
            monkeypatch.delenv("RECALL_SIM_EXAMPLES", raising=False)
        outcomes.clear()
        args = ["scenario", "fuzz", "--examples", str(examples), "--no-faults"]
        result = CliRunner().invoke(build_app(), args)
        assert "Traceback" not in result.output, result.output
        return result.exit_code

    assert fuzz("first", examples=200, shared=True) == 1
    assert outcomes[0][1] is True  # found by searching, not replayed: its first scenario held
    minimal = outcomes[-1]  # Hypothesis runs the shrunk failure last, to report it
    assert minimal[1] is False

    assert fuzz("second", examples=200, shared=True) == 1
    assert outcomes[0] == minimal  # the first scenario this run tried is the first run's failure


def test_a_url_that_is_not_redis_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECALL_SIM_EXAMPLES", "postgresql://x")
    result = CliRunner().invoke(build_app(), ["scenario", "fuzz", "--examples", "1"])
    assert result.exit_code == 2
    assert "is not a Redis URL" in result.output
    assert "Traceback" not in result.output
