"""A scenario run's trace: what happened, in order, with simulated timestamps, as JSON lines.

Each line is one record `{"t": seconds since the run began, "kind": ..., ...}`: SDK events, HTTP
exchanges and WebSocket connections between desktop and region, webhook deliveries to the backend,
faults, the region's state transitions, and the run's outcome and checks. Keys are sorted and floats are
rounded, so the same seed and the same code give a byte-identical trace, and `diff` shows where two runs
part ways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recall_sim.seams import Clock

__all__ = ["VERDICT", "Trace", "read_trace", "without_verdict"]

#: the kind of the line `scenario run --trace` ends the file with: the invariants' verdict on the run.
#: It is about the run, not part of it: a replay compares everything before it.
VERDICT = "verdict"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


class Trace:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.origin = clock.timestamp()
        self.records: list[dict[str, Any]] = []

    def now(self) -> float:
        return self.clock.timestamp() - self.origin

    def add(self, kind: str, **data: Any) -> None:
        self.records.append(_rounded({"t": self.now(), "kind": kind, **data}))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["kind"] == kind]

    def dumps(self) -> str:
        return "".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in self.records)

    def write(self, path: Path, violations: list[str] | None = None) -> None:
        """The trace, then (given the invariants' `violations`, none when they all hold) the verdict."""
        text = self.dumps()
        if violations is not None:
            last = self.records[-1]["t"] if self.records else 0.0
            verdict = {"t": last, "kind": VERDICT, "holds": not violations, "violations": violations}
            text += json.dumps(verdict, sort_keys=True, separators=(",", ":")) + "\n"
        path.write_text(text)


def without_verdict(text: str) -> str:
    """A trace file's text without its verdict line: the run's records alone."""
    return "".join(line for line in text.splitlines(keepends=True) if f'"kind":"{VERDICT}"' not in line)


def read_trace(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
