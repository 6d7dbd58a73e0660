"""JSON as Recall's API (Django REST Framework) reads it, bounded so that no body can hurt the region.

DRF parses with `json.loads` and `parse_constant=json.strict_constant`: `NaN` and `Infinity` are not
JSON. A number too large for a float (`1e400`) is refused with the same message, since it would come
back as `Infinity`, which no JSON renderer may write. Nesting is bounded: Python's parser recurses
once per level, and a 2 KB body of brackets would otherwise exhaust the interpreter's stack (a
RecursionError, answered 500 with the connection dropped). Every refusal is a `JSONParseError`, a
`json.JSONDecodeError`, so whatever reports malformed JSON reports these the same way: 400
`{"detail": "JSON parse error - ..."}`. Duplicate keys keep the last value, as Python's parser does.
"""

from __future__ import annotations

import json
import math
from typing import Any

from recall_sim.simulator.errors import JSONParseError

__all__ = ["MAX_DEPTH", "JSONParseError", "loads"]

#: Arrays and objects nested deeper than this are refused. Recall's bodies nest a handful of levels.
MAX_DEPTH = 100


def _strict_constant(value: str) -> Any:
    raise JSONParseError(f"Out of range float values are not JSON compliant: {value!r}")


def _finite_float(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise JSONParseError(f"Out of range float values are not JSON compliant: {value!r}")
    return number


def _too_deep(value: Any) -> bool:
    """Whether `value` nests arrays and objects more than MAX_DEPTH levels (walked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > MAX_DEPTH:
            return True
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _brackets(raw: bytes | str) -> int:
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{")
    return raw.count(b"[") + raw.count(b"{")


def loads(raw: bytes | str) -> Any:
    """The parsed body, or `JSONParseError` (a ValueError) for anything DRF would not accept, or
    that nests deeper than MAX_DEPTH."""
    too_deep = JSONParseError(f"Nesting too deep: more than {MAX_DEPTH} levels of arrays and objects")
    try:
        value = json.loads(raw, parse_constant=_strict_constant, parse_float=_finite_float)
    except RecursionError:
        raise too_deep from None
    except json.JSONDecodeError:
        raise
    except ValueError as error:  # bytes that are not UTF-8, an integer of too many digits
        raise JSONParseError(str(error)) from None
    # Fewer brackets than the bound cannot nest past it: most bodies skip the walk.
    if _brackets(raw) > MAX_DEPTH and _too_deep(value):
        raise too_deep
    return value
