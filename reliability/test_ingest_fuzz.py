"""Ingest fuzzing: hostile tus and lifecycle requests against a served region.

A seeded generator (reliability/_load_probes.py) draws malformed requests: wrong offsets, bad lengths and
checksums, missing Tus-Resumable, path-traversal and unicode metadata, concatenations of someone else's
or unfinished parts, writes after finalize, finalize manifests that lie, Content-Length lies on a raw
socket. Every hostile one must be answered with a 4xx (the protocol's own where it names one), never a
5xx and never a 2xx; the prober's own half-written file must not move; nothing may appear outside the
data directory; and a bystander's upload, half written before the fuzzing, must finish byte-identical.
A failure prints the seed and the probe, which replays it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import ServedRegion, served
from reliability._load_probes import Probe, Target, draw
from reliability._load_raw import raw_request

pytestmark = pytest.mark.served

SEED = 20261201
TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}


@dataclass
class Upload:
    token: str
    recording_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"UploadToken {self.token}"}


def _start(api: httpx.Client, key: str) -> Upload:
    created = api.post("/api/v1/sdk_upload/", headers={"Authorization": f"Token {key}"})
    assert created.status_code == 201, created.text
    token = created.json()["upload_token"]
    started = api.post(
        "/ingest/v1/recording/start",
        headers={"Authorization": f"UploadToken {token}"},
        json={"platform": "zoom"},
    )
    assert started.status_code == 201, started.text
    return Upload(token, started.json()["recording_id"])


def _create(
    api: httpx.Client, up: Upload, length: int, part: str = "media", concat: str | None = None
) -> str:
    headers = {
        **TUS,
        **up.auth,
        "Upload-Length": str(length),
        "Upload-Metadata": "part " + base64.b64encode(part.encode()).decode(),
    }
    if concat:
        headers["Upload-Concat"] = concat
    response = api.post("/ingest/v1/files/", headers=headers)
    assert response.status_code == 201, response.text
    return str(response.headers["location"]).rsplit("/", 1)[-1]


def _patch(api: httpx.Client, up: Upload, file_id: str, offset: int, data: bytes) -> None:
    headers = {**TUS, **up.auth, **OCTETS, "Upload-Offset": str(offset)}
    response = api.patch(f"/ingest/v1/files/{file_id}", headers=headers, content=data)
    assert response.status_code == 204, response.text


def _head_offset(api: httpx.Client, up: Upload, file_id: str) -> int:
    response = api.head(f"/ingest/v1/files/{file_id}", headers={**TUS, **up.auth})
    assert response.status_code == 200, response.status_code
    return int(response.headers["upload-offset"])


def _files(api: httpx.Client, up: Upload) -> dict[str, int]:
    """The upload's live files and their offsets, as `GET /ingest/v1/recording/` reports them."""
    response = api.get("/ingest/v1/recording/", headers=up.auth)
    assert response.status_code == 200, response.text
    return {f["id"]: f["offset"] for f in response.json()["files"]}


def _tree(root: Path, skip: Path) -> set[str]:
    """Every path under `root`, except the data directory's own subtree."""
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if here / d != skip]
        found.update(str(here / name) for name in [*dirnames, *filenames])
    return found


def _escapes(data_dir: Path) -> list[str]:
    """Paths inside the data directory that resolve outside it (a symlink, a `..` in a name)."""
    root = data_dir.resolve()
    out = []
    for dirpath, dirnames, filenames in os.walk(data_dir):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            if not path.resolve().is_relative_to(root):
                out.append(str(path))
    return out


@pytest.fixture
def region(tmp_path: Path) -> Iterator[tuple[ServedRegion, Path]]:
    data_dir = tmp_path / "around" / "data"
    with served(Settings(seed=SEED, data_dir=data_dir, delays="instant", rate_limits=False)) as handle:
        yield handle, data_dir


def _send(api: httpx.Client, base_url: str, probe: Probe) -> tuple[int, bytes]:
    headers = probe.headers
    if not probe.raw:
        try:
            response = api.request(probe.method, probe.path, headers=headers, content=probe.body or None)
        except httpx.LocalProtocolError:
            # httpx will not send it (e.g. a value with leading blanks): the bytes go on a socket instead
            headers = [*headers, (b"Content-Length", str(len(probe.body)).encode())]
        except httpx.TransportError as error:  # no answer at all: counted as a failure, not a refusal
            return 0, repr(error).encode()
        else:
            return response.status_code, response.content[:200]
    answer = raw_request(base_url, probe.method, probe.path, headers, probe.body, hang_up=probe.hang_up)
    return answer.status, answer.head[:200]


def _fuzz(region: tuple[ServedRegion, Path], tmp_path: Path, tries: int, seed: int) -> dict[str, Any]:
    handle, data_dir = region
    rng = random.Random(seed)
    # A connection per request: a refusal may close the connection, which says nothing about the next probe.
    api = httpx.Client(
        base_url=handle.base_url,
        timeout=10,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    key = handle.api_key

    # The bystander: a media file half written, two finished segments (someone else's parts).
    bystander = _start(api, key)
    media = make_mp4(3.0)
    bystander_file = _create(api, bystander, len(media))
    _patch(api, bystander, bystander_file, 0, media[: len(media) // 2])
    segments = [b"segment-one" * 50, b"segment-two" * 70]
    partials = []
    for data in segments:
        pid = _create(api, bystander, len(data), "segment", "partial")
        _patch(api, bystander, pid, 0, data)
        partials.append(pid)

    # A finalized upload, whose token is spent.
    finalized = _start(api, key)
    done_media = make_mp4(1.0)
    finalized_file = _create(api, finalized, len(done_media))
    _patch(api, finalized, finalized_file, 0, done_media)
    manifest = {"media": {"file": finalized_file, "sha256": hashlib.sha256(done_media).hexdigest()}}
    assert api.post("/ingest/v1/recording/finalize", headers=finalized.auth, json=manifest).status_code == 202

    # The prober's own upload: a half-written file, an unfinished partial and a finished plain file.
    prober = _start(api, key)
    own_bytes = bytes(rng.randrange(256) for _ in range(1000))
    own_file = _create(api, prober, 4096)
    _patch(api, prober, own_file, 0, own_bytes)
    own_complete_bytes = b"complete" * 8
    own_complete = _create(api, prober, len(own_complete_bytes))
    _patch(api, prober, own_complete, 0, own_complete_bytes)
    target = Target(
        token=prober.token,
        max_size=handle.region.settings.ingest_max_size,
        own_file=own_file,
        own_length=4096,
        own_offset=len(own_bytes),
        own_partial_unfinished=_create(api, prober, 100, "segment", "partial"),
        own_complete=own_complete,
        own_complete_sha256=hashlib.sha256(own_complete_bytes).hexdigest(),
        foreign_file=bystander_file,
        foreign_partials=partials,
        finalized_token=finalized.token,
        finalized_file=finalized_file,
    )

    before = _tree(tmp_path, data_dir)
    passwd = Path("/etc/passwd").stat().st_mtime_ns
    failures: list[str] = []
    server_errors = hostile = accepted = hung_up = 0
    logged = _ErrorLog()
    logging.getLogger("uvicorn.error").addHandler(logged)
    known = _files(api, prober)
    for n in range(tries):
        probe = draw(rng, target)
        status, head = _send(api, handle.base_url, probe)
        where = (
            f"seed {seed} try {n}: {probe.kind} {probe.method} {probe.path} {probe.note} -> {status} {head!r}"
        )
        if probe.hang_up:
            hung_up += 1
            _wait_until_written(handle, own_file)
        elif status >= 500 or status == 0:
            server_errors += status >= 500
            failures.append(where)
        elif probe.opaque:
            accepted += 1
            if status not in (200, 201):
                failures.append(where + " (a valid request refused)")
        else:
            hostile += 1
            if not 400 <= status < 500 or (probe.expect is not None and status not in probe.expect):
                failures.append(where + f" (expected {sorted(probe.expect or [])} or another 4xx)")
        # A refusal changes nothing: the prober's files are the same ones, at the same offsets.
        files = _files(api, prober)
        if not probe.opaque and files != known:
            failures.append(where + f" (the prober's files changed: {known} -> {files})")
        known = files
        if files.get(own_file) != target.own_offset:
            target.own_offset = files.get(own_file, target.own_offset)
        threading.Event().wait(0)  # let the server thread breathe between probes

    logging.getLogger("uvicorn.error").removeHandler(logged)
    # A 500 to a client that is gone is seen by nobody but the log: it counts like any 5xx.
    for entry in logged.records:
        server_errors += 1
        failures.append(
            f"seed {seed}: the region logged {entry.getMessage()} {entry.exc_info and entry.exc_info[1]!r}"
        )
    after = _tree(tmp_path, data_dir)
    outside = sorted(after - before) + _escapes(data_dir)
    lost = 0
    # The prober's own bytes are what it sent, and nothing refused was appended.
    record = handle.region.tus.files.get(own_file)
    assert record is not None
    if handle.region.blobs.read_bytes(record.blob) != own_bytes:
        lost += 1
        failures.append("the prober's own half-written file changed")
    # The bystander's parts are untouched and its upload finishes byte-identical.
    for pid, data in zip(partials, segments, strict=True):
        part = handle.region.tus.files.get(pid)
        if part is None or handle.region.blobs.read_bytes(part.blob) != data:
            lost += 1
            failures.append(f"the bystander's partial {pid} changed")
    half = len(media) // 2
    if _head_offset(api, bystander, bystander_file) != half:
        lost += 1
        failures.append("the bystander's offset moved")
    else:
        _patch(api, bystander, bystander_file, half, media[half:])
        manifest = {"media": {"file": bystander_file, "sha256": hashlib.sha256(media).hexdigest()}}
        finalize = api.post("/ingest/v1/recording/finalize", headers=bystander.auth, json=manifest)
        if finalize.status_code != 202:
            lost += 1
            failures.append(f"the bystander's finalize answered {finalize.status_code} {finalize.text}")
        elif _downloaded_video(api, key, bystander.recording_id) != media:
            lost += 1
            failures.append("the bystander's video_mixed is not the bytes it uploaded")
    api.close()
    if Path("/etc/passwd").stat().st_mtime_ns != passwd:
        outside.append("/etc/passwd")
    return {
        "failures": failures,
        "server_errors": server_errors,
        "outside": outside,
        "lost": lost,
        "hostile": hostile,
        "accepted": accepted,
        "hung_up": hung_up,
    }


class _ErrorLog(logging.Handler):
    """What the served region logs at ERROR or above (uvicorn's logger does not reach pytest's)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _wait_until_written(handle: ServedRegion, file_id: str) -> None:
    """Until the region has seen the client go and closed that PATCH (a later probe must not meet it
    as "another PATCH in progress"); at most 5 s."""
    for _ in range(500):
        if file_id not in handle.region.tus._writing:
            return
        threading.Event().wait(0.01)


def _downloaded_video(api: httpx.Client, key: str, recording_id: str) -> bytes | None:
    auth = {"Authorization": f"Token {key}"}
    for _ in range(400):  # processing runs with instant delays on the real clock: well within 20 s
        recording = api.get(f"/api/v1/recording/{recording_id}/", headers=auth).json()
        if recording["status"]["code"] in ("done", "failed"):
            break
        threading.Event().wait(0.05)
    if recording["status"]["code"] != "done":
        return None
    url = recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]
    return api.get(url).content


def _run(region: tuple[ServedRegion, Path], tmp_path: Path, figures: Any, part: str, tries: int) -> None:
    found = _fuzz(region, tmp_path, tries, SEED)
    failures: list[str] = found["failures"]
    figures.record(
        part,
        tries=tries,
        failures=len(failures),
        lost=found["lost"],
        hostile=found["hostile"],
        accepted_opaque=found["accepted"],
        abandoned=found["hung_up"],
        **{"5xx": found["server_errors"], "outside_data_dir": len(found["outside"])},
    )
    assert not found["outside"], f"seed {SEED}: written outside the data directory: {found['outside'][:10]}"
    assert not failures, f"{len(failures)} of {tries} probes failed (seed {SEED}):\n" + "\n".join(
        failures[:15]
    )


@pytest.mark.quick
def test_hostile_ingest_requests_are_refused_and_harm_nothing(
    region: tuple[ServedRegion, Path], tmp_path: Path, figures: Any
) -> None:
    _run(region, tmp_path, figures, "ingest fuzzing", 600)


@pytest.mark.thorough
def test_hostile_ingest_requests_at_length(
    region: tuple[ServedRegion, Path], tmp_path: Path, figures: Any
) -> None:
    _run(region, tmp_path, figures, "ingest fuzzing (thorough)", 8000)
