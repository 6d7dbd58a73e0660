"""One load run: many recorders recording and uploading at once to one served region, a backend
checking every recording, webhooks to a receiver that fails a third of its attempts.

The region is `recall-sim serve` in a process of its own (instant processing, webhook retries shortened
with `--webhook-retry-schedule`); the recorders are `recorder.RecallAiSdk`s driven as the sample desktop
app drives them (`recorder.record_cli.record_meeting`), all on one event loop and one real clock, half in
each upload mode, half with a streaming transcript. Every REST call they and the backend make goes
through one timing transport.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import random
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from recall_sim.recorder.media.reader import read_speech
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.record_cli import record_meeting
from recall_sim.recorder.record_report import RecordOutcome
from recall_sim.recorder.token_source import TokenSource
from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.served import serve_app
from recall_sim.scenarios.served_process import ServedProcess, serve_process
from recall_sim.seams import Randomness, RealClock
from reliability._load_timing import Sample, TimedTransport, percentile

__all__ = ["LoadResult", "run_load"]

#: seconds before each webhook retry: a message gets 8 attempts within ~9 s
RETRY_SCHEDULE = "0.2,0.5,1,1,2,2,2"
#: the job lease when a process is killed: its jobs wait this long for another process
KILL_LEASE = 3.0
_POLL = 0.2


@dataclass
class LoadResult:
    recorders: int
    problems: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    server_errors: int = 0
    webhooks: int = 0
    region_messages: int = 0
    receiver_failures: int = 0
    receiver_attempts: int = 0
    bad_signatures: int = 0
    #: requests the sender broke off before the body arrived (a killed process mid-delivery)
    interrupted: int = 0
    duplicates: int = 0
    streamed_words: int = 0
    #: "METHOD route" -> (requests, p50 ms, p99 ms)
    routes: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    lost: int = 0
    seconds: float = 0.0
    #: message id -> requests the receiver had for it (failed ones included)
    receiver_requests: dict[str, int] = field(default_factory=dict)
    #: on PostgreSQL: (message id, attempt number) of every attempt the region logged, and jobs left
    attempt_log: list[tuple[str, int | None]] = field(default_factory=list)
    leftover_jobs: list[str] = field(default_factory=list)
    #: the jobs the killed process held when it was killed
    killed_holding: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "recorders": self.recorders,
            "requests": len(self.latencies),
            "p50_ms": round(percentile(self.latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(self.latencies, 99) * 1000, 2),
            "5xx": self.server_errors,
            "webhooks": self.webhooks,
            "receiver_failures": self.receiver_failures,
            "bad_signatures": self.bad_signatures,
            "interrupted": self.interrupted,
            "streamed_words": self.streamed_words,
            "seconds": round(self.seconds, 1),
        }


def _config(i: int) -> dict[str, Any] | None:
    """Every other upload streams its transcript over the real-time channel."""
    return {"transcript": {"provider": {"deepgram_streaming": {}}}} if i % 2 == 0 else None


async def _record_all(
    servers: list[ServedProcess],
    transport: TimedTransport,
    meeting: MeetingScript,
    n: int,
    scale: float,
    seed: int,
    work: Path,
) -> list[RecordOutcome | BaseException]:
    clock = RealClock(scale)

    async def one(i: int) -> RecordOutcome:
        server = servers[i % len(servers)]  # recorders spread over every process serving the region
        tokens = TokenSource(
            server.base_url, api_key=server.api_key, recording_config=_config(i), transport=transport
        )
        return await record_meeting(
            meeting,
            tokens,
            clock=clock,
            randomness=Randomness(f"{seed}-{i}"),
            recordings_dir=work / f"recorder-{i}",
            mode="current" if i % 2 else "seed",
            media="tiny",
            transport=transport,
        )

    return await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)


async def _check_recording(
    api: httpx.AsyncClient, recording_id: str, streaming: bool, deadline: float, words: list[int]
) -> list[str]:
    """What the backend sees once processing is over: the recording done, every artifact done and
    downloadable (a transcript where a streaming provider was asked for)."""
    loop = asyncio.get_running_loop()
    while True:
        recording = (await api.get(f"/api/v1/recording/{recording_id}/")).json()
        if recording["status"]["code"] in ("done", "failed") or loop.time() > deadline:
            break
        await asyncio.sleep(_POLL)
    if recording["status"]["code"] != "done":
        return [f"recording {recording_id} ended {recording['status']}"]
    problems = []
    video = b""
    shortcuts = recording.get("media_shortcuts") or {}
    expected = [
        "video_mixed",
        "participant_events",
        "meeting_metadata",
        *(["transcript"] if streaming else []),
    ]
    for kind in expected:
        shortcut = shortcuts.get(kind)
        if not shortcut or shortcut["status"]["code"] != "done":
            problems.append(f"recording {recording_id}: {kind} is {shortcut and shortcut['status']}")
            continue
        data = shortcut.get("data") or {}
        if kind == "meeting_metadata":
            if not data.get("title"):
                problems.append(f"recording {recording_id}: meeting_metadata has no title: {data}")
            continue
        urls = [v for k, v in data.items() if k.endswith("download_url") and isinstance(v, str)]
        if not urls:
            problems.append(f"recording {recording_id}: {kind} has no download link: {data}")
        for url in urls:
            body = (await api.get(url)).content
            if kind == "video_mixed":
                video = body
            if kind == "video_mixed" and body[4:8] != b"ftyp":
                problems.append(f"recording {recording_id}: video_mixed download is not an MP4")
            elif kind != "video_mixed" and not isinstance(json.loads(body), list | dict):
                problems.append(f"recording {recording_id}: {kind} download {url} is not JSON")
    if streaming and not problems:
        # The streamed transcript has exactly the words the recorder kept in its media's speech track
        # (words spoken before the recording started are in neither).
        transcript = json.loads((await api.get(shortcuts["transcript"]["data"]["download_url"])).content)
        streamed = sorted(
            (w["start_timestamp"]["relative"], w["text"]) for entry in transcript for w in entry["words"]
        )
        spoken = sorted((w["start"], w["text"]) for u in read_speech(video) for w in u["words"])
        if [t for _, t in streamed] != [t for _, t in spoken]:
            problems.append(f"recording {recording_id}: streamed words {streamed} but the media has {spoken}")
        words[0] += len(streamed)
    return problems


def _control(server: ServedProcess, path: str, **params: Any) -> Any:
    with httpx.Client(base_url=f"{server.base_url}/_simulator", timeout=30, trust_env=False) as control:
        response = control.get(path, params=params)
        response.raise_for_status()
        return response.json()


def _settle_webhooks(server: ServedProcess, endpoint_id: str, grace: float) -> list[Any]:
    """Wait (polling the control plane) until every message the region made is delivered to the
    endpoint and nothing is left to dispatch; returns the region's messages."""
    waited = 0.0
    while True:
        messages = _control(server, "/webhooks/messages", endpoint_id=endpoint_id)
        pending = [m for m in messages for d in m["destinations"] if d["status"] != "success"]
        state = _control(server, "/state")["collections"]
        dispatch = [j for j in state.get("jobs", []) if j["kind"] == "dispatch_event"]
        if (not pending and not dispatch) or waited > grace:
            return list(messages)
        threading.Event().wait(_POLL)
        waited += _POLL


def run_load(
    work: Path,
    *,
    recorders: int,
    meeting: MeetingScript,
    scale: float,
    seed: int,
    processes: int = 1,
    store_url: str | None = None,
    kill_one: bool = False,
) -> LoadResult:
    """`processes` > 1 serve one region from the PostgreSQL database at `store_url`, sharing one data
    directory; `kill_one` SIGKILLs the last of them once every recorder has finished, at a moment it
    holds a job's lease (its jobs must complete elsewhere)."""
    result = LoadResult(recorders)
    rng = random.Random(seed)
    secret = "whsec_" + base64.b64encode(rng.randbytes(24)).decode()
    # Every third attempt fails (a third of all deliveries need a retry); the rest are verified with svix.
    receiver = WebhookReceiver(secret=secret, machine_time=True, path="/webhooks", status=204, fail_every=3)
    with serve_app(receiver) as receiver_url:
        args = [
            "--data-dir",
            str(work / "data"),
            "--delays",
            "instant",
            "--seed",
            str(seed),
            "--no-rate-limits",
        ]
        args += ["--webhook-url", f"{receiver_url}/webhooks", "--webhook-secret", secret]
        args += ["--webhook-retry-schedule", RETRY_SCHEDULE]
        if store_url is not None:
            args += ["--store", store_url, "--job-lease", str(KILL_LEASE if kill_one else 30.0)]
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(serve_process(*args, log=work / f"serve-{i}.log"))
                for i in range(processes)
            ]
            victim = servers[-1] if kill_one else None
            elapsed = asyncio.run(
                _record_and_check(servers, work, meeting, recorders, scale, seed, result, victim, store_url)
            )
            server = servers[0]
            endpoints = _control(server, "/webhooks/endpoints")
            endpoint_id = next(e["id"] for e in endpoints if e["url"] == f"{receiver_url}/webhooks")
            messages = _settle_webhooks(server, endpoint_id, grace=60.0)
            log = "".join(s.output() for s in servers if s is not victim)
            if store_url is not None:
                result.attempt_log = _attempt_log(store_url)
                result.leftover_jobs = _leftover_jobs(store_url)
        result.seconds = elapsed
    _compare_webhooks(result, receiver, messages)
    if "Traceback" in log or "Exception in ASGI" in log:
        result.problems.append("the region logged an exception:\n" + log[-3000:])
    return result


async def _record_and_check(
    servers: list[ServedProcess],
    work: Path,
    meeting: MeetingScript,
    n: int,
    scale: float,
    seed: int,
    result: LoadResult,
    victim: ServedProcess | None = None,
    store_url: str | None = None,
) -> float:
    transport = TimedTransport()
    loop = asyncio.get_running_loop()
    began = loop.time()
    server = servers[0]
    try:
        outcomes = await _record_all(servers, transport, meeting, n, scale, seed, work)
        if victim is not None and store_url is not None:
            result.killed_holding = await _kill_holding_a_lease(victim, store_url)
            if not result.killed_holding:
                result.problems.append("the process to kill never held a job's lease after the recordings")
        checks = []
        words = [0]
        headers = {"Authorization": f"Token {server.api_key}"}
        async with httpx.AsyncClient(
            base_url=server.base_url, headers=headers, transport=transport, timeout=30
        ) as api:
            for i, outcome in enumerate(outcomes):
                if isinstance(outcome, BaseException):
                    result.problems.append(f"recorder {i} raised {outcome!r}")
                    result.lost += 1
                    continue
                if not outcome.ok or len(outcome.recording_ids) != 1:
                    result.problems.append(
                        f"recorder {i}: finalized {outcome.finalized}, errors {outcome.errors}"
                    )
                    result.lost += 1
                checks += [
                    _check_recording(api, rid, _config(i) is not None, loop.time() + 120, words)
                    for rid in outcome.recording_ids
                ]
            for problems in await asyncio.gather(*checks):
                result.problems += problems
                result.lost += bool(problems)
        result.streamed_words = words[0]
        if not result.streamed_words:
            result.problems.append(
                "no streamed transcript has any words: the meetings went by before recording"
            )
    finally:
        await transport.close_pool()
    samples = [s for s in transport.samples if s.status != 101]
    result.routes = _by_route(samples)
    result.latencies = [s.seconds for s in samples]
    result.server_errors = sum(s.status >= 500 for s in samples)
    return loop.time() - began


async def _kill_holding_a_lease(victim: ServedProcess, store_url: str) -> list[str]:
    """SIGKILL `victim` as soon as the database shows it holding a job's lease; the jobs it held."""
    import psycopg

    pattern = f"%:{victim.process.pid}:%"
    async with await psycopg.AsyncConnection.connect(store_url, autocommit=True) as db:
        for _ in range(2000):
            cur = await db.execute("SELECT id FROM jobs WHERE lease_holder LIKE %s", (pattern,))
            held = [str(row[0]) for row in await cur.fetchall()]
            if held:
                os.kill(victim.process.pid, signal.SIGKILL)
                victim.process.wait()
                return held
            await asyncio.sleep(0.005)
    return []


def _attempt_log(store_url: str) -> list[tuple[str, int | None]]:
    """(message id, attempt number) of every attempt the region logged."""
    import psycopg

    with psycopg.connect(store_url) as db:
        rows = db.execute("SELECT data FROM webhook_attempts").fetchall()
    docs = [json.loads(row[0]) for row in rows]
    return [(d["message_id"], d["attempt_number"]) for d in docs]


def _leftover_jobs(store_url: str) -> list[str]:
    """Jobs still in the queue, but for the uploads' expiries (due a day later)."""
    import psycopg

    with psycopg.connect(store_url) as db:
        rows = db.execute("SELECT id, data FROM jobs").fetchall()
    return [f"{r[0]} {r[1]}" for r in rows if json.loads(r[1])["kind"] != "expire_ingest_file"]


def _by_route(samples: list[Sample]) -> dict[str, tuple[int, float, float]]:
    grouped: dict[str, list[float]] = {}
    for sample in samples:
        route = "/api/v1/download/" if sample.route.startswith("/api/v1/download") else sample.route
        grouped.setdefault(f"{sample.method} {route}", []).append(sample.seconds)
    return {
        name: (len(v), round(percentile(v, 50) * 1000, 1), round(percentile(v, 99) * 1000, 1))
        for name, v in sorted(grouped.items())
    }


def _compare_webhooks(result: LoadResult, receiver: WebhookReceiver, messages: list[Any]) -> None:
    """Every message the region made reached the receiver, verified, and the receiver got nothing else."""
    result.webhooks = len(receiver.messages)
    result.region_messages = len(messages)
    result.receiver_failures = receiver.failed_on_purpose()
    result.receiver_attempts = len(receiver.deliveries)
    result.bad_signatures = receiver.bad_signatures()
    result.interrupted = receiver.interrupted
    result.duplicates = receiver.duplicates()
    sent = {m["id"] for m in messages}
    received = set(receiver.messages)
    undelivered = [m for m in messages for d in m["destinations"] if d["status"] != "success"]
    if undelivered:
        result.problems.append(
            f"{len(undelivered)} messages not delivered: {[m['id'] for m in undelivered[:5]]}"
        )
    if sent - received:
        result.problems.append(f"the region sent, the receiver never verified: {sorted(sent - received)[:5]}")
    if received - sent:
        result.problems.append(
            f"the receiver got messages the region has no record of: {sorted(received - sent)[:5]}"
        )
    if result.bad_signatures:
        result.problems.append(f"{result.bad_signatures} deliveries failed svix verification")
    result.lost += len(sent - received)
    result.receiver_requests = dict(receiver.attempts_per_message())
    done = len(receiver.bodies("recording.done"))
    if done != result.recorders:
        result.problems.append(f"recording.done webhooks: {done}, recorders: {result.recorders}")
