"""What installing recall-sim costs a partner's unrelated pytest run: a one-test run's wall and CPU time in a
virtual environment with only pytest, against one that also has recall-sim installed (a wheel built from
this checkout, its default dependencies, no extras), and the fixtures the second one gains.

    python benchmarks/pytest_overhead.py [--runs 7] [--venvs DIR]

The environments are made under `--venvs` (a temporary folder by default); when given and already made,
they are kept and only recall-sim is reinstalled from this checkout. The runs alternate; each figure is the
median of `--runs`. Two more rows run the second environment with pytest plugins switched off, which
splits the difference into shares: recall-sim's plugin (`-p no:recall_sim`), anyio's plugin
(`-p no:anyio` too: anyio is installed because Starlette and httpx require it, and registers a pytest
plugin of its own), and the rest (pytest reading the entry points of every installed distribution, and
a larger site-packages). Last, each plugin module's own import time, in a process that has imported
pytest. Wall time is what a partner waits; CPU time (user + system) tells the shares apart
better on a busy machine. Python writes its bytecode caches as it does on a partner's machine
(PYTHONDONTWRITEBYTECODE is removed for the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/pytest_overhead.py`

from benchmarks._report import Figure, add_json_flag, figures_reported

ROOT = Path(__file__).resolve().parents[1]
ONE_TEST = "def test_one():\n    assert 1 + 1 == 2\n"
PIP = ["-m", "pip", "install", "-q", "--disable-pip-version-check"]

#: the rows: which environment, with which plugins switched off
ROWS = {
    "bare": ("pytest only", ()),
    "ours": ("pytest with recall-sim installed", ()),
    "no_ours": ("... recall-sim's plugin off", ("-p", "no:recall_sim")),
    "no_plugins": ("... anyio's plugin off too", ("-p", "no:recall_sim", "-p", "no:anyio")),
}

# What each environment says about its pytest plugins and about who brings anyio.
WHO_BRINGS = """
import importlib.metadata as md
plugins = sorted({f"{ep.name} ({ep.dist.name})" for ep in md.entry_points(group="pytest11")})
print("pytest plugins installed:", ", ".join(plugins) or "none")
needs = sorted({d.metadata["Name"] for d in md.distributions()
                if any(r.split(";")[0].strip().lower().startswith("anyio") for r in d.requires or [])})
print("anyio is required by:", ", ".join(needs) or "nothing")
"""


# The plugins' own import, in a process that has pytest loaded already (as every pytest run has): the
# shares above without process start-up and pytest's own work around them.
IMPORTS = """
import importlib, json, time
import pytest
spent = {}
for module in ("anyio.pytest_plugin", "recall_sim.scenarios.plugin"):
    wall, cpu = time.perf_counter(), time.process_time()
    importlib.import_module(module)
    spent[module] = (time.perf_counter() - wall, time.process_time() - cpu)
print(json.dumps(spent))
"""


def _imports(python: Path) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of importing each plugin module, pytest already imported."""
    done = subprocess.run([str(python), "-c", IMPORTS], capture_output=True, text=True, check=True, env=ENV)
    return {module: (wall, cpu) for module, (wall, cpu) in json.loads(done.stdout).items()}


def _venv(path: Path, *packages: str) -> tuple[Path, bool]:
    """The environment's python, and whether it was made now."""
    python = path / "bin" / "python"
    if python.exists():
        return python, False
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(python), *PIP, *packages], check=True, capture_output=True, text=True)
    return python, True


ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _run_once(python: Path, project: Path, *extra: str) -> tuple[float, float]:
    """Wall and CPU seconds of one pytest run."""
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "test_one.py"]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False, env=ENV)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"pytest failed in {python.parent.parent}:\n{done.stdout}{done.stderr}")
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return elapsed, cpu


def _fixtures(python: Path, project: Path, *extra: str) -> set[str]:
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "--fixtures", "test_one.py"]
    done = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=True, env=ENV)
    return {m.group(1) for m in re.finditer(r"^([a-z_][\w]*)(?: \[\w+ scope\])?(?: --|$)", done.stdout, re.M)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--venvs", type=Path, default=None, help="where the two environments live")
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    with tempfile.TemporaryDirectory(prefix="recall-sim-bench-") as tmp:
        venvs = args.venvs or Path(tmp)
        pytest_version = subprocess.run(
            [sys.executable, "-c", "import pytest; print(pytest.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"making the environments under {venvs} (pytest {pytest_version}) ...", flush=True)
        bare, _ = _venv(venvs / "pytest-only", f"pytest=={pytest_version}")
        ours, made = _venv(venvs / "with-recall-sim", f"pytest=={pytest_version}", str(ROOT))
        if not made:  # a kept environment measures this checkout, not the one it was made from
            reinstall = [str(ours), *PIP, "--no-deps", "--force-reinstall", str(ROOT)]
            subprocess.run(reinstall, check=True, capture_output=True, text=True)
        print(
            subprocess.run([str(ours), "-c", WHO_BRINGS], capture_output=True, text=True, check=True).stdout
        )
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "test_one.py").write_text(ONE_TEST)
        pythons = {"bare": bare, "ours": ours, "no_ours": ours, "no_plugins": ours}
        for python in (bare, ours):  # a first, unmeasured run of each fills the disk cache
            _run_once(python, project)
        wall: dict[str, list[float]] = {row: [] for row in ROWS}
        cpu: dict[str, list[float]] = {row: [] for row in ROWS}
        imports: dict[str, list[tuple[float, float]]] = {}
        for run in range(args.runs):
            for module, spent in _imports(ours).items():
                imports.setdefault(module, []).append(spent)
            for row, (_, switched_off) in ROWS.items():
                elapsed, used = _run_once(pythons[row], project, *switched_off)
                wall[row].append(elapsed)
                cpu[row].append(used)
            said = ", ".join(f"{row} {wall[row][-1]:.3f} s" for row in ROWS)
            print(f"run {run + 1}/{args.runs} (wall): {said}", flush=True)
        own_fixtures = sorted(_fixtures(ours, project) - _fixtures(ours, project, "-p", "no:recall_sim"))
        others = sorted(_fixtures(ours, project, "-p", "no:recall_sim") - _fixtures(bare, project))
    walls = {row: statistics.median(times) for row, times in wall.items()}
    cpus = {row: statistics.median(times) for row, times in cpu.items()}
    figures.append(
        Figure("one-test pytest run, recall-sim installed", walls["ours"], walls["bare"], "pytest only", "s")
    )
    figures.append(
        Figure(
            "one-test pytest run, recall-sim's plugin on",
            walls["ours"],
            walls["no_ours"],
            "its plugin off",
            "s",
        )
    )
    figures.append(
        Figure(
            "one-test pytest run, anyio's plugin on",
            walls["no_ours"],
            walls["no_plugins"],
            "anyio's plugin off",
            "s",
        )
    )
    print()
    print(f"{args.runs} runs each, alternating; medians; ratio = row / pytest only")
    print(f"{'measure':<40}{'wall s':>9}{'ratio':>7}{'CPU s':>9}{'ratio':>7}")
    for row, (label, _) in ROWS.items():
        print(
            f"{label:<40}{walls[row]:>9.3f}{walls[row] / walls['bare']:>7.2f}"
            f"{cpus[row]:>9.3f}{cpus[row] / cpus['bare']:>7.2f}"
        )
    print()
    print(f"{'difference, and its shares':<40}{'wall s':>9}{'':>7}{'CPU s':>9}")
    shares = (
        ("in all (asked: at most +0.100 s)", "ours", "bare"),
        ("recall-sim's plugin", "ours", "no_ours"),
        ("anyio's plugin", "no_ours", "no_plugins"),
        ("the rest (more distributions installed)", "no_plugins", "bare"),
    )
    for label, row, baseline in shares:
        print(f"{label:<40}{walls[row] - walls[baseline]:>+9.3f}{'':>7}{cpus[row] - cpus[baseline]:>+9.3f}")
    print()
    print(f"{'importing a plugin, pytest loaded':<40}{'wall ms':>9}{'':>7}{'CPU ms':>9}")
    cpu_ms: dict[str, float] = {}
    for module, spent in imports.items():
        wall_ms = statistics.median(w for w, _ in spent) * 1000
        cpu_ms[module] = statistics.median(c for _, c in spent) * 1000
        print(f"{module:<40}{wall_ms:>9.1f}{'':>7}{cpu_ms[module]:>9.1f}")
    figures.append(
        Figure(
            "importing recall-sim's plugin, pytest loaded (CPU)",
            cpu_ms["recall_sim.scenarios.plugin"],
            cpu_ms["anyio.pytest_plugin"],
            "importing anyio's plugin",
            "ms",
        )
    )
    print()
    print(f"fixtures gained from recall-sim's plugin: {', '.join(own_fixtures) or 'none'}")
    print(f"fixtures gained from its dependencies' plugins: {', '.join(others) or 'none'}")


if __name__ == "__main__":
    main()
