"""One import namespace, `recall_sim`: a partner's own `scenarios/`, `simulator/`, `recorder/` and `seams/`
packages live beside recall-sim, and nothing of ours is importable under two names."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import recall_sim

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", recall_sim.PACKAGES)
def test_a_bare_name_of_ours_is_refused_loudly(package: str) -> None:
    # From the checkout's root, where the folders sit at the top level, the bare name would load a copy.
    code = f"import recall_sim\nimport {package}\n"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert f"recall-sim's '{package}' is imported as 'recall_sim.{package}'" in done.stderr


def test_every_module_of_ours_is_loaded_under_one_name() -> None:
    code = textwrap.dedent(
        """
        import pkgutil, sys, importlib
        import recall_sim
        for info in pkgutil.walk_packages(recall_sim.__path__, "recall_sim."):
            importlib.import_module(info.name)
        files = {}
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if path and name.split(".")[0] in recall_sim.PACKAGES + ("recall_sim",):
                files.setdefault(path, []).append(name)
        print(len(files), sorted(n for n in files.values() if len(n) > 1))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, twice = done.stdout.split(" ", 1)
    assert int(count) > 100  # every module was walked
    assert twice.strip() == "[]"


PARTNER_PACKAGES = {
    "scenarios/__init__.py": "NAME = 'the partner\\'s scenarios'\n",
    "scenarios/plugin.py": "PLUGIN = False\n",
    "simulator/__init__.py": "def simulate():\n    return 'partner'\n",
    "recorder/__init__.py": "RECORDED = []\n",
    "seams/__init__.py": "SEAMS = 3\n",
}

PARTNER_TESTS = """
import scenarios
import seams
import simulator
from recorder import RECORDED


def test_own_packages():
    assert scenarios.NAME == "the partner's scenarios"
    assert simulator.simulate() == "partner"
    assert seams.SEAMS == 3 and RECORDED == []


async def test_with_recall_sim(recall_region):
    api = recall_region.client()
    created = await api.post("/api/v1/sdk_upload/")
    assert created.status_code == 201
    assert (await api.get(f"/api/v1/sdk_upload/{created.json()['id']}/")).status_code == 200
"""


@pytest.mark.served
def test_a_partner_project_with_packages_of_the_same_names_runs_both_its_tests_and_the_plugin(
    tmp_path: Path,
) -> None:
    for name, text in PARTNER_PACKAGES.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_partner.py").write_text(PARTNER_TESTS)
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", "tests"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout, done.stdout
