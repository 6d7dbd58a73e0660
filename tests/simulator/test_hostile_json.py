"""Hostile JSON bodies (nested a thousand levels, numbers past a float, duplicate and very long keys)
get the answer Recall's API gives, a 400 parse error or the usual answer, on the REST API, the ingest
calls and the control plane alike; never a 5xx, and the keep-alive connection they came on still
answers the next request."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from recall_sim.simulator import Settings
from recall_sim.simulator.serve import ServedRegion, served
from recall_sim.simulator.strict_json import MAX_DEPTH, JSONParseError, loads

TOO_DEEP = f"JSON parse error - Nesting too deep: more than {MAX_DEPTH} levels of arrays and objects"
OUT_OF_RANGE = "JSON parse error - Out of range float values are not JSON compliant: "

#: 1,000 levels of arrays in 2 KB, and of objects: the bodies that used to exhaust the parser's stack
DEEP_ARRAYS = b"[" * 1000 + b"]" * 1000
DEEP_OBJECTS = b'{"a":' * 1000 + b"1" + b"}" * 1000


@pytest.fixture(scope="module")
def region() -> Iterator[ServedRegion]:
    with served(Settings(seed=7, delays="instant")) as handle:
        yield handle


class Connection:
    """One keep-alive HTTP/1.1 connection; `same_socket()` says whether it is still the first one."""

    def __init__(self, handle: ServedRegion) -> None:
        host, port = handle.base_url.removeprefix("http://").split(":")
        self.http = http.client.HTTPConnection(host, int(port), timeout=10)
        self.http.connect()
        self.first = self.http.sock

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any]:
        self.http.request(method, path, body=body, headers={"Content-Type": "application/json", **headers})
        response = self.http.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None

    def same_socket(self) -> bool:
        return self.http.sock is not None and self.http.sock is self.first

    def close(self) -> None:
        self.http.close()


def _endpoints(handle: ServedRegion) -> dict[str, tuple[str, dict[str, str]]]:
    """A JSON call of each kind, with its credentials."""
    key = {"Authorization": f"Token {handle.api_key}"}
    connection = Connection(handle)
    try:
        status, upload = connection.send("POST", "/api/v1/sdk_upload/", b"", key)
        assert status == 201, upload
    finally:
        connection.close()
    return {
        "rest": ("/api/v1/sdk_upload/", key),
        "ingest": ("/ingest/v1/recording/start", {"Authorization": f"UploadToken {upload['upload_token']}"}),
        "control plane": ("/_simulator/faults", {}),
    }


REFUSED = {
    "arrays nested 1,000 deep": (DEEP_ARRAYS, TOO_DEEP),
    "objects nested 1,000 deep": (DEEP_OBJECTS, TOO_DEEP),
    "a field nested 1,000 deep": (b'{"metadata": ' + DEEP_ARRAYS + b"}", TOO_DEEP),
    "a number past a float": (b'{"metadata": {"n": 1e400}}', OUT_OF_RANGE + "'1e400'"),
    "a negative number past a float": (b'{"route": -1e400}', OUT_OF_RANGE + "'-1e400'"),
    "an integer of 5,000 digits": (
        b'{"count": 1' + b"0" * 5000 + b"}",
        "JSON parse error - Exceeds the limit",
    ),
}


@pytest.mark.served
@pytest.mark.parametrize("kind", ["rest", "ingest", "control plane"])
def test_hostile_bodies_are_a_parse_error_and_the_connection_goes_on(region: ServedRegion, kind: str) -> None:
    path, headers = _endpoints(region)[kind]
    connection = Connection(region)
    try:
        for case, (body, detail) in REFUSED.items():
            status, answer = connection.send("POST", path, body, headers)
            assert status == 400, (case, answer)
            assert list(answer) == ["detail"], (case, answer)
            assert answer["detail"].startswith(detail), (case, answer)
            # The next request on the same connection is answered as ever.
            status, health = connection.send("GET", "/_simulator/health", None, {})
            assert (status, health["status"]) == (200, "ok"), case
            assert connection.same_socket(), f"{case}: the connection was closed"
    finally:
        connection.close()


@pytest.mark.served
def test_duplicate_and_very_long_keys_are_read_as_drf_reads_them(region: ServedRegion) -> None:
    """Python's parser (DRF's) keeps the last of duplicate keys; a long key is only a key."""
    key = {"Authorization": f"Token {region.api_key}"}
    connection = Connection(region)
    try:
        body = b'{"metadata": {"a": "first"}, "metadata": {"b": "last"}}'
        status, upload = connection.send("POST", "/api/v1/sdk_upload/", body, key)
        assert (status, upload["metadata"]) == (201, {"b": "last"})
        long_key = "k" * 200_000
        body = json.dumps({long_key: "ignored", "metadata": {"m": "v"}}).encode()
        status, upload = connection.send("POST", "/api/v1/sdk_upload/", body, key)
        assert (status, upload["metadata"]) == (201, {"m": "v"})
        body = b'{"name": "first", "name": "second"}'
        status, workspace = connection.send("POST", "/_simulator/workspaces", body, {})
        assert (status, workspace["name"]) == (201, "second")
        status, answer = connection.send("POST", "/_simulator/workspaces", b'{"name": "a", "name": 1}', {})
        assert status == 400, answer
        assert connection.same_socket()
    finally:
        connection.close()


def test_the_depth_bound_is_exact() -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    nested = loads('{"a":' * MAX_DEPTH + "1" + "}" * MAX_DEPTH)
    assert isinstance(nested, dict)
    for too_deep in (
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        '{"a":' * (MAX_DEPTH + 1) + "1" + "}" * (MAX_DEPTH + 1),
    ):
        with pytest.raises(JSONParseError, match="Nesting too deep"):
            loads(too_deep)
    # Many brackets side by side are not depth.
    assert loads("[" + ",".join(["[]"] * 5000) + "]") == [[]] * 5000
    # Brackets inside strings are not nesting either.
    assert loads(json.dumps(["[" * 5000])) == ["[" * 5000]
