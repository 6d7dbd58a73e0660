"""Figures a benchmark prints, and `--json`: the same figures as one JSON object, so runs can be compared.

With `--json` the script's table and progress lines go to standard error and standard output carries only

    {"figures": [{"name", "ours", "baseline", "baseline_name", "ratio", "unit"}], "machine": {...},
     "command": "python benchmarks/NAME.py ARGS"}

`benchmarks/readme_table.py` turns such objects into the README's table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Figure", "add_json_flag", "command", "figures_reported", "machine"]


@dataclass(frozen=True)
class Figure:
    name: str
    ours: float
    baseline: float | None
    baseline_name: str | None
    unit: str

    @property
    def ratio(self) -> float | None:
        """ours / baseline, as every table here prints it."""
        return None if not self.baseline else self.ours / self.baseline

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ours": _figure(self.ours),
            "baseline": _figure(self.baseline),
            "baseline_name": self.baseline_name,
            "ratio": _figure(self.ratio),
            "unit": self.unit,
        }


def _figure(value: float | None) -> float | None:
    """Six significant digits: more than any of these measurements can tell apart."""
    return None if value is None else float(f"{value:.6g}")


def machine() -> dict[str, object]:
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem.split()[1]) / 1024**2, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def command() -> str:
    """The command that ran this script, as the README would give it (without `--json`)."""
    script = Path(sys.argv[0])
    shown = f"benchmarks/{script.name}" if script.parent.name == "benchmarks" else str(script)
    return " ".join(["python", shown, *(a for a in sys.argv[1:] if a != "--json")])


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print the figures as one JSON object (the table goes to stderr)"
    )


@contextlib.contextmanager
def figures_reported(as_json: bool) -> Iterator[list[Figure]]:
    """Collects the figures the block appends; with `as_json`, the block's prints go to stderr and one
    JSON object goes to stdout at the end."""
    figures: list[Figure] = []
    if not as_json:
        yield figures
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield figures
    report = {"figures": [f.as_json() for f in figures], "machine": machine(), "command": command()}
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
