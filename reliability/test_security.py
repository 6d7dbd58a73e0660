"""Security: who may call what, signed links, upload tokens, body limits, the bind address, and logs.

Everything runs against a region served by uvicorn on a loopback port (and, for the logs, the
`recall-sim serve` command as a subprocess), with three callers: the start-up workspace (A), a second
workspace in the same region (B) and a workspace of another region (C), all made through the control
plane. Every part counts its requests (`tries`; the bind and log parts, which check rather than
send, count their checks), its checks, and the answers that were not the expected ones (`failures`); a
failure lists each unexpected answer, so one run shows every hole at once.

- **matrix**: every route of the app is classified (API key, signed link, upload token, control plane,
  docs); a route in no class fails the test, so a new route cannot slip in unauthenticated. Every
  API-key route is called with no key, a wrong key (both header forms), C's key (both forms), B's key
  and A's key (both forms), with the contract's answers: 401 bodies, 404 for another workspace's
  object, lists showing nothing of it.
- **downloads**: every signed link of a recording, intact (works without a key) and forged every way,
  then expired by moving the region's clock.
- **upload tokens**: a spent token, an expired one, one used on another upload's files, another
  workspace's, and API keys and upload tokens swapped.
- **body limits**: oversize JSON bodies (declared and chunked) to the REST API, the ingest calls and the
  control plane, and oversize tus chunks, answered 413 early, leaving nothing behind.
- **bind address** and **logs**: loopback by default; no key, secret, upload token or download
  signature in any log line at uvicorn's trace level (below DEBUG: every ASGI scope is logged) with the
  access log on, through a lifecycle with failures (401s, 404s, 413s, forged links, refused real-time
  handshakes, webhooks failing to a closed port).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import inspect
import json
import logging
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Route

from recall_sim.recorder.ingest import IngestClient
from recall_sim.scenarios.sample_media import events_part, make_mp4, utterance
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import ServedRegion, served
from reliability.conftest import Figures

pytestmark = [pytest.mark.quick, pytest.mark.served]

NO_CREDENTIALS = {"detail": "Authentication credentials were not provided."}
INVALID_TOKEN = {"detail": "Invalid token."}
NOT_FOUND = {"detail": "Not found."}
INVALID_SIGNATURE = {"detail": "Invalid download signature."}
LINK_EXPIRED = {"detail": "This download link has expired."}
INVALID_UPLOAD_TOKEN = {"detail": "Invalid upload token."}
UPLOAD_TOKEN_EXPIRED = {"detail": "Upload token has expired."}
TOKEN_SPENT = {"detail": "This upload has already been finalized; its token is spent."}
TOO_LARGE = {"detail": "Request body too large."}

#: small, so oversize bodies are cheap to send; the default is 1 MiB
BODY_LIMIT = 64 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
UPLOAD_CONFIG = {
    "recording_config": {
        "video_mixed_mp4": {},
        "audio_mixed_mp3": {},
        "participant_events": {},
        "meeting_metadata": {},
    }
}
TRANSCRIPT_REQUEST = {"provider": {"recallai_async": {"language_code": "en"}}}


# -- the world: a served region, three workspaces, recorded meetings ---------------------------------


@dataclass
class Meeting:
    """One upload recorded end to end through the ingest protocol, processed, and transcribed."""

    upload: dict[str, Any]
    recording: dict[str, Any]
    #: artifact kind -> id (video_mixed, audio_mixed, participant_events, meeting_metadata, transcript)
    artifacts: dict[str, str]
    #: part name -> tus file URL
    files: dict[str, str]

    @property
    def ids(self) -> set[str]:
        return {self.upload["id"], self.recording["id"], *self.artifacts.values()}


@dataclass
class World:
    served: ServedRegion
    key_a: str
    key_b: str
    key_c: str
    workspace_b: str
    clients: dict[tuple[str | None, bool], httpx.Client] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.served.base_url

    def client(self, key: str | None = None, *, bare: bool = False) -> httpx.Client:
        """One kept-alive client per credential (a new client costs an SSL context: ~30 ms)."""
        if (key, bare) not in self.clients:
            headers = {} if key is None else {"Authorization": key if bare else f"Token {key}"}
            self.clients[key, bare] = httpx.Client(base_url=self.base_url, headers=headers, timeout=30)
        return self.clients[key, bare]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def advance(self, seconds: float) -> None:
        response = self.client().post("/_simulator/clock", json={"advance": seconds})
        assert response.status_code == 200, response.text


def _wait_for(check: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def record_meeting(base_url: str, key: str, *, transcript: bool = True) -> Meeting:
    """A meeting as the desktop app uploads it (media with a speech track, participant events,
    metadata), waited on until done, then an async transcript of it."""
    api = httpx.Client(base_url=base_url, headers={"Authorization": f"Token {key}"}, timeout=30)
    with api:
        created = api.post("/api/v1/sdk_upload/", json=UPLOAD_CONFIG)
        assert created.status_code == 201, created.text
        upload = created.json()
        media = make_mp4(2.0, speech=[utterance(100, "Alice", [("hello", 0.5, 0.9), ("team", 1.0, 1.4)])])
        metadata = {"platform": "zoom", "title": "Security review", "url": None, "zoom": None}

        async def ingest() -> dict[str, str]:
            async with IngestClient(base_url, upload["upload_token"], chunk_size=64 * 1024) as client:
                await client.start(platform="zoom", title="Security review")
                media_ref = await client.upload_bytes(media, part="media")
                events_ref = await client.upload_bytes(events_part(2.0), part="participant_events")
                meta_ref = await client.upload_bytes(json.dumps(metadata).encode(), part="meeting_metadata")
                await client.end(2.0)
                await client.finalize(media_ref, events_ref, meta_ref)
            return {
                "media": media_ref.url,
                "participant_events": events_ref.url,
                "meeting_metadata": meta_ref.url,
            }

        files = asyncio.run(ingest())
        path = f"/api/v1/recording/{upload['recording_id']}/"

        def done() -> dict[str, Any] | None:
            body: dict[str, Any] = api.get(path).json()
            assert body["status"]["code"] != "failed", body
            return body if body["status"]["code"] == "done" else None

        recording = _wait_for(done, "the recording to be done")
        artifacts = {k: v["id"] for k, v in recording["media_shortcuts"].items() if v is not None}
        if transcript:
            made = api.post(f"{path}create_transcript/", json=TRANSCRIPT_REQUEST)
            assert made.status_code == 200, made.text
            transcript_id = made.json()["id"]

            def transcribed() -> dict[str, Any] | None:
                body: dict[str, Any] = api.get(path).json()
                shortcut = body["media_shortcuts"]["transcript"]
                ready = shortcut and shortcut["id"] == transcript_id and shortcut["status"]["code"] == "done"
                return body if ready else None

            recording = _wait_for(transcribed, "the transcript to be done")
            artifacts["transcript"] = transcript_id
    return Meeting(upload=upload, recording=recording, artifacts=artifacts, files=files)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with served(Settings(seed=7301, max_json_body=BODY_LIMIT)) as region:
        with httpx.Client(base_url=region.base_url, timeout=30) as control:
            b = control.post("/_simulator/workspaces", json={"name": "B"})
            c = control.post("/_simulator/workspaces", json={"name": "C", "region": "eu-central-1"})
            assert b.status_code == c.status_code == 201, (b.text, c.text)
        world = World(
            served=region,
            key_a=region.api_key,
            key_b=b.json()["api_keys"][0],
            key_c=c.json()["api_keys"][0],
            workspace_b=b.json()["id"],
        )
        try:
            yield world
        finally:
            world.close()


class Tally:
    """Requests made and the unexpected answers among them, each described for the failure report."""

    def __init__(self) -> None:
        self.requests = 0
        self.checks = 0
        self.unexpected: list[str] = []

    def check(self, label: str, response: httpx.Response, status: int, body: Any = None) -> bool:
        self.requests += 1
        self.checks += 1
        try:
            got: Any = response.json()
        except ValueError:
            got = response.text[:200]
        if response.status_code != status or (body is not None and got != body):
            self.unexpected.append(f"{label}: {response.status_code} {got!r}, expected {status} {body!r}")
            return False
        return True

    def expect(self, label: str, ok: bool, detail: str = "", *, sent: bool = False) -> None:
        """A check of anything; `sent` when it checks the answer to one request made by hand."""
        self.checks += 1
        self.requests += sent
        if not ok:
            self.unexpected.append(f"{label}: {detail}")

    def record(self, figures: Figures, part: str, *, tries: int | None = None, **more: Any) -> None:
        """`tries` is the requests made, unless the part makes none of its own."""
        figures.record(
            part,
            tries=self.requests if tries is None else tries,
            failures=len(self.unexpected),
            checks=self.checks,
            **more,
        )

    def report(self) -> str:
        return "\n".join(self.unexpected)


# -- 1. the matrix ---------------------------------------------------------------------------------

#: routes anyone on the machine may call: the served document and its docs pages
OPEN_DOCS = {"/_simulator/openapi.json", "/_simulator/docs", "/docs/oauth2-redirect"}
#: `/` only redirects to the dashboard (`/_simulator/`), which is the control plane's
DASHBOARD_ROOT = "/"
#: tus discovery (`OPTIONS`) carries no credential in any tus server
OPEN_INGEST = {("OPTIONS", "/ingest/v1/files/")}


def classify(path: str, method: str) -> str:
    """Which credential a route takes. A route in no class is a route nobody decided about."""
    if method == "UNKNOWN":
        return "unclassified"
    if path.startswith("/api/v1/download/"):
        return "signed link"
    if path.startswith("/api/"):
        return "api key"
    if path.startswith("/ingest/"):
        return "open" if (method, path) in OPEN_INGEST else "upload token"
    if path.startswith("/_simulator/"):
        return "open" if path in OPEN_DOCS else "control plane"
    if path in OPEN_DOCS:
        return "open"
    if path == DASHBOARD_ROOT:
        return "control plane"
    return "unclassified"


def http_routes(world: World) -> list[tuple[str, str]]:
    app: Any = world.served.server.config.app
    found: list[tuple[str, str]] = []
    for route in app.routes:
        if isinstance(route, APIWebSocketRoute):
            found.append(("WEBSOCKET", route.path))
        elif isinstance(route, APIRoute | Route):
            found += [(method, route.path) for method in sorted(route.methods or ())]
        else:  # a mount, a bare websocket route...: nothing here knows how to check it
            found.append(("UNKNOWN", getattr(route, "path", repr(route))))
    return found


def object_id(path: str, meeting: Meeting) -> str:
    """A's object for a route's `{id}`; a route of a kind not known here gets a made-up id (its
    auth checks still apply, and another workspace still finds nothing)."""
    resource = path.split("/")[3]
    if resource in ("sdk_upload", "sdk-upload", "desktop-sdk-upload"):
        return str(meeting.upload["id"])
    if resource == "recording":
        return str(meeting.recording["id"])
    return meeting.artifacts.get(resource, str(uuid.UUID(int=1)))


#: operations the document declares only to say they are refused (Recall: an upload cannot be changed)
REFUSED_METHODS = {
    f"{prefix}{{id}}/": ("PATCH", "PUT")
    for prefix in ("/api/v1/sdk_upload/", "/api/v1/sdk-upload/", "/api/v2/desktop-sdk-upload/")
}


def body_for(method: str, path: str) -> dict[str, Any] | None:
    if path.endswith("/create_transcript/"):
        return TRANSCRIPT_REQUEST
    if method == "PATCH":
        return {"metadata": {"touched_by": "matrix"}}
    if method == "POST":
        return {}
    return None


def test_every_rest_endpoint_answers_each_caller_as_the_contract_says(world: World, figures: Figures) -> None:
    meeting = record_meeting(world.base_url, world.key_a)
    other = record_meeting(world.base_url, world.key_b, transcript=False)  # B's own objects
    tally = Tally()

    routes = http_routes(world)
    classes = {(m, p): classify(p, m) for m, p in routes}
    unclassified = sorted(k for k, v in classes.items() if v == "unclassified")
    tally.expect(
        "every route has a credential class", not unclassified, f"unclassified routes {unclassified}"
    )
    keyed = [(m, p) for (m, p), c in classes.items() if c == "api key"]
    # Every REST resource also answers HEAD (as its GET) and OPTIONS, as DRF's views do
    # (simulator/api/drf_methods.py): each caller is checked on those too.
    keyed += sorted({("HEAD", p) for m, p in keyed if m == "GET"} | {("OPTIONS", p) for _, p in keyed})
    # The served document lists no REST operation the app does not answer (and so leaves untested).
    document = world.client().get("/_simulator/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if path.startswith("/api/") and not path.startswith("/api/v1/download/")
    }
    tally.expect(
        "the OpenAPI document's REST operations are the routed ones",
        documented == set(keyed),
        f"documented only {sorted(documented - set(keyed))}, routed only {sorted(set(keyed) - documented)}",
    )

    # Deletes last (the recording's very last), so every other call finds A's objects in place.
    keyed.sort(key=lambda mp: (mp[0] == "DELETE", mp[1].startswith("/api/v1/recording/"), mp))
    a_ids = meeting.ids
    b_ids = other.ids
    callers = {
        "no key": (None, False, 401, NO_CREDENTIALS),
        "wrong key": (hashlib.sha1(b"wrong").hexdigest(), False, 401, INVALID_TOKEN),
        "wrong bare key": (hashlib.sha1(b"wrong").hexdigest(), True, 401, INVALID_TOKEN),
        "other region's key": (world.key_c, False, 401, INVALID_TOKEN),
        "other region's bare key": (world.key_c, True, 401, INVALID_TOKEN),
    }
    for index, (method, template) in enumerate(keyed):
        path = template.replace("{id}", object_id(template, meeting))
        path = re.sub(r"\{[^}]+\}", str(uuid.UUID(int=2)), path)
        body = body_for(method, template)
        is_object = "{" in template
        label = f"{method} {template}"
        for caller, (key, bare, status, expected) in callers.items():
            answer = world.client(key, bare=bare).request(method, path, json=body)
            tally.check(f"{label} [{caller}]", answer, status, None if method == "HEAD" else expected)
        answer = world.client(world.key_b).request(method, path, json=body)
        if method in REFUSED_METHODS.get(template, ()):
            # Declared only to say it is refused: any known caller hears 405, the owner included.
            refused = {"detail": f'Method "{method}" not allowed.'}
            tally.check(f"{label} [other workspace]", answer, 405, refused)
            for bare in (False, True):
                answer = world.client(world.key_a, bare=bare).request(method, path, json=body)
                tally.check(f"{label} [own key, {'bare' if bare else 'Token'}]", answer, 405, refused)
            continue
        if method == "OPTIONS":
            # DRF's metadata looks nothing up: any known caller gets it, and nothing of A's is in it.
            if tally.check(f"{label} [other workspace]", answer, 200):
                leaked = sorted(i for i in a_ids if i in answer.text)
                tally.expect(f"{label} [other workspace] shows nothing of A", not leaked, f"A's ids {leaked}")
        elif is_object:
            tally.check(f"{label} [other workspace]", answer, 404, None if method == "HEAD" else NOT_FOUND)
        else:
            ok = 200 if method in ("GET", "HEAD") else 201
            if tally.check(f"{label} [other workspace]", answer, ok):
                leaked = sorted(i for i in a_ids if i in answer.text)
                tally.expect(f"{label} [other workspace] shows nothing of A", not leaked, f"A's ids {leaked}")
        # A itself, Token and bare forms (deletes alternate: each deletes for real).
        forms = [False, True] if method != "DELETE" else [index % 2 == 1]
        for bare in forms:
            answer = world.client(world.key_a, bare=bare).request(method, path, json=body)
            want = {"GET": 200, "HEAD": 200, "OPTIONS": 200, "PATCH": 200, "DELETE": 204}.get(method, 201)
            if template.endswith("/create_transcript/"):
                want = 200
            form = "bare" if bare else "Token"
            if tally.check(f"{label} [own key, {form}]", answer, want) and method == "GET":
                leaked = sorted(i for i in b_ids if i in answer.text)
                tally.expect(f"{label} [own key] shows nothing of B", not leaked, f"B's ids {leaked}")
                if not is_object:
                    tally.expect(f"{label} [own key] lists A's objects", any(i in answer.text for i in a_ids))

    # B's PATCHes and DELETEs changed nothing of A's: checked on a fresh meeting, B first, then A.
    fresh = record_meeting(world.base_url, world.key_a, transcript=False)
    recording_path = f"/api/v1/recording/{fresh.recording['id']}/"
    patch = {"metadata": {"owner": "b"}}
    a, b = world.client(world.key_a), world.client(world.key_b)
    # An Idempotency-Key A used is B's own key space: no replay of A's answer to B.
    first = a.patch(recording_path, json={"metadata": {"owner": "a"}}, headers={"Idempotency-Key": "k-1"})
    tally.check("A's PATCH with an Idempotency-Key", first, 200)
    replay = b.patch(recording_path, json={"metadata": {"owner": "a"}}, headers={"Idempotency-Key": "k-1"})
    tally.check("B repeating A's Idempotency-Key", replay, 404, NOT_FOUND)
    tally.check("B's PATCH", b.patch(recording_path, json=patch), 404, NOT_FOUND)
    tally.check("B's DELETE", b.delete(recording_path), 404, NOT_FOUND)
    kind_path = f"/api/v1/video_mixed/{fresh.artifacts['video_mixed']}/"
    tally.check("B's artifact DELETE", b.delete(kind_path), 404, NOT_FOUND)
    after = a.get(recording_path)
    if tally.check("A's recording after B's attempts", after, 200):
        tally.expect("A's metadata is A's", after.json()["metadata"] == {"owner": "a"}, after.text)
        tally.expect("A's video is there", after.json()["media_shortcuts"]["video_mixed"] is not None)
    gone = a.get(f"/api/v1/recording/{meeting.recording['id']}/")
    tally.check("A's deleted recording", gone, 404, NOT_FOUND)

    tally.record(figures, "security matrix", endpoints=len(keyed))
    assert not tally.unexpected, tally.report()


# -- 2. signed download links ------------------------------------------------------------------------


def download_links(recording: dict[str, Any]) -> dict[str, str]:
    """Every signed link of a recording, by download kind (the path's last segment)."""
    links: dict[str, str] = {}
    for shortcut in recording["media_shortcuts"].values():
        for name, value in ((shortcut or {}).get("data") or {}).items():
            if name.endswith("download_url") and value:
                links[urlsplit(value).path.rsplit("/", 1)[-1]] = value
    return links


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[0]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def _flip(text: str, index: int) -> str:
    return text[:index] + ("B" if text[index] == "A" else "A") + text[index + 1 :]


def forgeries(kind: str, token: str, other_token: str, other_artifact: str) -> dict[str, str]:
    """Forged tokens for one link: its bytes changed, its claims rewritten, another link's parts."""
    payload, signature = token.split(".")
    other_payload, other_signature = other_token.split(".")
    claims = _claims(token)

    swapped_kind = "video_mixed" if kind != "video_mixed" else "audio_mixed"

    def rewritten(**changes: Any) -> str:
        return _b64(json.dumps({**claims, **changes}, separators=(",", ":")).encode())

    return {
        "signature changed": f"{payload}.{_flip(signature, 0)}",
        "signature's last char changed": f"{payload}.{_flip(signature, len(signature) - 1)}",
        "payload changed": f"{_flip(payload, len(payload) // 2)}.{signature}",
        "another artifact's id, this signature": f"{rewritten(a=other_artifact)}.{signature}",
        "a later expiry, this signature": f"{rewritten(e=claims['e'] + 365 * 86400)}.{signature}",
        "another kind, this signature": f"{rewritten(k=swapped_kind)}.{signature}",
        "this payload, another link's signature": f"{payload}.{other_signature}",
        "another link's payload, this signature": f"{other_payload}.{signature}",
        "no signature": f"{payload}.",
        "signature only": f".{signature}",
        "empty": "",
        "garbage": "not-a-token",
    }


def test_signed_download_links_refuse_every_forgery_and_expire(world: World, figures: Figures) -> None:
    meeting = record_meeting(world.base_url, world.key_a)
    other = record_meeting(world.base_url, world.key_b, transcript=False)
    links = download_links(meeting.recording)
    other_links = download_links(other.recording)
    tally = Tally()
    tally.expect("every download kind has a link", len(links) == 7, f"links for {sorted(links)}")
    anonymous = world.client()

    def refused(label: str, response: httpx.Response, status: int, body: dict[str, str]) -> None:
        tally.check(label, response, status, body)
        tally.expect(
            f"{label}: JSON, no file",
            response.headers.get("content-type") == "application/json"
            and "content-disposition" not in response.headers,
            str(response.headers),
        )

    for kind, url in links.items():
        intact = anonymous.get(url)
        if tally.check(f"{kind} intact, no key", intact, 200):
            tally.expect(
                f"{kind} intact is a file",
                len(intact.content) > 0 and "attachment" in intact.headers.get("content-disposition", ""),
            )
        token = token_of(url)
        other_kind = next(k for k in other_links if k != kind)
        for case, forged in forgeries(
            kind, token, token_of(other_links[other_kind]), other.artifacts["audio_mixed"]
        ).items():
            response = anonymous.get(f"/api/v1/download/{kind}", params={"token": forged})
            refused(f"{kind}: {case}", response, 403, INVALID_SIGNATURE)
        # A key does not stand in for a signature, whoever's it is.
        for key in (world.key_a, world.key_b):
            response = world.client(key).get(f"/api/v1/download/{kind}", params={"token": _flip(token, 0)})
            refused(f"{kind}: forged, with an API key", response, 403, INVALID_SIGNATURE)
        refused(f"{kind}: no token", anonymous.get(f"/api/v1/download/{kind}"), 403, INVALID_SIGNATURE)
        # The path changed under an intact token: another download, or one that does not exist.
        moved = next(k for k in links if k != kind)
        refused(
            f"{kind}: token moved to {moved}",
            anonymous.get(f"/api/v1/download/{moved}", params={"token": token}),
            404,
            NOT_FOUND,
        )
        refused(
            f"{kind}: token moved to an unknown kind",
            anonymous.get("/api/v1/download/video_separate", params={"token": token}),
            404,
            NOT_FOUND,
        )
        # Another workspace's intact link is a link like any other (it names its own artifact only).
        tally.check(f"{kind}: B's intact link", anonymous.get(other_links[other_kind]), 200)

    ttl = world.served.region.settings.download_url_ttl
    # The region's clock runs in real time too: links handed out just now, not before the forgery loop
    # (which takes seconds on a busy machine), are the ones 5 s from expiry after the advance.
    recording_url = f"/api/v1/recording/{meeting.recording['id']}/"
    links = download_links(world.client(world.key_a).get(recording_url).json())
    world.advance(ttl - 5)
    for kind, url in links.items():
        tally.check(f"{kind}: 5 s before expiry", anonymous.get(url), 200)
    world.advance(5)
    for kind, url in links.items():
        refused(f"{kind}: expired", anonymous.get(url), 403, LINK_EXPIRED)
        refused(
            f"{kind}: expired, with the owner's key", world.client(world.key_a).get(url), 403, LINK_EXPIRED
        )
    # The recording hands out fresh links, which work.
    fresh = world.client(world.key_a).get(recording_url).json()
    for kind, url in download_links(fresh).items():
        tally.check(f"{kind}: a fresh link after expiry", anonymous.get(url), 200)

    tally.record(figures, "security downloads", links=len(links))
    assert not tally.unexpected, tally.report()


# -- 3. upload tokens --------------------------------------------------------------------------------

NOT_STARTED = {"detail": "No recording has been started with this upload token."}


def raw_request(base_url: str, head: str, body: bytes = b"", *, wait: float = 10.0) -> tuple[int, bytes]:
    """One request written by hand on a fresh connection (headers exactly as given, a body that may be
    shorter than it says), and the status and body of the answer, read until the server closes or
    the answer is whole."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not select.select([sock], [], [], max(0.0, deadline - time.monotonic()))[0]:
                break
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
            header_end = answer.find(b"\r\n\r\n")
            if header_end >= 0:
                length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", answer[:header_end])
                if length and len(answer) >= header_end + 4 + int(length.group(1)):
                    break
    if not answer.startswith(b"HTTP/1.1 "):
        return 0, answer
    return int(answer[9:12]), answer.partition(b"\r\n\r\n")[2]


def websocket_handshake(base_url: str, query: str = "", authorization: str | None = None) -> tuple[int, Any]:
    host = urlsplit(base_url).netloc
    head = (
        f"GET /ingest/v1/realtime{query} HTTP/1.1\nHost: {host}\nUpgrade: websocket\nConnection: Upgrade\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n"
        + (f"Authorization: {authorization}\n" if authorization else "")
    )
    status, body = raw_request(base_url, head, wait=5.0)
    with contextlib.suppress(ValueError):
        return status, json.loads(body)
    return status, body


class Ingest:
    """The ingest protocol with one credential, as `Authorization: <scheme> <token>`."""

    def __init__(self, world: World, token: str | None, scheme: str = "UploadToken") -> None:
        headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
        self.http = httpx.Client(base_url=world.base_url, headers=headers, timeout=30)

    def __enter__(self) -> Ingest:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, **kwargs)

    def create(self, length: int, *, concat: str | None = None, part: str = "media") -> httpx.Response:
        headers = {
            **TUS,
            "Upload-Length": str(length),
            "Upload-Metadata": f"part {base64.b64encode(part.encode()).decode()}",
        }
        if concat:
            headers["Upload-Concat"] = concat
        return self.http.post("/ingest/v1/files/", headers=headers)

    def patch(self, url: str, offset: int, data: bytes) -> httpx.Response:
        headers = {**TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        return self.http.patch(url, headers=headers, content=data)

    def offset(self, url: str) -> int | None:
        response = self.http.head(url, headers=TUS)
        return int(response.headers["upload-offset"]) if response.status_code == 200 else None


def started_upload(world: World, key: str) -> dict[str, Any]:
    upload: dict[str, Any] = world.client(key).post("/api/v1/sdk_upload/", json={}).json()
    with Ingest(world, upload["upload_token"]) as ingest:
        response = ingest.call("POST", "/ingest/v1/recording/start", json={"platform": "zoom"})
        assert response.status_code == 201, response.text
    return upload


def test_upload_tokens_are_refused_spent_expired_elsewhere_and_swapped(
    world: World, figures: Figures
) -> None:
    tally = Tally()
    routes = [(m, p) for m, p in http_routes(world) if classify(p, m) == "upload token"]
    calls = len(routes)

    # Without one, and with made-up or swapped credentials, every ingest route is closed.
    meeting = record_meeting(world.base_url, world.key_a, transcript=False)
    spent = meeting.upload["upload_token"]
    media_url = meeting.files["media"]
    file_path = urlsplit(media_url).path
    for label, token, scheme in (
        ("no upload token", None, "UploadToken"),
        ("a made-up upload token", hashlib.sha256(b"made up").hexdigest(), "UploadToken"),
        ("the API key as an upload token", world.key_a, "UploadToken"),
        ("the upload token in the API key's scheme", spent, "Token"),
        ("the upload token bare", spent, ""),
    ):
        with Ingest(world, token, scheme) as ingest:
            if scheme == "" and token is not None:
                ingest.http.headers["Authorization"] = token
            for method, template in routes:
                if method == "WEBSOCKET":
                    auth = None if token is None else f"{scheme} {token}".strip()
                    status, body = websocket_handshake(world.base_url, authorization=auth)
                    tally.expect(
                        f"{method} {template} [{label}]",
                        (status, body) == (401, INVALID_UPLOAD_TOKEN),
                        f"{status} {body!r}",
                        sent=True,
                    )
                    continue
                path = template.replace("{file_id}", file_path.rsplit("/", 1)[-1])
                body_json = {"platform": "zoom"} if path.endswith("/start") else None
                headers = {
                    **TUS,
                    "Upload-Length": "4",
                    "Upload-Offset": "0",
                    "Content-Type": "application/offset+octet-stream",
                }
                response = (
                    ingest.call(method, path, headers=headers, json=body_json)
                    if body_json
                    else ingest.call(method, path, headers=headers)
                )
                # A HEAD answer has no body: its status is the refusal.
                expected = None if method == "HEAD" else INVALID_UPLOAD_TOKEN
                tally.check(f"{method} {template} [{label}]", response, 401, expected)
    # Upload tokens are not API keys, in either header form.
    for bare in (False, True):
        response = world.client(spent, bare=bare).get("/api/v1/sdk_upload/")
        tally.check(
            f"an upload token as an API key ({'bare' if bare else 'Token'})", response, 401, INVALID_TOKEN
        )

    # Spent: after finalize every call that would change the upload is refused, the files stay.
    with Ingest(world, spent) as ingest:
        for path, body in (
            ("/ingest/v1/recording/start", {"platform": "zoom"}),
            ("/ingest/v1/recording/pause", None),
            ("/ingest/v1/recording/resume", None),
            ("/ingest/v1/recording/end", {"duration": 1.0}),
            ("/ingest/v1/recording/finalize", {"media": {"file": media_url, "sha256": "0" * 64}}),
        ):
            tally.check(f"spent token: {path}", ingest.call("POST", path, json=body), 409, TOKEN_SPENT)
        tally.check("spent token: tus create", ingest.create(4), 409, TOKEN_SPENT)
        length = ingest.offset(media_url)
        tally.check("spent token: tus PATCH", ingest.patch(media_url, length or 0, b"more"), 409, TOKEN_SPENT)
        tally.check(
            "spent token: tus DELETE", ingest.call("DELETE", media_url, headers=TUS), 409, TOKEN_SPENT
        )
        status, body = websocket_handshake(world.base_url, authorization=f"UploadToken {spent}")
        tally.expect(
            "spent token: real-time channel",
            (status, body) == (409, TOKEN_SPENT),
            f"{status} {body!r}",
            sent=True,
        )
        status, body = websocket_handshake(world.base_url, query=f"?token={spent}")
        tally.expect(
            "spent token: real-time channel, ?token=",
            (status, body) == (409, TOKEN_SPENT),
            f"{status} {body!r}",
            sent=True,
        )
        tally.expect(
            "spent token: the media file is intact", ingest.offset(media_url) == length and bool(length)
        )
    recording = world.client(world.key_a).get(f"/api/v1/recording/{meeting.recording['id']}/").json()
    tally.expect(
        "spent token: the recording is still done", recording["status"]["code"] == "done", str(recording)
    )

    # Expired before it started: refused, and nothing started.
    fresh: dict[str, Any] = world.client(world.key_a).post("/api/v1/sdk_upload/", json={}).json()
    world.advance(world.served.region.settings.upload_token_ttl + 1)
    with Ingest(world, fresh["upload_token"]) as ingest:
        tally.check(
            "expired token: start",
            ingest.call("POST", "/ingest/v1/recording/start", json={"platform": "zoom"}),
            401,
            UPLOAD_TOKEN_EXPIRED,
        )
        tally.check("expired token: tus create", ingest.create(4), 409, NOT_STARTED)
        status, body = websocket_handshake(
            world.base_url, authorization=f"UploadToken {fresh['upload_token']}"
        )
        tally.expect(
            "expired token: real-time channel",
            (status, body) == (409, NOT_STARTED),
            f"{status} {body!r}",
            sent=True,
        )
    after = world.client(world.key_a).get(f"/api/v1/sdk_upload/{fresh['id']}/").json()
    tally.expect(
        "expired token: the upload is still pending", after["status"]["code"] == "pending", str(after)
    )
    tally.check(
        "expired token: no recording",
        world.client(world.key_a).get(f"/api/v1/recording/{fresh['recording_id']}/"),
        404,
        NOT_FOUND,
    )

    # Another upload's files, from an upload of the same workspace and from another workspace.
    owner = started_upload(world, world.key_a)
    with Ingest(world, owner["upload_token"]) as mine:
        created = mine.create(10)
        assert created.status_code == 201, created.text
        half = created.headers["location"]
        tally.check("owner: PATCH half", mine.patch(half, 0, b"12345"), 204)
        partial = mine.create(4, concat="partial").headers["location"]
        tally.check("owner: PATCH a partial", mine.patch(partial, 0, b"abcd"), 204)
        whole = mine.create(4).headers["location"]
        tally.check("owner: PATCH a whole part", mine.patch(whole, 0, b"wxyz"), 204)
        for label, key in (("same workspace", world.key_a), ("other workspace", world.key_b)):
            thief = started_upload(world, key)
            with Ingest(world, thief["upload_token"]) as theirs:
                tally.check(f"{label}: HEAD", theirs.call("HEAD", half, headers=TUS), 404)
                tally.check(f"{label}: PATCH", theirs.patch(half, 5, b"67890"), 404, NOT_FOUND)
                tally.check(f"{label}: DELETE", theirs.call("DELETE", half, headers=TUS), 404, NOT_FOUND)
                concat = theirs.http.post(
                    "/ingest/v1/files/", headers={**TUS, "Upload-Concat": f"final;{partial}"}
                )
                tally.check(f"{label}: concatenating it", concat, 403)
                manifest = {"media": {"file": whole, "sha256": hashlib.sha256(b"wxyz").hexdigest()}}
                finalize = theirs.call("POST", "/ingest/v1/recording/finalize", json=manifest)
                tally.check(
                    f"{label}: finalizing with it",
                    finalize,
                    400,
                    {"media": {"file": ["No such upload for this token."]}},
                )
                status_body = theirs.call("GET", "/ingest/v1/recording/").json()
                tally.expect(
                    f"{label}: its status lists none of them",
                    not any(
                        f["id"] in (half, partial, whole)
                        or f["id"] in {u.rsplit("/", 1)[-1] for u in (half, partial, whole)}
                        for f in status_body["files"]
                    ),
                    str(status_body["files"]),
                )
        tally.expect("owner: half is where it was", mine.offset(half) == 5)
        tally.expect("owner: the partial is whole", mine.offset(partial) == 4)
        tally.expect("owner: the part is whole", mine.offset(whole) == 4)

    tally.record(figures, "security upload tokens", routes=calls)
    assert not tally.unexpected, tally.report()


# -- 4. request body limits --------------------------------------------------------------------------


def declared_head(method: str, path: str, host: str, length: int, **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {length}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def chunked_head(method: str, path: str, host: str, **headers: str) -> str:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Transfer-Encoding: chunked"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def chunks(total: int, size: int = 8192) -> bytes:
    """`total` bytes of chunked encoding, without the final zero-length chunk: the server can only
    answer before the body ends if it counts while it reads."""
    out = b""
    while total > 0:
        n = min(size, total)
        out += f"{n:x}\r\n".encode() + b"x" * n + b"\r\n"
        total -= n
    return out


def test_oversize_bodies_are_refused_early_and_leave_nothing(world: World, figures: Figures) -> None:
    tally = Tally()
    host = urlsplit(world.base_url).netloc
    auth = f"Token {world.key_a}"
    a = world.client(world.key_a)
    uploads_before = len(world.served.region.store.find("sdk_uploads"))
    huge = 1024**3  # declared, never sent: the answer must come without it

    def raw(label: str, head: str, body: bytes, status: int, expected: Any) -> None:
        got_status, got_body = raw_request(world.base_url, head, body, wait=5.0)
        tally.requests += 1
        tally.checks += 1
        try:
            parsed: Any = json.loads(got_body)
        except ValueError:
            parsed = got_body[:200]
        if (got_status, parsed) != (status, expected):
            tally.unexpected.append(f"{label}: {got_status} {parsed!r}, expected {status} {expected!r}")

    # The REST API: declared too long, chunked past the limit, and through the Idempotency-Key path.
    json_type = {"Content_Type": "application/json"}
    raw(
        "REST, declared 1 GiB",
        declared_head("POST", "/api/v1/sdk_upload/", host, huge, Authorization=auth, **json_type),
        b'{"metadata": {',
        413,
        TOO_LARGE,
    )
    raw(
        "REST, chunked past the limit",
        chunked_head("POST", "/api/v1/sdk_upload/", host, Authorization=auth, **json_type),
        chunks(BODY_LIMIT + 8192),
        413,
        TOO_LARGE,
    )
    raw(
        "REST, chunked, with an Idempotency-Key",
        chunked_head(
            "POST", "/api/v1/sdk_upload/", host, Authorization=auth, Idempotency_Key="big-1", **json_type
        ),
        chunks(BODY_LIMIT + 8192),
        413,
        TOO_LARGE,
    )
    raw(
        "REST, declared 1 GiB, with an Idempotency-Key",
        declared_head(
            "POST",
            "/api/v1/sdk_upload/",
            host,
            huge,
            Authorization=auth,
            Idempotency_Key="big-2",
            **json_type,
        ),
        b"{",
        413,
        TOO_LARGE,
    )
    # Authentication still comes first, as Django REST Framework does it.
    raw(
        "REST, declared 1 GiB, no key",
        declared_head("POST", "/api/v1/sdk_upload/", host, huge, **json_type),
        b"{",
        401,
        NO_CREDENTIALS,
    )
    padded = {"metadata": {"pad": "x" * BODY_LIMIT}}
    tally.check(
        "REST, an ordinary client's oversize JSON", a.post("/api/v1/sdk_upload/", json=padded), 413, TOO_LARGE
    )
    # The refused Idempotency-Keys were not spent: the same keys with a small body do the work.
    for key in ("big-1", "big-2"):
        retried = a.post("/api/v1/sdk_upload/", json={}, headers={"Idempotency-Key": key})
        tally.check(f"REST, {key} again with a small body", retried, 201)
        tally.expect(f"REST, {key} was not a replay", "idempotent-replayed" not in retried.headers)
    fits = json.dumps({"metadata": {"pad": ""}})
    exact = fits.replace('""', '"' + "y" * (BODY_LIMIT - len(fits)) + '"')
    tally.check(
        "REST, exactly at the limit",
        a.post("/api/v1/sdk_upload/", content=exact, headers={"content-type": "application/json"}),
        201,
    )
    uploads_after = len(world.served.region.store.find("sdk_uploads"))
    tally.expect(
        "REST, only the accepted creates made uploads",
        uploads_after == uploads_before + 3,
        f"{uploads_after - uploads_before} new uploads",
    )

    meeting = record_meeting(world.base_url, world.key_a, transcript=False)
    recording_path = f"/api/v1/recording/{meeting.recording['id']}/"
    raw(
        "REST PATCH, chunked past the limit",
        chunked_head("PATCH", recording_path, host, Authorization=auth, **json_type),
        chunks(BODY_LIMIT + 1),
        413,
        TOO_LARGE,
    )
    tally.expect("REST PATCH changed nothing", a.get(recording_path).json()["metadata"] == {})

    # The ingest calls and the control plane have the same ceiling.
    upload = started_upload(world, world.key_a)
    token = f"UploadToken {upload['upload_token']}"
    raw(
        "ingest finalize, chunked past the limit",
        chunked_head("POST", "/ingest/v1/recording/finalize", host, Authorization=token, **json_type),
        chunks(BODY_LIMIT + 1),
        413,
        TOO_LARGE,
    )
    raw(
        "ingest end, declared 1 GiB",
        declared_head("POST", "/ingest/v1/recording/end", host, huge, Authorization=token, **json_type),
        b"{",
        413,
        TOO_LARGE,
    )
    workspaces_before = len(world.client().get("/_simulator/workspaces").json())
    raw(
        "control plane, declared 1 GiB",
        declared_head("POST", "/_simulator/workspaces", host, huge, **json_type),
        b"{",
        413,
        TOO_LARGE,
    )
    raw(
        "control plane, chunked past the limit",
        chunked_head("POST", "/_simulator/workspaces", host, **json_type),
        chunks(BODY_LIMIT + 1),
        413,
        TOO_LARGE,
    )
    tally.expect(
        "control plane made no workspace",
        len(world.client().get("/_simulator/workspaces").json()) == workspaces_before,
    )
    with Ingest(world, upload["upload_token"]) as ingest:
        status = ingest.call("GET", "/ingest/v1/recording/").json()
        tally.expect(
            "ingest: still recording, not ended",
            not status["recording_ended"] and not status["finalized"],
            str(status),
        )

        # tus: a chunk past the upload's length, declared or streamed, and creation-with-upload.
        created = ingest.create(1000)
        url = created.headers["location"]
        path = urlsplit(url).path
        file_id = path.rsplit("/", 1)[-1]
        tus_headers = {
            "Authorization": token,
            "Tus_Resumable": "1.0.0",
            "Upload_Offset": "0",
            "Content_Type": "application/offset+octet-stream",
        }
        over = {"detail": "The request body goes past Upload-Length."}
        raw(
            "tus PATCH, declared past Upload-Length",
            declared_head("PATCH", path, host, 2000, **tus_headers),
            b"x" * 10,
            413,
            over,
        )
        raw(
            "tus PATCH, declared 1 GiB",
            declared_head("PATCH", path, host, huge, **tus_headers),
            b"x" * 10,
            413,
            over,
        )
        raw(
            "tus PATCH, chunked past Upload-Length",
            chunked_head("PATCH", path, host, **tus_headers),
            chunks(1500, 500),
            413,
            over,
        )
        record = world.served.region.tus.files.get(file_id)
        tally.expect("tus: the offset did not move", ingest.offset(url) == 0)
        tally.expect(
            "tus: nothing was written",
            record is not None and world.served.region.blobs.size(record.blob) == 0,
        )
        files_before = len(ingest.call("GET", "/ingest/v1/recording/").json()["files"])
        creation = {
            "Authorization": token,
            "Tus_Resumable": "1.0.0",
            "Upload_Length": "10",
            "Upload_Metadata": f"part {base64.b64encode(b'media').decode()}",
            "Content_Type": "application/offset+octet-stream",
        }
        raw(
            "tus creation-with-upload, declared past Upload-Length",
            declared_head("POST", "/ingest/v1/files/", host, 100, **creation),
            b"x" * 100,
            413,
            over,
        )
        raw(
            "tus creation-with-upload, chunked past Upload-Length",
            chunked_head("POST", "/ingest/v1/files/", host, **creation),
            chunks(100, 20) + b"0\r\n\r\n",
            413,
            over,
        )
        files_after = len(ingest.call("GET", "/ingest/v1/recording/").json()["files"])
        tally.expect(
            "tus: refused creations left no file",
            files_after == files_before,
            f"{files_after - files_before} files left",
        )
        tally.check("tus: the whole chunk afterwards", ingest.patch(url, 0, b"z" * 1000), 204)
        tally.expect("tus: now complete", ingest.offset(url) == 1000)

    tally.record(figures, "security body limits", limit=BODY_LIMIT)
    assert not tally.unexpected, tally.report()


# -- 5. the bind address -----------------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """The local IPv4/IPv6 addresses something listens on at `port`, from /proc/net/tcp{,6}."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                address, _, hex_port = fields[1].rpartition(":")
                if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                    if len(address) == 8:
                        found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(address)[::-1]))
                    else:
                        raw = b"".join(bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, 32, 8))
                        found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def test_the_server_binds_loopback_unless_told_otherwise(figures: Figures) -> None:
    from recall_sim.simulator.cli import serve

    tally = Tally()
    tally.expect("Settings().host", Settings().host == "127.0.0.1", Settings().host)
    default = inspect.signature(serve).parameters["host"].default
    tally.expect("recall-sim serve --host default", default == "127.0.0.1", repr(default))
    tally.expect(
        "served() takes its host from Settings only", "host" not in inspect.signature(served).parameters
    )
    with served() as region:
        port = int(urlsplit(region.base_url).port or 0)
        tally.expect("served() base URL", urlsplit(region.base_url).hostname == "127.0.0.1", region.base_url)
        bound = {sock.getsockname()[0] for server in region.server.servers for sock in server.sockets}
        tally.expect("served() socket", bound == {"127.0.0.1"}, str(bound))
        tally.expect(
            "served() listens on loopback only",
            listening_addresses(port) == {"127.0.0.1"},
            str(listening_addresses(port)),
        )
    # The command itself, run as a partner runs it (its socket is checked with the logs, below).
    tally.record(figures, "security bind address", tries=tally.checks)
    assert not tally.unexpected, tally.report()


# -- 6. credentials never in the logs ----------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)  # uvicorn's TRACE (5) is below DEBUG
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Only the server's: the test's own httpx client logs its requests, links included, on the
        # main thread; the served region runs on its own thread.
        if record.threadName and record.threadName.startswith("recall-sim:"):
            self.lines.append(f"{record.name} {record.levelname} {self.format(record)}")


@contextlib.contextmanager
def captured_logs() -> Iterator[Capture]:
    """Every record at DEBUG: the root logger (the region's own loggers) and uvicorn's, which do not
    propagate to the root."""
    capture = Capture()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn"), logging.getLogger("uvicorn.access")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(capture)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(capture)
            logger.setLevel(level)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lifecycle_with_failures(base_url: str, key: str, hook: str) -> set[str]:
    """A meeting recorded and transcribed, webhooks failing to a closed port, and failures of every
    kind on the way; the credentials it saw (keys, secrets, upload tokens, download tokens and their
    signatures) are returned, to be looked for in the logs."""
    secrets = {key}
    with httpx.Client(base_url=base_url, timeout=30) as control:
        endpoint = control.post("/_simulator/webhooks/endpoints", json={"url": hook}).json()
        secrets.add(control.get(f"/_simulator/webhooks/endpoints/{endpoint['id']}/secret").json()["key"])
        other = control.post("/_simulator/workspaces", json={"name": "B"}).json()
        for workspace in control.get("/_simulator/workspaces").json():
            secrets |= {*workspace["api_keys"], workspace["webhook_secret"]}
        meeting = record_meeting(base_url, key)
        secrets.add(meeting.upload["upload_token"])
        links = download_links(meeting.recording)
        for url in links.values():
            token = token_of(url)
            secrets |= {token, token.split(".")[1]}
            control.get(url)  # served
            control.get(url.replace(token, _flip(token, 0)))  # forged: 403
        for bare in (False, True):
            wrong = {"Authorization": other["api_keys"][0] if bare else f"Token {other['api_keys'][0]}"}
            control.get(f"/api/v1/recording/{meeting.recording['id']}/", headers=wrong)  # 404
            control.get("/api/v1/sdk_upload/", headers={"Authorization": f"Token {key}x"})  # 401
        control.post(
            "/api/v1/sdk_upload/",
            headers={"Authorization": f"Token {key}"},
            json={"metadata": {"pad": "x" * (2 * 1024 * 1024)}},
        )  # 413
        spent = meeting.upload["upload_token"]
        control.post(
            "/ingest/v1/recording/start",
            headers={"Authorization": f"UploadToken {spent}"},
            json={"platform": "zoom"},
        )  # 409
        control.get("/ingest/v1/recording/", headers={"Authorization": f"UploadToken {spent}x"})  # 401
        websocket_handshake(base_url, query=f"?token={spent}")  # 409, its query logged by uvicorn
        websocket_handshake(base_url, authorization=f"UploadToken {spent}")
        created = control.post("/api/v1/sdk_upload/", headers={"Authorization": key}, json={}).json()
        secrets.add(created["upload_token"])

        def failed_attempts() -> bool:
            attempts = control.get(
                f"/_simulator/webhooks/endpoints/{endpoint['id']}/attempts", params={"status": "failed"}
            ).json()
            return len(attempts) >= 3

        _wait_for(failed_attempts, "webhook attempts to the closed port to fail")
    return secrets


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s[:12] + "..." for s in secrets if s and s in text)


def test_no_credential_reaches_a_log_line(figures: Figures) -> None:
    tally = Tally()
    settings = Settings(seed=7302, rate_limits=False)
    # Capture from inside: uvicorn's Config replaces the handlers of its loggers when it is made.
    # trace: uvicorn logs every ASGI message and scope (headers included) on top of DEBUG.
    with served(settings, log_level="trace", access_log=True) as region, captured_logs() as capture:
        secrets = lifecycle_with_failures(
            region.base_url, region.api_key, f"http://127.0.0.1:{closed_port()}/hook"
        )
        text = "\n".join(capture.lines)
    tally.expect("served: the access log was captured", '"GET /api/v1/download/' in text, text[-500:])
    tally.expect("served: the real-time handshake was logged", "WebSocket /ingest/v1/realtime" in text)
    found = leaks(text, secrets)
    tally.expect("served: no credential in the logs", not found, f"{found} in {len(capture.lines)} lines")

    # The command, as a partner runs it: its panel prints the key and secrets once; nothing after it may.
    hook = f"http://127.0.0.1:{closed_port()}/hook"
    command = [
        sys.executable,
        "-c",
        "from recall_sim.scenarios.cli import main; main()",
        "serve",
        "--port",
        "0",
        "--in-memory",
        "--seed",
        "7303",
        "--delays",
        "instant",
        "--log-level",
        "trace",
        "--access-log",
        "--webhook-url",
        hook,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out: dict[str, bytes] = {"stdout": b"", "stderr": b""}
    try:
        streams = {proc.stdout.fileno(): "stdout", proc.stderr.fileno(): "stderr"}  # type: ignore[union-attr]

        def pump(timeout: float) -> None:
            for fd in select.select(list(streams), [], [], timeout)[0]:
                chunk = os.read(fd, 65536)
                if chunk:
                    out[streams[fd]] += chunk
                else:
                    streams.pop(fd)

        deadline = time.monotonic() + 30
        while b"curl " not in out["stdout"] or not out["stdout"].rstrip(b" ").endswith(b"\n"):
            assert time.monotonic() < deadline, out
            assert proc.poll() is None, out
            pump(0.5)
        panel = out["stdout"].decode()
        out["stdout"], startup_err = b"", out["stderr"]
        base_url = re.search(r"base URL\s+(http://[\d.]+:\d+)", panel)
        key = re.search(r"API key\s+([0-9a-f]{40})", panel)
        assert base_url is not None, panel
        assert key is not None, panel
        port = int(base_url.group(1).rsplit(":", 1)[1])
        tally.expect(
            "recall-sim serve binds loopback",
            base_url.group(1).startswith("http://127.0.0.1:") and listening_addresses(port) == {"127.0.0.1"},
            str(listening_addresses(port)),
        )
        tally.expect("the panel shows the key", key.group(1) in panel)
        stop = threading.Event()

        def drain() -> None:
            while streams and not stop.is_set():
                pump(0.1)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        secrets = lifecycle_with_failures(base_url.group(1), key.group(1), hook)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        stop.set()
        reader.join(timeout=5)
        pump(0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    after = (startup_err + out["stdout"] + out["stderr"]).decode(errors="replace")
    tally.expect(
        "recall-sim serve: the access log was written", '"GET /api/v1/download/' in after, after[-500:]
    )
    found = leaks(after, secrets)
    tally.expect(
        "recall-sim serve: nothing after the panel names a credential",
        not found,
        f"{found} in {after.count(chr(10))} lines",
    )

    lines = len(capture.lines) + after.count("\n")
    tally.record(figures, "security logs", tries=tally.checks, lines=lines, secrets=len(secrets))
    assert not tally.unexpected, tally.report()
