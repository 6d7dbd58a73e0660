"""The tus 1.0 surface: creation, offsets and resumption, checksums, concatenation, termination, expiry."""

from __future__ import annotations

import base64
import hashlib
import itertools

import pytest

from recorder.ingest import IngestError, PartRef
from tests.media import make_mp4
from tests.simulator.ingest.helpers import create_upload, ingest_client
from tests.support import Sim

TUS = {"Tus-Resumable": "1.0.0"}


async def _started(sim: Sim) -> tuple[dict[str, str], str]:
    upload = await create_upload(sim)
    async with ingest_client(sim, upload["upload_token"]) as client:
        await client.start(platform="zoom")
    return upload, upload["upload_token"]


def _auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"UploadToken {token}", **TUS, **headers}


async def test_options_advertises_the_extensions(sim: Sim) -> None:
    response = await sim.client(None).options("/ingest/v1/files/")
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "checksum",
        "termination",
        "expiration",
        "concatenation",
    }
    assert response.headers["tus-checksum-algorithm"] == "sha256,sha1"


async def test_requests_without_tus_resumable_are_refused(sim: Sim) -> None:
    _, token = await _started(sim)
    response = await sim.client(None).post(
        "/ingest/v1/files/", headers={"Authorization": f"UploadToken {token}", "Upload-Length": "5"}
    )
    assert response.status_code == 412
    assert response.headers["tus-version"] == "1.0.0"


async def test_an_interrupted_upload_resumes_from_the_server_offset(sim: Sim) -> None:
    _, token = await _started(sim)
    data = make_mp4(2.0)
    async with ingest_client(sim, token) as client:
        url = await client.create_file(len(data), part="media")
        await client.patch(url, 0, data[:1000])
        assert await client.offset(url) == 1000
        with pytest.raises(IngestError) as stale:
            await client.patch(url, 0, data[:1000])  # a retry of a PATCH that had in fact landed
        assert stale.value.status == 409
        await client.patch(url, 1000, data[1000:])
        assert await client.offset(url) == len(data)
    stored = sim.region.tus.files.get(url.rsplit("/", 1)[-1])
    assert stored is not None
    assert sim.region.blobs.read_bytes(stored.blob) == data


async def test_a_checksum_mismatch_stores_nothing(sim: Sim) -> None:
    _, token = await _started(sim)
    api = sim.client(None)
    created = await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": "10"}))
    url = created.headers["location"]
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    response = await api.patch(
        url,
        content=b"0123456789",
        headers=_auth(
            token,
            **{
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Upload-Checksum": f"sha256 {wrong}",
            },
        ),
    )
    assert response.status_code == 460
    assert response.headers["tus-resumable"] == "1.0.0"
    head = await api.head(url, headers=_auth(token))
    assert head.headers["upload-offset"] == "0"
    file_id = url.rsplit("/", 1)[-1]
    record = sim.region.tus.files.get(file_id)
    assert record is not None
    assert sim.region.blobs.size(record.blob) == 0
    sha1 = base64.b64encode(hashlib.sha1(b"0123456789").digest()).decode()
    ok = await api.patch(
        url,
        content=b"0123456789",
        headers=_auth(
            token,
            **{
                "Upload-Offset": "0",
                "Content-Type": "application/offset+octet-stream",
                "Upload-Checksum": f"sha1 {sha1}",
            },
        ),
    )
    assert (ok.status_code, ok.headers["upload-offset"]) == (204, "10")


async def test_bodies_past_the_length_and_bad_content_types_are_refused(sim: Sim) -> None:
    _, token = await _started(sim)
    api = sim.client(None)
    url = (await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": "4"}))).headers[
        "location"
    ]
    too_long = await api.patch(
        url,
        content=b"12345",
        headers=_auth(token, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}),
    )
    assert too_long.status_code == 413
    wrong_type = await api.patch(
        url, content=b"1234", headers=_auth(token, **{"Upload-Offset": "0", "Content-Type": "text/plain"})
    )
    assert wrong_type.status_code == 415
    assert (await api.head(url, headers=_auth(token))).headers["upload-offset"] == "0"
    for length in ("-1", "abc", str(17 * 1024**3)):
        response = await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": length}))
        assert response.status_code in (400, 413), length


async def test_creation_with_upload_takes_the_first_chunk(sim: Sim) -> None:
    _, token = await _started(sim)
    response = await sim.client(None).post(
        "/ingest/v1/files/",
        content=b"abc",
        headers=_auth(token, **{"Upload-Length": "6", "Content-Type": "application/offset+octet-stream"}),
    )
    assert (response.status_code, response.headers["upload-offset"]) == (201, "3")


async def test_segments_concatenate_in_the_order_listed(sim: Sim) -> None:
    _, token = await _started(sim)
    data = make_mp4(3.0)
    cut = [0, len(data) // 3, 2 * len(data) // 3, len(data)]
    async with ingest_client(sim, token) as client:
        partials = []
        for a, b in itertools.pairwise(cut):
            url = await client.create_file(b - a, part="segment", concat="partial")
            await client.patch(url, 0, data[a:b])
            partials.append(url)
        final = await client.concatenate(partials, part="media")
        assert await client.offset(final) == len(data)
        with pytest.raises(IngestError) as refused:
            await client.patch(final, len(data), b"x")
        assert refused.value.status == 403
        await client.finalize(PartRef(final, hashlib.sha256(data).hexdigest()))
    record = sim.region.tus.files.get(final.rsplit("/", 1)[-1])
    assert record is not None
    assert sim.region.blobs.read_bytes(record.blob) == data


async def test_concatenation_refuses_unfinished_foreign_and_whole_files(sim: Sim) -> None:
    _, token = await _started(sim)
    _, other_token = await _started(sim)
    async with ingest_client(sim, token) as client, ingest_client(sim, other_token) as other:
        unfinished = await client.create_file(10, part="segment", concat="partial")
        whole = await client.create_file(1, part="segment")
        await client.patch(whole, 0, b"x")
        foreign = await other.create_file(1, part="segment", concat="partial")
        await other.patch(foreign, 0, b"y")
        for urls, status in (
            ([unfinished], 400),
            ([whole], 400),
            ([foreign], 403),
            (["/ingest/v1/files/nope"], 400),
            (["http://["], 400),  # not a URL at all: no such upload, not a server error
        ):
            with pytest.raises(IngestError) as refused:
                await client.concatenate(urls, part="media")
            assert refused.value.status == status


async def test_termination_and_expiry_remove_the_bytes(sim: Sim) -> None:
    _, token = await _started(sim)
    async with ingest_client(sim, token) as client:
        doomed = await client.create_file(10, part="media")
        await client.patch(doomed, 0, b"12345")
        await client.terminate(doomed)
        with pytest.raises(IngestError) as gone:
            await client.offset(doomed)
        assert gone.value.status == 404

        stale = await client.create_file(10, part="media")
        await client.patch(stale, 0, b"123")
        await sim.clock.sleep(24 * 3600 + 5)
        with pytest.raises(IngestError) as expired:
            await client.offset(stale)
        assert expired.value.status in (404, 410)
    record = sim.region.tus.files.get(stale.rsplit("/", 1)[-1])
    assert record is not None
    assert record.terminated
    assert not sim.region.blobs.exists(record.blob)


async def test_finalize_checks_completeness_and_sha256(sim: Sim) -> None:
    _, token = await _started(sim)
    data = make_mp4(1.0)
    async with ingest_client(sim, token) as client:
        url = await client.create_file(len(data), part="media")
        await client.patch(url, 0, data[:100])
        with pytest.raises(IngestError) as incomplete:
            await client.finalize(PartRef(url, hashlib.sha256(data).hexdigest()))
        assert incomplete.value.status == 400
        await client.patch(url, 100, data[100:])
        with pytest.raises(IngestError) as mismatch:
            await client.finalize(PartRef(url, "0" * 64))
        assert mismatch.value.body == {"media": {"sha256": ["Does not match the uploaded bytes."]}}
        status = await client.status()
        assert status["finalized"] is False
        await client.finalize(PartRef(url, hashlib.sha256(data).hexdigest()))
