"""Authentication: both header forms, the two 401 bodies, region and workspace isolation."""

from __future__ import annotations

from tests.support import Sim


async def test_token_and_bare_key_both_authenticate(sim: Sim) -> None:
    for header in (f"Token {sim.api_key}", sim.api_key, f"token {sim.api_key}"):
        response = await sim.client(None).post("/api/v1/sdk_upload/", headers={"Authorization": header})
        assert response.status_code == 201, header


async def test_missing_header_and_unknown_key_get_recall_bodies(sim: Sim) -> None:
    missing = await sim.client(None).get("/api/v1/sdk_upload/")
    assert (missing.status_code, missing.json()) == (
        401,
        {"detail": "Authentication credentials were not provided."},
    )
    for header in ("Token nope", "nope", "Token", "Token a b", "Bearer " + sim.api_key):
        wrong = await sim.client(None).get("/api/v1/sdk_upload/", headers={"Authorization": header})
        assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid token."}), header


async def test_a_key_of_another_region_is_an_invalid_token(sim: Sim) -> None:
    from recall_sim.simulator.control_plane import WorkspaceCreate

    other = sim.control.create_workspace(WorkspaceCreate(region="eu-central-1"))
    response = await sim.client(other.api_keys[0]).get("/api/v1/sdk_upload/")
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."})


async def test_another_workspaces_upload_is_not_found(sim: Sim) -> None:
    from recall_sim.simulator.control_plane import WorkspaceCreate

    other = sim.control.create_workspace(WorkspaceCreate(name="other"))
    created = (await sim.client().post("/api/v1/sdk_upload/")).json()
    response = await sim.client(other.api_keys[0]).get(f"/api/v1/sdk_upload/{created['id']}/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
