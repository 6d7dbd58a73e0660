"""What installing recall-sim costs a partner's unrelated pytest run: a one-test run's wall time in a
virtual environment with only pytest, against one that also has recall-sim installed (a wheel built from
this checkout, its default dependencies, no extras), and the fixtures the second one gains.

    python benchmarks/pytest_overhead.py [--runs 7] [--venvs DIR]

The environments are made under `--venvs` (a temporary folder by default; reused when given). The runs
alternate; the figure is the median of `--runs`. A third row runs the second environment with recall-sim's
plugin switched off (`-p no:recall_sim`), which tells the plugin's own cost from its dependencies' (anyio,
which httpx and Starlette need, brings a pytest plugin of its own). Python writes its bytecode caches here
as it does on a partner's machine (PYTHONDONTWRITEBYTECODE is removed for the runs).
"""

from __future__ import annotations

import argparse
import os
import re
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


def _venv(path: Path, *packages: str) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *packages], check=True, capture_output=True, text=True)
    return python


ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _run_once(python: Path, project: Path, *extra: str) -> float:
    started = time.perf_counter()
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "test_one.py"]
    done = subprocess.run(cmd, cwd=project, capture_output=True, text=True, check=False, env=ENV)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"pytest failed in {python.parent.parent}:\n{done.stdout}{done.stderr}")
    return elapsed


def _fixtures(python: Path, project: Path) -> set[str]:
    cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--fixtures", "test_one.py"]
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
        bare = _venv(venvs / "pytest-only", f"pytest=={pytest_version}")
        ours = _venv(venvs / "with-recall-sim", f"pytest=={pytest_version}", str(ROOT))
        project = Path(tmp) / "project"
        project.mkdir()
        (project / "test_one.py").write_text(ONE_TEST)
        times: dict[str, list[float]] = {"bare": [], "ours": [], "off": []}
        for python in (bare, ours):  # a first, unmeasured run of each fills the disk cache
            _run_once(python, project)
        for run in range(args.runs):
            times["bare"].append(_run_once(bare, project))
            times["ours"].append(_run_once(ours, project))
            times["off"].append(_run_once(ours, project, "-p", "no:recall_sim"))
            print(
                f"run {run + 1}/{args.runs}: pytest only {times['bare'][-1]:.3f} s, "
                f"with recall-sim {times['ours'][-1]:.3f} s, its plugin off {times['off'][-1]:.3f} s",
                flush=True,
            )
        gained = sorted(_fixtures(ours, project) - _fixtures(bare, project))
    bare_s, ours_s = statistics.median(times["bare"]), statistics.median(times["ours"])
    off_s = statistics.median(times["off"])
    figures.append(Figure("one-test pytest run, recall-sim installed", ours_s, bare_s, "pytest only", "s"))
    figures.append(
        Figure("one-test pytest run, recall-sim's plugin on", ours_s, off_s, "its plugin off", "s")
    )
    print()
    print(f"{args.runs} runs each, alternating; medians; ratio = ours / baseline")
    print(f"{'measure':<44}{'median s':>10}{'ratio':>8}")
    print(f"{'pytest only':<44}{bare_s:>10.3f}")
    print(f"{'pytest with recall-sim installed':<44}{ours_s:>10.3f}{ours_s / bare_s:>8.2f}")
    print(f"{'... with its plugin off (-p no:recall_sim)':<44}{off_s:>10.3f}{off_s / bare_s:>8.2f}")
    print(
        f"difference: {ours_s - bare_s:+.3f} s (asked: at most +0.100 s); of it recall-sim's plugin "
        f"{ours_s - off_s:+.3f} s"
    )
    print(f"fixtures gained: {', '.join(gained) if gained else 'none'}")


if __name__ == "__main__":
    main()
