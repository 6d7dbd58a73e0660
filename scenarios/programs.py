"""Tests that need a program this project does not install itself (a browser, a database server, a
speech synthesiser): skipped with how to install it on a developer's machine, a failure under CI
(`.ci/run` installs them and sets RECALL_SIM_REQUIRE_PROGRAMS=1)."""

from __future__ import annotations

import os
import shutil

import pytest

from recall_sim.scenarios.local_servers import find_postgres_program


def require_program(name: str, debian_package: str) -> str:
    """The path of `name`, or skip (fail under RECALL_SIM_REQUIRE_PROGRAMS=1) naming the package."""
    return _found_or_missing(name, debian_package, shutil.which(name))


def require_postgres_program(name: str) -> str:
    """A PostgreSQL server program (initdb, pg_ctl): on PATH or where Debian puts it
    (/usr/lib/postgresql/<version>/bin), else skipped or failed as `require_program` does."""
    return _found_or_missing(name, "postgresql", find_postgres_program(name))


def _found_or_missing(name: str, debian_package: str, path: str | None) -> str:
    if path is not None:
        return path
    message = f"{name} is not installed: apt-get install {debian_package} (or add it to .ci/debian-packages)"
    if os.environ.get("RECALL_SIM_REQUIRE_PROGRAMS") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
