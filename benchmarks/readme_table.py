"""The README's benchmark table, from the JSON objects the scripts print with `--json`.

    python benchmarks/lifecycle.py --json > runs/lifecycle.json      # and the others
    python benchmarks/readme_table.py runs/*.json

One row per figure, in the order given: the figure, ours, the baseline with its name, the ratio
ours / baseline, the machine (cores, memory, load average at the end of the run) and the command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HEADER = "| figure | ours | baseline | ratio | machine | command |\n|---|---|---|---|---|---|"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if value == int(value) and abs(value) >= 100:
        return str(int(value))
    return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"


def _machine(machine: dict[str, Any]) -> str:
    load = machine.get("load_average") or []
    shown = f"{machine['cores']} cores, {machine['memory_gib']} GiB"
    return shown + (f", load {load[0]}" if load else "")


def rows(report: dict[str, Any]) -> list[str]:
    """The table rows of one script's report; the command is given once, on its first row."""
    out = []
    for i, figure in enumerate(report["figures"]):
        baseline = "—"
        if figure["baseline"] is not None:
            baseline = f"{figure['baseline_name']}: {_number(figure['baseline'])}"
        command = f"`{report.get('command', '')}`" if i == 0 else "the same"
        name = f"{figure['name']}, {figure['unit']}" if figure["unit"] else figure["name"]
        cells = [
            name,
            _number(figure["ours"]),
            baseline,
            _number(figure["ratio"]),
            _machine(report["machine"]),
        ]
        out.append("| " + " | ".join([*cells, command]) + " |")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("reports", nargs="+", type=Path, help="files holding one script's --json output each")
    args = parser.parse_args(argv)
    lines = [HEADER]
    for path in args.reports:
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            print(f"readme_table: {path}: not a benchmark's --json output ({exc})", file=sys.stderr)
            return 2
        lines += rows(report)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
