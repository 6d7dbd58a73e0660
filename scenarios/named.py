"""The named scenarios: data files under `scenarios/library/`, one per case the matrix runs.

A file's name is the scenario's name. Each is a scenario (scenarios.model) in YAML; its `meeting` may be
the name of a meeting the recorder ships.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from recall_sim.scenarios.model import Scenario, load_scenario

__all__ = ["load", "named_scenarios", "scenario_names"]


def scenario_names() -> list[str]:
    folder = resources.files("recall_sim.scenarios").joinpath("library")
    return sorted(e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml"))


def _named(name: str) -> Scenario:
    text = resources.files("recall_sim.scenarios").joinpath("library", f"{name}.yaml").read_text()
    data = yaml.safe_load(text)
    return Scenario.from_dict({"name": name, **data})


def named_scenarios() -> dict[str, Scenario]:
    return {name: _named(name) for name in scenario_names()}


def load(name_or_path: str) -> Scenario:
    """A named scenario, or a scenario file (YAML or JSON)."""
    if name_or_path in scenario_names():
        return _named(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(
            f"no scenario named {name_or_path!r} (one of {', '.join(scenario_names())}) and no such file"
        )
    return load_scenario(path)
