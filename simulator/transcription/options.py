"""Provider options checked against the provider's schema in Recall's OpenAPI document.

Recall forwards a transcript's provider options as they are; it is the provider that judges them, while
transcribing (option_rules.py says what each simulated provider takes and refuses). The simulated
providers judge by their schemas in the reference document (`simulator/reference`), so the option
names, types, enums and ranges here are the providers' own as Recall publishes them. This module reads
the part of JSON Schema those schemas use (`$ref`, `allOf`, `oneOf`/`anyOf`, `type`, `nullable`,
`enum`, `minimum`/`maximum`, `pattern`, `properties`, `required`, `additionalProperties`, `items`,
`maxItems`) and renders what fails in Django REST Framework's wording.

Two readings are deliberate:
- `oneOf` is read as `anyOf`. The provider schemas are generated from the providers' own specs, where a
  value such as `"en"` matches both a language enum and the plain string beside it; read to the letter,
  no valid language could pass.
- An async provider's top-level options are closed: an option the schema does not name is refused, so
  a typo never silently does nothing. Nested objects are closed only where the schema says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from recall_sim.simulator.reference import openapi

__all__ = [
    "UNKNOWN_OPTION",
    "enum_values",
    "named_schema",
    "option_errors",
    "provider_schema",
    "schema_errors",
]

UNKNOWN_OPTION = "Unknown option."

#: where each async provider's options are described; the chunked AssemblyAI variant is only named in
#: the artifact's schema (the create request's schema predates it)
_CONTAINERS = ("RecordingCreateTranscriptArtifactProvider", "TranscriptArtifactProvider")

_TYPE_CHECKS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "string": (str, "Not a valid string."),
    "boolean": (bool, "Must be a valid boolean."),
    "integer": (int, "A valid integer is required."),
    "number": ((int, float), "A valid number is required."),
    "array": (list, "Expected a list of items but got type {type}."),
    "object": (dict, "Expected a dictionary of items but got type {type}."),
}

Errors = list[str] | dict[str, Any]


def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = openapi()["components"]["schemas"]
    return schemas


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = _schemas()[str(schema["$ref"]).rsplit("/", 1)[-1]]
    return schema


@cache
def provider_schema(provider: str) -> Mapping[str, Any] | None:
    """The schema of one provider's options, or None if the document names no such provider."""
    for container in _CONTAINERS:
        found = _schemas()[container].get("properties", {}).get(provider)
        if found is not None:
            return _resolve(found)
    return None


def enum_values(schema: Mapping[str, Any]) -> set[str]:
    """Every enum value anywhere in `schema`'s alternatives (e.g. a language option's known codes)."""
    schema = _resolve(schema)
    values = {str(v) for v in schema.get("enum", [])}
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in schema.get(key, []):
            values |= enum_values(branch)
    return values


def _type_name(value: Any) -> str:
    return f'"{type(value).__name__}"'


def _type_error(kind: str, value: Any) -> list[str] | None:
    check = _TYPE_CHECKS.get(kind)
    if check is None:
        return None
    python_type, message = check
    matches = isinstance(value, python_type) and not (
        kind in ("integer", "number") and isinstance(value, bool)
    )
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        matches = True
    return None if matches else [message.format(type=_type_name(value))]


def _object_errors(schema: Mapping[str, Any], value: dict[str, Any], closed: bool) -> Errors | None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    errors: dict[str, Any] = {}
    for name in schema.get("required", []):
        if name not in value:
            errors[name] = ["This field is required."]
    extra = schema.get("additionalProperties")
    for name, item in value.items():
        if name in properties:
            found = _errors(properties[name], item)
            if found:
                errors[name] = found
        elif closed or extra is False:
            errors[name] = [UNKNOWN_OPTION]
        elif isinstance(extra, Mapping):
            found = _errors(extra, item)
            if found:
                errors[name] = found
    return errors or None


def _errors(schema: Mapping[str, Any], value: Any, *, closed: bool = False) -> Errors | None:
    schema = _resolve(schema)
    if value is None:
        nullable = schema.get("nullable") is True or ("default" in schema and schema["default"] is None)
        return None if nullable else ["This field may not be null."]
    for part in schema.get("allOf", []):
        found = _errors(part, value)
        if found:
            return found
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [_errors(branch, value) for branch in schema[key]]
            if all(branches):
                return branches[0]
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if isinstance(kind, str):
        found = _type_error(kind, value)
        if found:
            return found
    if "enum" in schema and value not in schema["enum"]:
        return [f'"{value}" is not a valid choice.']
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return [f"Ensure this value is greater than or equal to {schema['minimum']}."]
        if "maximum" in schema and value > schema["maximum"]:
            return [f"Ensure this value is less than or equal to {schema['maximum']}."]
    if isinstance(value, str) and "pattern" in schema and re.search(schema["pattern"], value) is None:
        return ["This value does not match the required pattern."]
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return [f"Ensure this field has no more than {schema['maxItems']} elements."]
        if "items" in schema:
            items = {str(i): e for i, item in enumerate(value) if (e := _errors(schema["items"], item))}
            return items or None
    if isinstance(value, dict):
        return _object_errors(schema, value, closed)
    return None


def named_schema(name: str) -> Mapping[str, Any] | None:
    """A schema of the reference document by its name, or None."""
    found = _schemas().get(name)
    return None if found is None else _resolve(found)


def schema_errors(
    schema: Mapping[str, Any],
    options: Any,
    *,
    also_takes: Mapping[str, Mapping[str, Any]] | None = None,
    closed: bool = True,
) -> Errors | None:
    """What is wrong with `options` against a provider's options `schema` (DRF's nested shape), or None.
    `also_takes` names options (with their schemas) beyond the schema's; `closed` refuses any other."""
    if not isinstance(options, dict):
        return [f"Expected a dictionary of items but got type {_type_name(options)}."]
    if also_takes:
        schema = {**schema, "properties": {**schema.get("properties", {}), **also_takes}}
    return _errors(schema, options, closed=closed)


def option_errors(provider: str, options: Any) -> Errors | None:
    """What is wrong with `options` for `provider` by its published schema alone, or None."""
    schema = provider_schema(provider)
    if schema is None:
        raise KeyError(provider)
    return schema_errors(schema, options)
