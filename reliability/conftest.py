"""The reliability suite's shared pieces: the `quick` / `thorough` split and the figures table.

Every test is marked `quick` (CI runs it: `pytest reliability -m quick`) or `thorough` (a person runs it:
`pytest reliability -m thorough --thorough`; without `--thorough` or RECALL_SIM_THOROUGH=1 those are
skipped, so the default suite stays within CI's budget). A test reports what it measured through the
`figures` fixture; at the end of the run the figures are printed as one table (tries, failures, anything
lost, and each part's own numbers), also when the tests ran on several xdist workers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

_KEY = "recall_sim_figures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--thorough", action="store_true", help="run the reliability suite's thorough tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    thorough = config.getoption("--thorough") or os.environ.get("RECALL_SIM_THOROUGH") == "1"
    skip = pytest.mark.skip(reason="thorough run only: pytest reliability -m thorough --thorough")
    for item in items:
        if "thorough" in item.keywords and not thorough:
            item.add_marker(skip)


class Figures:
    """What one test measured: `record(part, tries=..., failures=..., lost=..., **more)`."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(self, part: str, *, tries: int, failures: int, lost: int = 0, **more: Any) -> None:
        self.rows.append({"part": part, "tries": tries, "failures": failures, "lost": lost, **more})


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    found = Figures()
    yield found
    for row in found.rows:
        request.node.user_properties.append((_KEY, json.dumps(row, sort_keys=True, default=str)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    rows = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "teardown":
                continue
            rows += [json.loads(v) for k, v in getattr(report, "user_properties", []) if k == _KEY]
    if not rows:
        return
    terminalreporter.section("reliability figures")
    for row in sorted(rows, key=lambda r: r["part"]):
        extra = ", ".join(
            f"{k} {v}" for k, v in row.items() if k not in ("part", "tries", "failures", "lost")
        )
        terminalreporter.write_line(
            f"{row['part']:<40} tries {row['tries']:>6}  failures {row['failures']:>4}  lost {row['lost']:>3}"
            + (f"  {extra}" if extra else "")
        )
