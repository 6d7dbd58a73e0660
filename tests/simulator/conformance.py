"""Validating the region's responses against Recall's reference OpenAPI document.

One validator per schema name, over the whole document (a `referencing` registry holds it, so every
`$ref` between schemas resolves), with OpenAPI 3.0 semantics (`nullable`, `readOnly` read as in a
response) and format checks (`uuid`, `date-time`, and absolute `uri`s for download links).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from recall_sim.simulator.reference import openapi

__all__ = ["DOCUMENT_URI", "assert_conforms", "errors_against"]

DOCUMENT_URI = "urn:recall:openapi"


def _one_of_as_any_of(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {("anyOf" if k == "oneOf" else k): _one_of_as_any_of(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_one_of_as_any_of(v) for v in schema]
    return schema


def _reference_document() -> dict[str, Any]:
    """The reference document, minus known defects of the merge it was built from.

    - `TranscriptArtifactProvider` lists six async providers under `required`, yet a transcript names
      exactly one provider (the contract, section 3: `{provider: {<exactly one key>: {...}}}`); no real
      transcript could pass it. Dropping that `required` still checks each provider's own options.
    - The provider option schemas come from the providers' own specs, whose `oneOf`s overlap (AssemblyAI's
      `language_code` is "one of" a language enum and any string, so `"en"` matches both and could never
      pass). They are read as `anyOf`, as the region reads them (simulator/transcription/options.py).
    - A provider's options are passed through to the provider as sent (contract section 3), so the
      transcript shows options the provider's published schema does not name (AssemblyAI's
      `speech_models`, the seed's `diarization: true`): no provider schema is closed here.
    """
    document = copy.deepcopy(openapi())
    schemas = document["components"]["schemas"]
    for option_schema in schemas["TranscriptArtifactProvider"]["properties"].values():
        ref = option_schema.get("$ref", "")
        target = schemas[ref.rsplit("/", 1)[-1]] if ref else option_schema
        target.pop("additionalProperties", None)
    schemas["TranscriptArtifactProvider"].pop("required", None)
    schemas["TranscriptArtifactProvider"] = _one_of_as_any_of(schemas["TranscriptArtifactProvider"])
    return document


def _nullable_all_of(
    validator: Any, all_of: list[Mapping[str, Any]], instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`allOf` that lets null through when its schema says `nullable: true`.

    OpenAPI 3.0 cannot put `nullable` beside a `$ref`, so the document (drf-spectacular's output) writes
    a nullable reference as `{"allOf": [{"$ref": ...}], "nullable": true}`. Read to the letter of 3.0.3,
    `nullable` there has no type to act on and the field could never be null, though the document plainly
    means it can (`Recording.bot` is null for every SDK recording).
    """
    if instance is None and schema.get("nullable") is True:
        return
    yield from OAS30ReadValidator.VALIDATORS["allOf"](validator, all_of, instance, schema)


#: OpenAPI 3.0 validation of a response, with nullable references read as the document means them.
#: A response is a read: a `readOnly` property is as required as any other (the plain OAS30Validator
#: lets a missing `readOnly` property pass, and nearly every property of a Recording is `readOnly`).
Validator = extend(OAS30ReadValidator, validators={"allOf": _nullable_all_of})


def _is_absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, check in oas30_format_checker.checkers.items():
        checker.checkers[name] = check
    checker.checks("uri")(_is_absolute_uri)
    return checker


@cache
def _registry() -> Registry[Any]:
    return Registry().with_resource(DOCUMENT_URI, DRAFT4.create_resource(_reference_document()))


@cache
def _validator(schema_name: str) -> Any:
    if schema_name not in openapi()["components"]["schemas"]:
        raise KeyError(f"no schema {schema_name!r} in the reference document")
    schema = {"$ref": f"{DOCUMENT_URI}#/components/schemas/{schema_name}"}
    return Validator(schema, registry=_registry(), format_checker=_format_checker())


def errors_against(schema_name: str, instance: Any) -> list[ValidationError]:
    """Every way `instance` breaks the named schema (empty when it conforms)."""
    return list(_validator(schema_name).iter_errors(instance))


def assert_conforms(schema_name: str, instance: Any) -> None:
    """Fail with the most relevant error, and where it is, when `instance` breaks the schema."""
    error = best_match(_validator(schema_name).iter_errors(instance))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        raise AssertionError(f"response is not a valid {schema_name} at {where}: {error.message}")
