"""Start-up time: from launching `recall-sim serve` to its first 200 on `GET /_simulator/health`, against
`moto_server` (moto's standalone AWS emulator) to its first 200 on `GET /moto-api/data.json`.

    python benchmarks/startup.py [--runs 7]

Both are launched as their installed console scripts (the venv's `bin/`), in memory, on a free loopback
port, and polled every 5 ms; the runs alternate between the two. Beside the wall time, the CPU seconds
each process had used when it answered (from /proc, on Linux): on a machine shared with other work the
wall time mostly measures the wait for a core, the CPU time what starting costs. moto comes with the
`bench` extra: `pip install -e '.[bench]'`.

Each server is launched once, untimed, before the timed runs, and always without
`PYTHONDONTWRITEBYTECODE`: Python then keeps the modules' compiled bytecode, as it does on any machine
after a first start and as pip does when it installs a package (moto's files); an editable install's
sources are otherwise compiled again at every launch (about 0.3 CPU s for this project's modules).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `python benchmarks/startup.py`

from benchmarks._report import Figure, add_json_flag, figures_reported
from benchmarks._served import free_port, wait_for_200

BIN = Path(sys.executable).parent
#: the servers' environment: this one, keeping compiled bytecode (the module's docstring)
_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _script(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: pip install -e '.[bench]'")
    return found


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds the process has used so far (None where /proc is not there)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime, fields 14 and 15 of proc(5), counted after the command's name and state.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_200(cmd: list[str], url: str) -> tuple[float, float | None]:
    """Wall seconds from launch to the first 200, and the CPU seconds the process had used by then."""
    started = time.perf_counter()
    process = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, env=_ENVIRONMENT
    )
    try:
        answered = wait_for_200(url, timeout=60, process=process) - started
        return answered, cpu_seconds(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    add_json_flag(parser)
    args = parser.parse_args()
    with figures_reported(args.json) as figures:
        _measure_all(args, figures)


def _measure_all(args: argparse.Namespace, figures: list[Figure]) -> None:
    recall_sim, moto = _script("recall-sim"), _script("moto_server")
    times: dict[str, list[float]] = {"ours": [], "moto": []}
    cpu: dict[str, list[float | None]] = {"ours": [], "moto": []}
    for warm_up in _launches(recall_sim, moto):  # untimed: bytecode compiled and kept
        time_to_200(*warm_up)
    for run in range(args.runs):
        ours, theirs = _launches(recall_sim, moto)
        _record(times, cpu, "ours", time_to_200(*ours))
        _record(times, cpu, "moto", time_to_200(*theirs))
        print(f"run {run + 1}/{args.runs}: ours {times['ours'][-1]:.3f} s, moto {times['moto'][-1]:.3f} s")
    ours_s, moto_s = statistics.median(times["ours"]), statistics.median(times["moto"])
    figures.append(Figure("launch to first 200", ours_s, moto_s, "moto_server", "s"))
    print()
    print(
        f"machine: {os.cpu_count()} cores; load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; moto {metadata.version('moto')}"
    )
    print(f"{args.runs} runs each, alternating; medians (min-max); ratio = ours / baseline")
    print(f"{'measure':<44}{'median s':>10}{'range s':>14}{'ratio':>8}{'CPU s':>8}{'ratio':>8}")
    spans = {name: f"{min(t):.2f}-{max(t):.2f}" for name, t in times.items()}
    cpus = {name: _median_or_none(c) for name, c in cpu.items()}
    print(
        f"{'recall-sim serve --in-memory -> health 200':<44}{ours_s:>10.3f}{spans['ours']:>14}"
        f"{'':>8}{_shown(cpus['ours']):>8}"
    )
    cpu_ratio = f"{cpus['ours'] / cpus['moto']:.2f}" if cpus["ours"] is not None and cpus["moto"] else "n/a"
    print(
        f"{'moto_server -> /moto-api/data.json 200':<44}{moto_s:>10.3f}{spans['moto']:>14}"
        f"{ours_s / moto_s:>8.2f}{_shown(cpus['moto']):>8}{cpu_ratio:>8}"
    )


def _launches(recall_sim: str, moto: str) -> list[tuple[list[str], str]]:
    """One launch of each server on a free port, and the URL its first 200 is asked from."""
    ours, theirs = free_port(), free_port()
    return [
        (
            [recall_sim, "serve", "--in-memory", "--port", str(ours)],
            f"http://127.0.0.1:{ours}/_simulator/health",
        ),
        ([moto, "-H", "127.0.0.1", "-p", str(theirs)], f"http://127.0.0.1:{theirs}/moto-api/data.json"),
    ]


def _record(
    times: dict[str, list[float]],
    cpu: dict[str, list[float | None]],
    name: str,
    measured: tuple[float, float | None],
) -> None:
    times[name].append(measured[0])
    cpu[name].append(measured[1])


def _median_or_none(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known and len(known) == len(values) else None


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


if __name__ == "__main__":
    main()
