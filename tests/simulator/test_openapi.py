"""The served OpenAPI document says what the region really answers: the statuses, how each operation
authenticates, and the links between operations (what the API fuzzing in reliability/ relies on)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from recall_sim.simulator.api.openapi import LINKS
from recall_sim.simulator.app import create_app
from tests.support import Sim

METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = create_app()
    try:
        return app.openapi()
    finally:
        app.state.region.close()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in document["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def test_no_operation_declares_fastapis_422_and_validation_answers_400(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, op in operations(document):
        assert "422" not in op["responses"], (method, path)
        if method == "options":  # DRF's metadata reads nothing the caller sends but the path
            assert "400" not in op["responses"], path
            continue
        if (op.get("parameters") or op.get("requestBody")) and "405" not in op["responses"]:
            assert "400" in op["responses"], (method, path)


def test_every_operation_with_an_id_in_its_path_declares_404(document: dict[str, Any]) -> None:
    for path, method, op in operations(document):
        if "{" in path and "405" not in op["responses"]:
            assert "404" in op["responses"], (method, path)
    # and one with an id in its body: an endpoint for an unknown workspace
    assert "404" in document["paths"]["/_simulator/webhooks/endpoints"]["post"]["responses"]


def test_tus_operations_declare_their_version_header_and_its_412(document: dict[str, Any]) -> None:
    for path, method, op in operations(document):
        if not path.startswith("/ingest/v1/files/") or method == "options":
            continue
        headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
        assert headers["Tus-Resumable"]["required"] is True, (method, path)
        assert headers["Tus-Resumable"]["schema"]["enum"] == ["1.0.0"]
        assert "412" in op["responses"], (method, path)
    patch = document["paths"]["/ingest/v1/files/{file_id}"]["patch"]["responses"]
    assert {"410", "460"} <= set(patch)


def test_each_operation_names_how_it_authenticates(document: dict[str, Any]) -> None:
    assert set(document["components"]["securitySchemes"]) == {"tokenAuth", "uploadTokenAuth"}
    for path, method, op in operations(document):
        if "401" not in op["responses"]:  # the control plane, downloads, tus OPTIONS, the 405s
            expected = None
        elif path.startswith("/ingest/"):
            expected = [{"uploadTokenAuth": []}]
        else:
            assert path.startswith("/api/"), path
            expected = [{"tokenAuth": []}]
        assert op.get("security") == expected, (method, path)
    for path, ops in document["paths"].items():
        if path.startswith("/_simulator/"):
            assert all("401" not in op["responses"] for op in ops.values()), path


def test_an_upload_declares_that_it_cannot_be_changed(document: dict[str, Any]) -> None:
    for path in ("/api/v1/sdk_upload/{id}/", "/api/v1/sdk-upload/{id}/", "/api/v2/desktop-sdk-upload/{id}/"):
        for method in ("patch", "put"):
            # the caller is authenticated first, as Recall's views do: 401, then 405 for anyone known
            operation = document["paths"][path][method]
            assert set(operation["responses"]) == {"401", "405"}, (method, path)
            assert operation["security"] == [{"tokenAuth": []}], (method, path)


def test_every_link_leaves_a_real_response_for_a_real_parameter(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: (path, op) for path, _, op in operations(document)}
    attached = 0
    for (source, status), links in LINKS.items():
        assert source in by_id, source
        response = by_id[source][1]["responses"][status]
        assert response["links"] == links
        schema_ref = response["content"]["application/json"]["schema"]
        assert schema_ref, source
        for link in links.values():
            target_path, target = by_id[link["operationId"]]
            names = {p["name"] for p in target.get("parameters", [])}
            for parameter, expression in link["parameters"].items():
                assert parameter in names, (source, link["operationId"], parameter)
                assert re.fullmatch(r"\$response\.body#(/[\w]+)+", expression), expression
                if "{" + parameter + "}" in target_path:
                    attached += 1
    assert attached > 40


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_control_plane_validation_errors_are_the_declared_field_keyed_400(sim: Sim) -> None:
    client = sim.client(api_key=None)
    response = await client.post("/_simulator/clock", json={"advance": -1})
    assert response.status_code == 400
    assert list(response.json()) == ["advance"]
    missing = await client.get("/_simulator/webhooks/endpoints/ep_unknown")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found."})


def test_downloads_declare_the_content_types_they_serve(document: dict[str, Any]) -> None:
    served = document["paths"]["/api/v1/download/{kind}"]["get"]
    assert set(served["responses"]["200"]["content"]) == {"video/mp4", "audio/mpeg", "application/json"}
    kind = next(p for p in served["parameters"] if p["name"] == "kind")
    assert "transcript_provider_data" in kind["schema"]["enum"]


def test_every_rest_resource_declares_the_head_and_options_it_answers(document: dict[str, Any]) -> None:
    for path, ops in document["paths"].items():
        if not path.startswith("/api/") or path.startswith("/api/v1/download/"):
            continue
        options = ops["options"]
        assert options["security"] == [{"tokenAuth": []}], path
        schema = options["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ResourceMetadata"}, path
        if "get" in ops:
            head = ops["head"]
            assert set(head["responses"]) == set(ops["get"]["responses"]), path
            assert all("content" not in answer for answer in head["responses"].values()), path
            assert head["parameters"] == ops["get"].get("parameters", []), path
        else:
            assert "head" not in ops, path
    metadata = document["components"]["schemas"]["ResourceMetadata"]
    assert set(metadata["required"]) == {"name", "description", "renders", "parses"}
    # Nothing else gains them: the ingest calls and the control plane have their own methods.
    assert "options" not in document["paths"]["/_simulator/clock"]
    assert "head" not in document["paths"]["/api/v1/download/{kind}"]
