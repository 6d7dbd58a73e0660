"""Every pytest run where recall-sim is installed imports its plugin, also a partner's that never uses it:
the plugin's import defines hooks and fixtures and loads nothing of the region, the recorder or their
libraries, and `import recall_sim` (the namespace guard) loads nothing Python had not loaded already.
How long that takes is measured by `benchmarks/pytest_overhead.py`, not here."""

from __future__ import annotations

import json
import subprocess
import sys

# Prints the modules one import adds, after what is named as loaded before it.
ADDED = """
import json, sys
{before}
loaded = set(sys.modules)
import {module}
print(json.dumps(sorted(set(sys.modules) - loaded)))
"""


def _added_by(module: str, before: str = "") -> list[str]:
    code = ADDED.format(before=before, module=module)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    added: list[str] = json.loads(done.stdout)
    return added


def test_importing_the_plugin_loads_none_of_the_region_the_recorder_or_their_libraries() -> None:
    added = _added_by("recall_sim.scenarios.plugin", before="import pytest")
    assert "recall_sim.scenarios.plugin" in added
    ours = {"recall_sim", "recall_sim.scenarios"}
    heavy = [
        name
        for name in added
        if name.split(".")[0] not in sys.stdlib_module_names
        and name not in ours
        and not name.startswith("recall_sim.scenarios.")
    ]
    assert heavy == [], f"the plugin's import loads {heavy}: import them in the fixture that uses them"
    assert not any(name.startswith(("recall_sim.simulator", "recall_sim.recorder")) for name in added)
    assert "recall_sim.scenarios.options" not in added  # read by fixtures, at setup


def test_the_namespace_guard_imports_nothing_more() -> None:
    assert _added_by("recall_sim") == ["recall_sim"]
