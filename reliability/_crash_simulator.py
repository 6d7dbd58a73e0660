"""One simulator crash trial: a served region (its own process, on a data directory) killed with SIGKILL
four times over one recording's life, and started again on the same directory each time:

1. while an Idempotency-Key request (creating an upload) is being answered: every request the region
   answered before replays the same answer after the restart; the one cut off replays its answer if
   its work was committed before the kill, or runs when retried if not (never 409), and either way
   makes its upload once;
2. in the middle of a tus PATCH: the file resumes at the offset the region had acknowledged, or beyond,
   and the bytes stored are the bytes sent;
3. while processing the finalized upload: processing completes, the recording is `done` with the media
   uploaded;
4. while webhook retries are pending (the receiver failing) and the clock is being advanced through
   them: every message the region had made is delivered once the receiver recovers.

Across every restart the region's clock must not go backwards. All choices come from the trial's seed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recall_sim.scenarios.receiver import Behaviour, WebhookReceiver
from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.scenarios.served import serve_app
from reliability._crash_region import RegionProcess

TUS = {"Tus-Resumable": "1.0.0"}


@dataclass
class SimulatorTrial:
    seed: int
    problems: list[str] = field(default_factory=list)
    lost_uploads: int = 0
    lost_recordings: int = 0
    lost_webhooks: int = 0
    duplicates: int = 0
    #: idempotent requests cut off by a kill and run again on retry (their work had not been committed)
    reruns: int = 0
    #: idempotent requests cut off by a kill after their work was committed, replayed on retry
    replayed_after_commit: int = 0
    #: resources a retry made a second time, its cut-off first request having made them already
    duplicated_after_commit: int = 0
    kills: int = 0

    @property
    def lost(self) -> int:
        return self.lost_uploads + self.lost_recordings + self.lost_webhooks

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def describe(self) -> str:
        return f"seed {self.seed}: {'; '.join(self.problems)}"


class _Clocks:
    """The region's clock read before each kill; after the restart it must be no earlier."""

    def __init__(self, region: RegionProcess, trial: SimulatorTrial) -> None:
        self.region = region
        self.trial = trial

    def kill_and_restart(self, what: str, before: float | None = None) -> None:
        seen = before if before is not None else self.region.clock()
        self.region.kill()
        self.trial.kills += 1
        self.region.start()
        after = self.region.clock()
        if after < seen:
            self.trial.problems.append(f"after the kill {what} the clock went back {seen - after:.3f} s")


def _upload_token(region: RegionProcess, rng: random.Random, trial: SimulatorTrial) -> str:
    """Phase 1: idempotent creates; the region dies while one of them is being answered (held on the
    frozen clock by a latency fault, so the kill lands inside the request: its work done, its answer
    not sent, its key still marked running)."""
    keys = [f"crash-{trial.seed}-{i}" for i in range(rng.randint(2, 6))]
    cut = rng.randrange(len(keys))
    answered: dict[str, dict[str, Any]] = {}
    with region.api() as api:
        for key in keys[:cut]:
            response = api.post("/api/v1/sdk_upload/", headers={"Idempotency-Key": key})
            response.raise_for_status()
            answered[key] = response.json()
    region.control("POST", "/faults", json={"route": "/api/v1/sdk_upload/", "latency": 60, "count": 1})

    def send() -> None:
        with region.api() as api, contextlib.suppress(httpx.HTTPError):
            api.post("/api/v1/sdk_upload/", headers={"Idempotency-Key": keys[cut]})
            trial.problems.append("a request held by the latency fault was answered")

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    time.sleep(rng.uniform(0.05, 0.3))
    before = region.clock()
    region.kill()
    sender.join(timeout=30)
    trial.kills += 1
    region.start()
    if region.clock() < before:
        trial.problems.append("after the kill mid-request the clock went back")
    tokens: list[str] = []
    with region.api() as api:
        for key in keys:
            response = api.post("/api/v1/sdk_upload/", headers={"Idempotency-Key": key})
            if response.status_code != 201:
                trial.problems.append(f"retry of {key}: {response.status_code} {response.text}")
                continue
            upload = response.json()
            replayed = response.headers.get("idempotent-replayed") == "true"
            if key in answered and (upload["id"] != answered[key]["id"] or not replayed):
                trial.problems.append(f"{key} was answered before the kill but not replayed after it")
                trial.duplicates += 1
            if key == keys[cut]:
                trial.reruns += not replayed
                trial.replayed_after_commit += replayed
            tokens.append(upload["upload_token"])
        uploads = api.get("/api/v1/sdk_upload/", params={"page_size": 100}).json()
    # One upload per key: a request cut off after its commit is replayed, not run a second time.
    duplicated = max(0, len(uploads["results"]) - len(keys))
    if duplicated:
        trial.problems.append(
            f"the retry of a request cut off after its commit made {duplicated} more upload(s)"
        )
    trial.duplicated_after_commit += duplicated
    trial.duplicates += duplicated
    return tokens[0] if tokens else ""


def _body(data: bytes, cut: int, kill: Any) -> Iterator[bytes]:
    """A PATCH body that stops after `cut` bytes: the region dies with the request half read."""
    yield data[:cut]
    time.sleep(0.05)  # let the region take the first bytes in
    kill()
    yield data[cut:]


def _ingest(region: RegionProcess, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=region.base_url, headers={"Authorization": f"UploadToken {token}"}, timeout=30
    )


def _patch(client: httpx.Client, url: str, offset: int, chunk: bytes, content: Any = None) -> httpx.Response:
    checksum = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
    headers = {
        **TUS,
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": f"sha256 {checksum}",
        "Content-Length": str(len(chunk)),
    }
    return client.patch(url, headers=headers, content=chunk if content is None else content)


def _upload(
    region: RegionProcess,
    token: str,
    media: bytes,
    rng: random.Random,
    trial: SimulatorTrial,
) -> str:
    """Phase 2: the media in chunks; one PATCH cut in the middle by a kill; the rest after the restart."""
    with _ingest(region, token) as client:
        client.post(
            "/ingest/v1/recording/start", json={"platform": "zoom", "upload_mode": "seed"}
        ).raise_for_status()
        meta = "part " + base64.b64encode(b"media").decode()
        created = client.post(
            "/ingest/v1/files/", headers={**TUS, "Upload-Length": str(len(media)), "Upload-Metadata": meta}
        )
        created.raise_for_status()
        url = created.headers["location"]
        size = len(media) // rng.randint(3, 10) + 1
        victim = rng.randrange(0, (len(media) + size - 1) // size)
        acknowledged = 0
        for _index in range(victim):
            response = _patch(client, url, acknowledged, media[acknowledged : acknowledged + size])
            response.raise_for_status()
            acknowledged = int(response.headers["upload-offset"])
        chunk = media[acknowledged : acknowledged + size]
        before = region.clock()
        killed = threading.Event()

        def kill() -> None:
            region.kill()
            killed.set()

        try:
            _patch(client, url, acknowledged, chunk, _body(chunk, rng.randint(1, len(chunk) - 1), kill))
            trial.problems.append("a PATCH cut by a kill was answered")
        except httpx.HTTPError:
            pass
        if not killed.is_set():
            region.kill()
        trial.kills += 1
    region.start()
    if region.clock() < before:
        trial.problems.append("after the kill mid-PATCH the clock went back")
    with _ingest(region, token) as client:
        head = client.head(url, headers=TUS)
        if head.status_code != 200:
            trial.problems.append(f"HEAD after the kill: {head.status_code}")
            trial.lost_uploads += 1
            return url
        offset = int(head.headers["upload-offset"])
        if offset < acknowledged:
            trial.problems.append(f"offset {offset} after the kill, {acknowledged} acknowledged before it")
            trial.lost_uploads += 1
        while offset < len(media):
            response = _patch(client, url, offset, media[offset : offset + size])
            response.raise_for_status()
            offset = int(response.headers["upload-offset"])
        client.post("/ingest/v1/recording/end", json={"duration": 4.0}).raise_for_status()
    return url


def _finalize_and_process(
    region: RegionProcess,
    token: str,
    url: str,
    media: bytes,
    rng: random.Random,
    trial: SimulatorTrial,
    clocks: _Clocks,
) -> str:
    """Phase 3: finalize, kill while processing, restart: processing completes."""
    manifest = {"media": {"file": url, "sha256": hashlib.sha256(media).hexdigest()}}
    with _ingest(region, token) as client:
        response = client.post("/ingest/v1/recording/finalize", json=manifest)
        if response.status_code != 202:
            trial.problems.append(f"finalize: {response.status_code} {response.text}")
        recording_id = str(client.get("/ingest/v1/recording/").json()["recording_id"])
    time.sleep(rng.uniform(0.0, 0.3))
    clocks.kill_and_restart("during processing")
    with region.api() as api:
        deadline = time.monotonic() + 30
        while True:
            recording = api.get(f"/api/v1/recording/{recording_id}/").json()
            if recording["status"]["code"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if recording["status"]["code"] != "done":
            trial.problems.append(f"recording after the kill during processing: {recording['status']}")
            trial.lost_recordings += 1
            return recording_id
        link = recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]
        if httpx.get(link, timeout=30).content != media:
            trial.problems.append("the processed recording's media is not what was uploaded")
            trial.lost_uploads += 1
    return recording_id


def _messages(region: RegionProcess) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = region.control("GET", "/webhooks/messages")
    return found


def _webhooks(
    region: RegionProcess, receiver: WebhookReceiver, rng: random.Random, trial: SimulatorTrial
) -> None:
    """Phase 4: retries pending while the receiver fails; a kill while the clock moves through them."""
    region.advance(rng.choice([0.0, 10.0, 400.0]))  # some messages one or two failed attempts on
    pending = {m["id"]: m["event_type"] for m in _messages(region)}
    before = region.clock()
    mover = threading.Thread(target=lambda: _quietly(region.advance, 4000.0), daemon=True)
    mover.start()
    time.sleep(rng.uniform(0.0, 0.2))
    seen = max(before, _quietly(region.clock) or before)
    region.kill()
    mover.join(timeout=30)
    trial.kills += 1
    region.start()
    if region.clock() < seen:
        trial.problems.append(
            f"after the kill during webhook retries the clock went back {seen - region.clock():.1f} s"
        )
    receiver.recover()
    region.advance(12 * 3600.0)  # past every retry still scheduled
    deadline = time.monotonic() + 20
    while set(pending) - set(receiver.messages) and time.monotonic() < deadline:
        time.sleep(0.05)
    missing = {i: pending[i] for i in set(pending) - set(receiver.messages)}
    if missing:
        trial.problems.append(f"webhooks never delivered: {sorted(missing.values())}")
        trial.lost_webhooks += len(missing)
    made = {m["id"] for m in _messages(region)}
    if not set(pending) <= made:
        trial.problems.append("messages the region had made were gone after the restart")
    if bad := [d for d in receiver.deliveries if d.verified is False]:
        said = [(d.msg_id, d.event, d.headers.get("svix-timestamp"), d.at) for d in bad]
        trial.problems.append(
            f"{len(bad)} deliveries svix could not verify (id, event, signed at, region time): {said}"
        )
    events = set(receiver.events())
    # The upload's end is `sdk_upload.completed` to a seed workspace, `sdk_upload.complete` to a current one.
    if "recording.done" not in events or not events & {"sdk_upload.complete", "sdk_upload.completed"}:
        trial.problems.append(f"the recording's end was not heard of: {sorted(events)}")


def _quietly(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except httpx.HTTPError:
        return None


def run_trial(seed: int, work: Path) -> SimulatorTrial:
    rng = random.Random(seed)
    trial = SimulatorTrial(seed)
    media = make_mp4(rng.uniform(2.0, 6.0))
    region = RegionProcess(work / "data", seed)
    # A partner's endpoint that is down (503) until the trial's last phase; then it verifies each delivery
    # with svix against the region's clock, which the trials move hours ahead of the machine's.
    receiver = WebhookReceiver(region, lambda: region.webhook_secret, path="/hooks")
    receiver.always(Behaviour("status", 503))
    with serve_app(receiver) as receiver_url:
        region.webhook_url = f"{receiver_url}/hooks"
        region.start()
        clocks = _Clocks(region, trial)
        try:
            region.advance(rng.uniform(0.0, 3600.0))  # a clock that was moved by hand must stay moved
            token = _upload_token(region, rng, trial)
            if not token:
                return trial
            url = _upload(region, token, media, rng, trial)
            _finalize_and_process(region, token, url, media, rng, trial, clocks)
            _webhooks(region, receiver, rng, trial)
        finally:
            region.kill()
    return trial


def replay_hint(seed: int, test: str) -> str:
    return (
        f"replay: RECALL_SIM_CRASH_SEED={seed} RECALL_SIM_CRASH_TRIALS=1 "
        f"pytest {test} -m thorough --thorough -p no:randomly -s"
    )
