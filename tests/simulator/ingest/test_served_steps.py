"""A served region stores a big PATCH in steps, a worker thread a step behind the socket
(`tus.WRITEBACK_EVERY`): the bytes, the checksum and the refusals come out as from one write."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from recall_sim.simulator import Settings
from recall_sim.simulator.ingest.tus import WRITEBACK_EVERY
from recall_sim.simulator.serve import ServedRegion, served

pytestmark = pytest.mark.served

TUS = {"Tus-Resumable": "1.0.0"}
#: several whole steps and a tail: every path through the stepped write
DATA = os.urandom(3 * WRITEBACK_EVERY + 12345)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedRegion]:
    with served(Settings(seed=5, data_dir=tmp_path_factory.mktemp("steps"))) as handle:
        yield handle


def checksum(data: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def new_file(region: ServedRegion, length: int) -> tuple[httpx.Client, str]:
    api = httpx.Client(base_url=region.base_url, trust_env=False, timeout=60)
    upload = api.post("/api/v1/sdk_upload/", headers={"Authorization": f"Token {region.api_key}"}).json()
    api.headers["Authorization"] = f"UploadToken {upload['upload_token']}"
    assert api.post("/ingest/v1/recording/start", json={"platform": "zoom"}).status_code == 201
    created = api.post("/ingest/v1/files/", headers={**TUS, "Upload-Length": str(length)})
    assert created.status_code == 201, created.text
    return api, created.headers["location"]


def patch(api: httpx.Client, url: str, body: bytes, digest: str) -> httpx.Response:
    headers = {
        **TUS,
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": digest,
    }
    return api.patch(url, headers=headers, content=body)


def stored(region: ServedRegion, url: str) -> bytes:
    record = region.region.tus.files.get(url.rsplit("/", 1)[-1])
    assert record is not None
    return Path(region.region.blobs.path(record.blob)).read_bytes()


def test_a_patch_of_several_steps_stores_exactly_its_bytes(region: ServedRegion) -> None:
    api, url = new_file(region, len(DATA))
    with closing(api):
        answer = patch(api, url, DATA, checksum(DATA))
        assert answer.status_code == 204, answer.text
        assert answer.headers["upload-offset"] == str(len(DATA))
        assert api.head(url, headers=TUS).headers["upload-offset"] == str(len(DATA))
    assert stored(region, url) == DATA


def test_a_wrong_checksum_over_several_steps_stores_nothing(region: ServedRegion) -> None:
    api, url = new_file(region, len(DATA))
    with closing(api):
        answer = patch(api, url, DATA, checksum(DATA[:-1] + b"\x00"))
        assert answer.status_code == 460, answer.text
        assert api.head(url, headers=TUS).headers["upload-offset"] == "0"
    assert stored(region, url) == b""


def test_a_body_past_upload_length_after_several_steps_is_refused_and_trimmed(region: ServedRegion) -> None:
    api, url = new_file(region, len(DATA) - 1)

    def body() -> Iterator[bytes]:  # chunked: no Content-Length to refuse it before it is read
        for start in range(0, len(DATA), 1 << 20):
            yield DATA[start : start + (1 << 20)]

    with closing(api):
        headers = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
        answer = api.patch(url, headers=headers, content=body())
        assert answer.status_code == 413, answer.text
        assert api.head(url, headers=TUS).headers["upload-offset"] == "0"
    assert stored(region, url) == b""
