"""Fault rules through the control plane: fixed answers, counts, seeded probability, latency on the
region's clock, method filters, dropped connections, and removing rules."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served
from tests.support import Sim


async def add_rule(sim: Sim, **rule: Any) -> dict[str, Any]:
    response = await sim.client(None).post("/_simulator/faults", json=rule)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def rules(sim: Sim) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = (await sim.client(None).get("/_simulator/faults")).json()
    return listed


async def test_a_rule_answers_its_status_body_and_headers_for_its_count(sim: Sim) -> None:
    rule = await add_rule(
        sim,
        route="/api/v1/sdk_upload/",
        methods=["POST"],
        status=503,
        body={"detail": "Down for maintenance."},
        headers={"Retry-After": "7"},
        count=2,
    )
    assert rule["id"].startswith("fault_")
    assert (rule["fired"], rule["matched"]) == (0, 0)
    client = sim.client()
    for _ in range(2):
        response = await client.post("/api/v1/sdk_upload/")
        assert (response.status_code, response.json()) == (503, {"detail": "Down for maintenance."})
        assert response.headers["retry-after"] == "7"
    # The faulted requests never reached the API.
    assert sim.region.store.count("sdk_uploads") == 0
    assert (await client.get("/api/v1/sdk_upload/")).status_code == 200  # not a POST
    assert (await client.post("/api/v1/sdk-upload/")).status_code == 201  # another path
    assert (await client.post("/api/v1/sdk_upload/")).status_code == 201  # count spent
    (listed,) = await rules(sim)
    assert (listed["fired"], listed["matched"]) == (2, 2)


async def test_a_rule_without_a_body_answers_a_detail(sim: Sim) -> None:
    await add_rule(sim, route="/api/v1/recording/*/", status=500)
    client = sim.client()
    response = await client.get("/api/v1/recording/0b7c2f8e-5d1a-4c3e-9f6b-2a1d4e5f6a7b/")
    assert (response.status_code, response.json()) == (500, {"detail": "Injected fault."})
    assert response.headers["content-type"] == "application/json"
    # The pattern needs something between the slashes: the list is not matched.
    assert (await client.get("/api/v1/recording/")).status_code == 200


async def test_methods_match_in_any_case(sim: Sim) -> None:
    await add_rule(sim, route="/api/v1/*", methods=["patch", "Delete"], status=502)
    client = sim.client()
    assert (await client.patch("/api/v1/recording/x/", json={})).status_code == 502
    assert (await client.delete("/api/v1/recording/x/")).status_code == 502
    assert (await client.get("/api/v1/recording/x/")).status_code == 404


async def test_probability_draws_from_the_seeded_stream(sim: Sim) -> None:
    async def pattern() -> tuple[list[bool], dict[str, Any]]:
        client = sim.client()
        upload = (await client.post("/api/v1/sdk_upload/")).json()
        await add_rule(sim, route="/api/v1/sdk_upload/*/", methods=["GET"], status=503, probability=0.5)
        outcomes = []
        for _ in range(40):
            response = await client.get(f"/api/v1/sdk_upload/{upload['id']}/")
            assert response.status_code in (200, 503)
            outcomes.append(response.status_code == 503)
        (rule,) = await rules(sim)
        return outcomes, rule

    first, rule = await pattern()
    assert 5 < sum(first) < 35
    assert (rule["fired"], rule["matched"]) == (sum(first), 40)
    # Same seed, same draws.
    await sim.client(None).post("/_simulator/reset")
    assert (await pattern())[0] == first
    # Another seed, other draws.
    await sim.client(None).post("/_simulator/seed", json={"seed": 99})
    assert (await pattern())[0] != first


async def test_probability_zero_matches_but_never_fires(sim: Sim) -> None:
    await add_rule(sim, route="/api/v1/sdk_upload/", status=503, probability=0)
    for _ in range(5):
        assert (await sim.client().get("/api/v1/sdk_upload/")).status_code == 200
    (rule,) = await rules(sim)
    assert (rule["fired"], rule["matched"]) == (0, 5)


async def test_latency_passes_on_the_regions_clock(sim: Sim, clock: VirtualClock) -> None:
    await add_rule(sim, route="/api/v1/sdk_upload/", methods=["GET"], latency=30, count=1)
    client = sim.client()
    started = clock.timestamp()
    slow = await client.get("/api/v1/sdk_upload/")
    assert slow.status_code == 200
    assert clock.timestamp() - started == 30
    started = clock.timestamp()
    assert (await client.get("/api/v1/sdk_upload/")).status_code == 200
    assert clock.timestamp() == started


async def test_latency_with_a_status_delays_the_fault(sim: Sim, clock: VirtualClock) -> None:
    await add_rule(sim, route="/api/v1/sdk_upload/", methods=["POST"], latency=12.5, status=504)
    started = clock.timestamp()
    response = await sim.client().post("/api/v1/sdk_upload/")
    assert (response.status_code, response.json()) == (504, {"detail": "Injected fault."})
    assert clock.timestamp() - started == 12.5
    assert sim.region.store.count("sdk_uploads") == 0


async def test_latency_alone_delays_a_response_whose_work_is_already_done(
    sim: Sim, clock: VirtualClock
) -> None:
    await add_rule(sim, route="/api/v1/sdk_upload/", methods=["POST"], latency=10)
    response = await sim.client().post("/api/v1/sdk_upload/")
    assert response.status_code == 201
    # Created when the request arrived, answered 10 s later.
    assert response.json()["created_at"] == "2025-01-06T09:00:00.000000Z"
    assert clock.now().isoformat() == "2025-01-06T09:00:10+00:00"


async def test_a_dropped_connection(sim: Sim) -> None:
    await add_rule(sim, route="/api/v1/sdk_upload/", methods=["POST"], drop=True, count=1)
    client = sim.client()
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/v1/sdk_upload/")
    assert sim.region.store.count("sdk_uploads") == 0
    assert (await client.post("/api/v1/sdk_upload/")).status_code == 201


async def test_rules_are_removed_one_by_one_or_all_at_once(sim: Sim) -> None:
    cp = sim.client(None)
    first = await add_rule(sim, route="/api/v1/sdk_upload/", status=500)
    second = await add_rule(sim, route="/api/v1/recording/", status=501)
    client = sim.client()
    assert (await client.get("/api/v1/sdk_upload/")).status_code == 500
    removed = await cp.delete(f"/_simulator/faults/{first['id']}")
    assert (removed.status_code, removed.content) == (204, b"")
    assert (await client.get("/api/v1/sdk_upload/")).status_code == 200
    assert [r["id"] for r in await rules(sim)] == [second["id"]]
    again = await cp.delete(f"/_simulator/faults/{first['id']}")
    assert (again.status_code, again.json()) == (404, {"detail": "Not found."})
    await add_rule(sim, route="/api/v1/video_mixed/", status=500)
    cleared = await cp.delete("/_simulator/faults")
    assert (cleared.status_code, cleared.content) == (204, b"")
    assert await rules(sim) == []
    assert (await client.get("/api/v1/recording/")).status_code == 200


async def test_the_first_matching_rule_wins(sim: Sim) -> None:
    await add_rule(sim, route="/api/v1/sdk_upload/", status=502, count=1)
    await add_rule(sim, route="/api/v1/*", status=503)
    client = sim.client()
    assert (await client.get("/api/v1/sdk_upload/")).status_code == 502
    assert (await client.get("/api/v1/sdk_upload/")).status_code == 503
    assert [(r["fired"], r["matched"]) for r in await rules(sim)] == [(1, 1), (1, 1)]


async def test_the_control_plane_is_never_faulted(sim: Sim) -> None:
    await add_rule(sim, route="*", status=500)
    await add_rule(sim, route="/_simulator/*", status=500)
    assert (await sim.client().get("/api/v1/sdk_upload/")).status_code == 500
    cp = sim.client(None)
    assert (await cp.get("/_simulator/health")).status_code == 200
    assert (await cp.delete("/_simulator/faults")).status_code == 204
    assert (await sim.client().get("/api/v1/sdk_upload/")).status_code == 200


async def test_rules_are_validated(sim: Sim) -> None:
    cp = sim.client(None)
    for body, field in [
        ({"route": "/api/v1/sdk_upload/"}, "non_field_errors"),
        ({"route": "/x", "status": 99}, "status"),
        # HTTP/1.1 cannot send these: the server used to drop the connection (or answer 500) instead
        ({"route": "/x", "status": 101}, "status"),
        ({"route": "/x", "status": 503, "headers": {"x-snowman": "\u2603"}}, "headers"),
        ({"route": "/x", "status": 503, "headers": {"bad name": "v"}}, "headers"),
        ({"route": "/x", "status": 503, "headers": {"x-split": "a\r\nb"}}, "headers"),
        ({"route": "/x", "status": 503, "headers": {"Content-Length": "5"}}, "headers"),
        ({"route": "/x", "status": 500, "probability": 1.5}, "probability"),
        ({"route": "/x", "status": 500, "count": 0}, "count"),
        ({"route": "/x", "latency": -1}, "latency"),
        ({"status": 500}, "route"),
        ({"route": "/x", "status": 500, "when": "always"}, "when"),
    ]:
        response = await cp.post("/_simulator/faults", json=body)
        assert (response.status_code, list(response.json())) == (400, [field]), body
    assert await rules(sim) == []


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_numbers_that_are_not_json_are_a_parse_error(sim: Sim) -> None:
    """NaN and Infinity are refused as DRF refuses them; accepted, they came back as `null`."""
    cp = sim.client(None)
    for raw in (b'{"route": "/x", "latency": Infinity}', b'{"route": "/x", "status": 500, "body": NaN}'):
        response = await cp.post(
            "/_simulator/faults", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, raw
        assert response.json()["detail"].startswith(
            "JSON parse error - Out of range float values are not JSON compliant: "
        )
    assert await rules(sim) == []


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.served
@pytest.mark.parametrize("status", [204, 304])
def test_a_rule_for_a_status_without_a_body_answers_none(status: int) -> None:
    """Over real HTTP: a body on a 204 or 304 used to break the server's side of the connection
    (uvicorn logged "Exception in ASGI application"; the client saw a reset or a new connection)."""
    errors = _Errors()
    logger = logging.getLogger("uvicorn.error")
    try:
        with served(Settings(seed=3)) as handle, httpx.Client(base_url=handle.base_url, timeout=10) as client:
            logger.addHandler(errors)  # after start-up: uvicorn's logging config replaces handlers
            added = client.post("/_simulator/faults", json={"route": "/api/v1/sdk_upload/", "status": status})
            assert added.status_code == 201, added.text
            auth = {"Authorization": f"Token {handle.api_key}"}
            for _ in range(2):
                response = client.get("/api/v1/sdk_upload/", headers=auth)
                assert (response.status_code, response.content) == (status, b"")
        handle.region.close()
    finally:
        logger.removeHandler(errors)
    assert [r.getMessage() for r in errors.records] == []
