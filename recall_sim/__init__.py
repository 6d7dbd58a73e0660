"""recall-sim: a local sandbox for Recall.ai's Desktop Recording SDK.

One import namespace: `recall_sim.simulator` (the simulated region), `recall_sim.recorder` (the Desktop
SDK in Python), `recall_sim.scenarios` (scenarios, the pytest plugin, the command line) and
`recall_sim.seams` (clock and randomness). In a source checkout the same folders also sit at the top
level; importing them there by their bare names would load every module twice, under two names, with two
copies of its state, so that is refused loudly. A partner's own `simulator` or `scenarios` package,
anywhere else, is not ours and imports as usual.

Every pytest run where recall-sim is installed imports this module (the plugin lives below it), so it
imports only what Python has loaded at start-up already: `os.path` rather than `pathlib`, no `typing`,
and a finder that needs no `importlib.abc` (which would pull in `importlib.resources`).
"""

from __future__ import annotations

import importlib.machinery
import os.path
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (mypy knows the name)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import ModuleType

__all__ = ["PACKAGES"]

#: the subpackages, each a folder at the top of the source checkout
PACKAGES = ("simulator", "recorder", "scenarios", "seams")

_HOME = os.path.dirname(os.path.realpath(__file__))


class _OneNameOnly:
    """Refuses `import simulator` (and the others) when it would load our own folder a second time.

    A meta path finder is any object with `find_spec` (the import system calls nothing else)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None or fullname not in PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname)
        if spec is None or spec.origin is None:
            return None
        if os.path.dirname(os.path.realpath(spec.origin)) == os.path.realpath(os.path.join(_HOME, fullname)):
            raise ImportError(
                f"recall-sim's {fullname!r} is imported as 'recall_sim.{fullname}'; "
                f"'import {fullname}' would load a second copy of it"
            )
        return None


if not any(isinstance(finder, _OneNameOnly) for finder in sys.meta_path):
    sys.meta_path.insert(0, _OneNameOnly())
