"""The served OpenAPI document: FastAPI's generator, then what it gets wrong for this app put right
(DRF's 400 in place of 422, security schemes, links between operations, HEAD and OPTIONS).

REST bodies are read by a dependency after authentication (bodies.py), so FastAPI does not see them:
`request_body` declares each one's schema by hand, and `install_openapi` adds those schemas.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from recall_sim.simulator.api.drf_methods import document_methods, is_rest_path

__all__ = ["LINKS", "install_openapi", "request_body"]

_DOCUMENTED: dict[str, type[BaseModel]] = {}


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` declaring `model` as the route's (optional) JSON request body."""
    _DOCUMENTED[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": False, "content": {"application/json": {"schema": ref}}}}


#: How the REST API and the ingest calls authenticate (Recall's document names the first `tokenAuth`).
SECURITY_SCHEMES = {
    "tokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    },
    "uploadTokenAuth": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'An sdk_upload\'s upload_token with the prefix "UploadToken" (or `?token=`)',
    },
}

_FIELD_ERRORS = {
    "description": 'Invalid request: a field-keyed body (`{"field": ["message"]}`) or `{"detail": ...}`',
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}


_KINDS = ("video_mixed", "audio_mixed", "participant_events", "meeting_metadata", "transcript")


def _to(operations: list[str], parameter: str, expression: str) -> dict[str, Any]:
    return {op: {"operationId": op, "parameters": {parameter: expression}} for op in operations}


def _links() -> dict[tuple[str, str], dict[str, Any]]:
    """(operationId, status) -> the OpenAPI links from that response: where an id it answers with is
    the path or query parameter of another operation. Clients read these; so does stateful fuzzing."""
    uploads = ["sdk_upload_retrieve", "sdk_upload_retrieve_hyphen", "desktop_sdk_upload_retrieve"]
    recording = ["recording_retrieve", "recording_partial_update", "recording_destroy"]
    recording += ["recording_create_transcript_create"]
    created_upload = {
        **_to(uploads, "id", "$response.body#/id"),
        "recording_list": {
            "operationId": "recording_list",
            "parameters": {"desktop_sdk_upload_id": "$response.body#/id"},
        },
        **_to(recording, "id", "$response.body#/recording_id"),
    }
    out: dict[tuple[str, str], dict[str, Any]] = {
        ("sdk_upload_create", "201"): created_upload,
        ("sdk_upload_create_hyphen", "201"): created_upload,
        ("sdk_upload_list", "200"): _to(uploads, "id", "$response.body#/results/0/id"),
        ("sdk_upload_list_hyphen", "200"): _to(uploads, "id", "$response.body#/results/0/id"),
        ("recording_list", "200"): _to(recording, "id", "$response.body#/results/0/id"),
        ("recording_retrieve", "200"): {
            **{
                f"{kind}_{verb}": {
                    "operationId": f"{kind}_{verb}",
                    "parameters": {"id": f"$response.body#/media_shortcuts/{kind}/id"},
                }
                for kind in _KINDS
                for verb in ("retrieve", "partial_update", "destroy")
            },
            **{
                f"{kind}_list": {
                    "operationId": f"{kind}_list",
                    "parameters": {"recording_id": "$response.body#/id"},
                }
                for kind in _KINDS
            },
        },
        ("recording_create_transcript_create", "200"): _to(
            ["transcript_retrieve", "transcript_partial_update", "transcript_destroy"],
            "id",
            "$response.body#/id",
        ),
        ("control_workspace_create", "201"): _to(
            [
                "control_workspace_retrieve",
                "control_workspace_update",
                "control_api_key_create",
                "webhook_workspace_secret_rotate",
            ],
            "workspace_id",
            "$response.body#/id",
        ),
        ("control_workspace_list", "200"): _to(
            ["control_workspace_retrieve"], "workspace_id", "$response.body#/0/id"
        ),
        ("control_fault_create", "201"): _to(["control_fault_delete"], "rule_id", "$response.body#/id"),
        ("control_realtime_delivery_list", "200"): _to(
            ["control_realtime_delivery_retrieve"], "delivery_id", "$response.body#/0/id"
        ),
        ("webhook_message_list", "200"): _to(
            ["webhook_message_retrieve", "webhook_message_attempts"], "message_id", "$response.body#/0/id"
        ),
    }
    for kind in _KINDS:
        out[(f"{kind}_list", "200")] = _to(
            [f"{kind}_retrieve", f"{kind}_partial_update", f"{kind}_destroy"],
            "id",
            "$response.body#/results/0/id",
        )
    endpoint = [
        "webhook_endpoint_retrieve",
        "webhook_endpoint_update",
        "webhook_endpoint_delete",
        "webhook_endpoint_enable",
        "webhook_endpoint_disable",
        "webhook_endpoint_secret",
        "webhook_endpoint_secret_rotate",
        "webhook_endpoint_attempts",
        "webhook_endpoint_recover",
    ]
    out[("webhook_endpoint_create", "201")] = _to(endpoint, "endpoint_id", "$response.body#/id")
    out[("webhook_endpoint_list", "200")] = _to(endpoint, "endpoint_id", "$response.body#/0/id")
    return out


LINKS = _links()


def _security_of(path: str) -> str | None:
    if is_rest_path(path):
        return "tokenAuth"
    if path.startswith("/ingest/"):
        return "uploadTokenAuth"
    return None


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`X | None` for a parameter is X: a query parameter or header is sent or not, never JSON null."""
    branches = [b for b in schema.get("anyOf", []) if b != {"type": "null"}]
    if "anyOf" not in schema or len(branches) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**branches[0], **rest}


def _as_served(document: dict[str, Any]) -> None:
    """What FastAPI's generator gets wrong for this app, put right.

    FastAPI declares a 422 on every operation with parameters or a body; this app answers those
    validation errors with DRF's field-keyed 400 (app.py), so the 422 goes and a 400 stands in its
    place. Optional parameters are not nullable. Each operation says how it authenticates, and
    responses name the operations their ids feed (`LINKS`). Every REST resource also declares the
    `HEAD` and `OPTIONS` that Django REST Framework's method handling answers (drf_methods.py).
    """
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _not_null(parameter.get("schema", {}))
            responses = operation.setdefault("responses", {})
            # (an operation declared for its 405 refuses before it reads anything)
            if responses.pop("422", None) is not None and "405" not in responses:
                responses.setdefault("400", _FIELD_ERRORS)
            for (operation_id, status), links in LINKS.items():
                if operation.get("operationId") == operation_id:
                    responses[status]["links"] = links
            scheme = _security_of(path)
            if scheme is not None and "401" in responses:  # what checks no credentials names none
                operation["security"] = [{scheme: []}]
    schemas = components.get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    document_methods(document)


def install_openapi(app: FastAPI) -> None:
    """Generate the document as FastAPI does, then add the schemas of hand-declared bodies."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for name, model in _DOCUMENTED.items():
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[name] = schema
        _as_served(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
