"""Turns pydantic's validation errors into Django REST Framework's field-keyed 400 bodies.

Recall's API is a DRF service, so a bad field answers `{"field": ["message"]}`, nested objects nest
(`{"recording_config": {"transcript": {"provider": ["..."]}}}`), and list items answer a list with one
entry per item (`{"realtime_endpoints": [{}, {"url": ["..."]}]}`). Messages use DRF's wording.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

__all__ = ["drf_errors", "is_url", "merge_errors"]

_TYPE_NAMES = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "list": "list",
    "dict": "dict",
    "NoneType": "NoneType",
}


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value).__name__, type(value).__name__)


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "missing":
        return "This field is required."
    if kind in ("dict_type", "model_type", "model_attributes_type", "mapping_type"):
        return f'Expected a dictionary of items but got type "{_type_name(value)}".'
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return f'Expected a list of items but got type "{_type_name(value)}".'
    if kind in ("string_type", "string_unicode"):
        return "Not a valid string."
    if kind in ("bool_type", "bool_parsing"):
        return "Must be a valid boolean."
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "A valid integer is required."
    if kind in ("float_type", "float_parsing"):
        return "A valid number is required."
    if kind in ("literal_error", "enum"):
        return f'"{value}" is not a valid choice.'
    if kind in ("url_parsing", "url_scheme", "url_type", "url_syntax_violation"):
        return "Enter a valid URL."
    if kind == "none_required" or (kind.endswith("_type") and value is None):
        return "This field may not be null."
    if kind in ("string_too_long",):
        limit = error.get("ctx", {}).get("max_length")
        return f"Ensure this field has no more than {limit} characters."
    if kind in ("too_long",):
        limit = error.get("ctx", {}).get("max_length")
        return f"Ensure this field has no more than {limit} elements."
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ")
    return str(error.get("msg", "Invalid value."))


def _insert(tree: Any, path: Sequence[str | int], message: str) -> Any:
    if not path:
        existing = tree if isinstance(tree, list) and all(isinstance(m, str) for m in tree) else []
        return [*existing, message]
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items: list[Any] = (
            tree if isinstance(tree, list) and not all(isinstance(m, str) for m in tree) else []
        )
        items = list(items) + [{} for _ in range(head + 1 - len(items))]
        items[head] = _insert(items[head] or ({} if rest else []), rest, message)
        return items
    node: dict[str, Any] = tree if isinstance(tree, dict) else {}
    node[head] = _insert(node.get(head), rest, message)
    return node


def drf_errors(errors: Iterable[Mapping[str, Any]], *, strip: int = 0) -> dict[str, Any]:
    """Field-keyed errors from pydantic error dicts; `strip` drops leading loc parts (e.g. "body")."""
    tree: dict[str, Any] = {}
    for error in errors:
        loc = list(error.get("loc", ()))[strip:]
        message = _message(error)
        if not loc:
            if error.get("type") in ("dict_type", "model_type", "model_attributes_type"):
                message = f"Invalid data. Expected a dictionary, but got {_type_name(error.get('input'))}."
            tree = _insert(tree, ["non_field_errors"], message)
            continue
        # dict[str, X] errors name the offending key as the last loc part; DRF names the field.
        tree = _insert(tree, [p for p in loc if p != "[key]"], message)
    return tree


def merge_errors(*trees: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for tree in trees:
        for key, value in tree.items():
            if key in out and isinstance(out[key], dict) and isinstance(value, Mapping):
                out[key] = merge_errors(out[key], value)
            elif key in out and isinstance(out[key], list) and isinstance(value, list):
                out[key] = out[key] + [v for v in value if v not in out[key]]
            else:
                out[key] = value
    return out


def is_url(value: str, schemes: Collection[str]) -> bool:
    """Whether `value` is an absolute URL with one of `schemes`, a host and a valid port: one the
    region can later send to. Text that is not a URL at all (`http://[`, a port of 99999, spaces)
    is simply not one; `urlsplit` and httpx raise on such text, and that must not become a 500."""
    if any(c.isspace() or not c.isprintable() for c in value):
        return False  # as DRF's URLField: httpx would quietly percent-encode a space in the host
    import httpx  # loaded on the first URL checked, not at start-up

    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number in 0..65535
        httpx.URL(value)
    except (ValueError, httpx.InvalidURL):
        return False
    return parts.scheme in schemes and bool(parts.hostname)
