"""The tus 1.0 surface: creation, offsets and resumption, checksums, concatenation, termination, expiry."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
from collections.abc import AsyncIterator

import pytest

from recall_sim.recorder.ingest import IngestError, PartRef
from recall_sim.scenarios.sample_media import make_mp4
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


async def test_digits_int_cannot_read_are_refused_not_a_server_error(sim: Sim) -> None:
    # `"²".isdigit()` is true, and a header byte 0xB2 reaches the app as "²": it used to answer 500.
    _, token = await _started(sim)
    api = sim.client(None)
    for value in (b"\xb2", b"\xb9\xb2\xb3"):
        created = await api.post("/ingest/v1/files/", headers={**_auth(token), "Upload-Length": value})
        assert created.status_code == 400, value
        assert created.json() == {"detail": "Upload-Length must be a non-negative integer."}
    url = (await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": "4"}))).headers[
        "location"
    ]
    octets = {"Content-Type": "application/offset+octet-stream"}
    patched = await api.patch(
        url, content=b"1234", headers={**_auth(token, **octets), "Upload-Offset": b"\xb2"}
    )
    assert patched.status_code == 400
    assert (await api.head(url, headers=_auth(token))).headers["upload-offset"] == "0"


async def test_a_body_declared_past_the_length_is_refused_before_it_is_read(sim: Sim) -> None:
    _, token = await _started(sim)
    api = sim.client(None)
    url = (await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": "10"}))).headers[
        "location"
    ]
    headers = _auth(
        token,
        **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream", "Content-Length": "11"},
    )
    # The body sent is short of what Content-Length promises: the refusal must not wait for the rest.
    response = await api.patch(url, content=b"12", headers=headers)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body goes past Upload-Length."}
    assert (await api.head(url, headers=_auth(token))).headers["upload-offset"] == "0"


async def test_metadata_too_long_to_echo_in_a_head_answer_is_refused(sim: Sim) -> None:
    _, token = await _started(sim)
    api = sim.client(None)
    name = base64.b64encode(b"a" * 70_000).decode()
    refused = await api.post(
        "/ingest/v1/files/",
        headers=_auth(token, **{"Upload-Length": "4", "Upload-Metadata": f"filename {name}"}),
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Upload-Metadata is longer than 8192 bytes."}
    assert sim.region.tus.files.find({}) == []
    longest = base64.b64encode(b"a" * 6000).decode()
    kept = await api.post(
        "/ingest/v1/files/",
        headers=_auth(token, **{"Upload-Length": "4", "Upload-Metadata": f"filename {longest}"}),
    )
    assert kept.status_code == 201


async def test_a_head_while_a_patch_is_streaming_does_not_cut_the_bytes_in_flight(sim: Sim) -> None:
    # A client whose PATCH seems stuck asks HEAD where it is (tus's resume step) while the server is
    # still writing that PATCH: the answer is the last committed offset, and the bytes being written
    # stay (they used to be truncated away, the PATCH then committing an offset past the file's end).
    _, token = await _started(sim)
    api = sim.client(None)
    half = 100_000  # past the file buffer, so the first half is on disk when HEAD comes
    length = str(2 * half)
    url = (await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": length}))).headers[
        "location"
    ]
    first_half_written = asyncio.Event()
    head_done = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield b"1" * half
        first_half_written.set()
        await head_done.wait()
        yield b"2" * half

    headers = _auth(token, **{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    patch = asyncio.ensure_future(api.patch(url, content=body(), headers=headers))
    await first_half_written.wait()
    await asyncio.sleep(0)  # the server takes the first chunk
    head = await api.head(url, headers=_auth(token))
    head_done.set()
    assert head.headers["upload-offset"] == "0"
    assert (await patch).status_code == 204
    record = sim.region.tus.files.get(url.rsplit("/", 1)[-1])
    assert record is not None
    assert record.offset == 2 * half
    assert sim.region.blobs.read_bytes(record.blob) == b"1" * half + b"2" * half


async def test_a_checksummed_patch_whose_client_goes_away_is_a_refusal_not_a_server_error(
    sim: Sim,
) -> None:
    # Driven as raw ASGI, the only way to have the client disconnect mid-body: the app used to let
    # ClientGone escape, which the server logs as an exception and answers 500 (to nobody).
    _, token = await _started(sim)
    api = sim.client(None)
    url = (await api.post("/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": "10"}))).headers[
        "location"
    ]
    headers = _auth(
        token,
        **{
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "sha256 " + base64.b64encode(hashlib.sha256(b"0123456789").digest()).decode(),
            "Content-Length": "10",
            "Host": "testserver",
        },
    )
    incoming = [
        {"type": "http.request", "body": b"01234", "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": "/ingest/v1/files/" + url.rsplit("/", 1)[-1],
        "raw_path": b"",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    await sim.app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert (await api.head(url, headers=_auth(token))).headers["upload-offset"] == "0"


async def test_creation_with_upload_takes_the_first_chunk(sim: Sim) -> None:
    _, token = await _started(sim)
    response = await sim.client(None).post(
        "/ingest/v1/files/",
        content=b"abc",
        headers=_auth(token, **{"Upload-Length": "6", "Content-Type": "application/offset+octet-stream"}),
    )
    assert (response.status_code, response.headers["upload-offset"]) == (201, "3")


async def test_a_refused_creation_with_upload_creates_nothing(sim: Sim) -> None:
    # A refused call changes nothing: the body's refusal used to come after the file was created.
    _, token = await _started(sim)
    api = sim.client(None)
    octets = {"Content-Type": "application/offset+octet-stream"}
    refusals = [
        ({"Upload-Length": "2", **octets}, b"abc", 413),
        ({"Upload-Length": "6", "Content-Type": "text/plain"}, b"abc", 415),
        ({"Upload-Length": "6", "Upload-Checksum": "md5 AAAA", **octets}, b"abc", 400),
        (
            {
                "Upload-Length": "6",
                "Upload-Checksum": "sha256 " + base64.b64encode(bytes(32)).decode(),
                **octets,
            },
            b"abc",
            460,
        ),
    ]
    for headers, body, status in refusals:
        response = await api.post("/ingest/v1/files/", content=body, headers=_auth(token, **headers))
        assert response.status_code == status, headers
    assert [f for f in sim.region.tus.files.find({}) if not f.terminated] == []


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


class _Counted:
    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size, self.sent = data, size, 0

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for start in range(0, len(self.data), self.size):
            self.sent += 1
            yield self.data[start : start + self.size]


async def test_a_patch_declared_past_upload_length_is_refused_unread(sim: Sim) -> None:
    _, token = await _started(sim)
    created = await sim.client(None).post(
        "/ingest/v1/files/", headers=_auth(token, **{"Upload-Length": "100"})
    )
    url = created.headers["location"]
    body = _Counted(b"x" * 200, 50)
    headers = _auth(
        token,
        **{
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": "200",
        },
    )
    response = await sim.client(None).patch(url, content=body, headers=headers)
    assert (response.status_code, response.json()) == (
        413,
        {"detail": "The request body goes past Upload-Length."},
    )
    assert body.sent == 0
    head = await sim.client(None).head(url, headers=_auth(token))
    assert head.headers["upload-offset"] == "0"


async def test_creation_with_upload_takes_a_chunked_body_and_refuses_one_too_long(sim: Sim) -> None:
    _, token = await _started(sim)
    creation = {
        "Upload-Length": "100",
        "Upload-Metadata": f"part {base64.b64encode(b'media').decode()}",
        "Content-Type": "application/offset+octet-stream",
    }
    fits = await sim.client(None).post(
        "/ingest/v1/files/", content=_Counted(b"y" * 60, 20), headers=_auth(token, **creation)
    )
    assert fits.status_code == 201
    assert fits.headers["upload-offset"] == "60"
    files_before = len(sim.region.tus.files.find())
    too_long = await sim.client(None).post(
        "/ingest/v1/files/", content=_Counted(b"z" * 150, 50), headers=_auth(token, **creation)
    )
    assert too_long.status_code == 413
    declared = await sim.client(None).post(
        "/ingest/v1/files/", content=b"z" * 150, headers=_auth(token, **creation)
    )
    assert declared.status_code == 413
    # The refused creations left no file behind (the client never learnt their URLs).
    live = [f for f in sim.region.tus.files.find() if not f.terminated]
    assert len(live) == files_before
