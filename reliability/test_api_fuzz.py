"""API fuzzing: schemathesis against the served region's own OpenAPI document, over real HTTP.

Every operation the document declares (the REST API, the ingest calls and the `/_simulator/` control
plane) gets generated requests, valid and invalid, and every answer is checked: no 5xx, a status the
operation declares, the content type it declares, a body that matches its schema. A stateful pass then
follows the document's links (an upload's id to its retrieval, a recording's id to its artifacts, ...).

Nothing leaves this machine: the region is served on 127.0.0.1 and delivers webhooks and real-time
events (to whatever URLs the fuzzer registers) through an in-process transport that answers 200.
The WebSocket channel is not in the document (OpenAPI cannot describe it) and is not fuzzed here.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from rich.console import Console
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful.state_machine import APIStateMachine, StepInput, StepOutput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recall_sim.recorder.upload_cli import upload_file
from recall_sim.scenarios.sample_media import make_mp3, make_mp4, utterance
from recall_sim.simulator import Settings
from recall_sim.simulator.region import Region
from recall_sim.simulator.serve import ServedRegion, served
from reliability.conftest import Figures

pytestmark = pytest.mark.served

SEED = int(os.environ.get("RECALL_SIM_FUZZ_SEED", "20261201"))

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

#: Every operation of the document is fuzzed. One needs care: `control_fault_create` makes rules that
#: answer any status on any route, which would make every later answer "undeclared". So each rule it
#: makes is tried once (`probe_fault`) and then cleared.
FAULT_CREATE = "control_fault_create"


def _ok(_: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={})


@contextmanager
def fuzzed_region(seed: int) -> Iterator[Caller]:
    # Time stands still (only the control plane's clock advance moves it) so a run is replayable.
    settings = Settings(seed=seed, time_scale=0, delays="instant")
    region = Region(
        settings,
        webhook_transport=httpx.MockTransport(_ok),
        realtime_transport=httpx.MockTransport(_ok),
    )
    try:
        with served(region=region) as handle:
            caller = Caller(handle)
            try:
                yield caller
            finally:
                caller.close()
    finally:
        region.close()


@dataclass
class Tally:
    """What a pass did: requests made, the check failures they met, 5xx answers among them."""

    requests: int = 0
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)
    operations: set[str] = field(default_factory=set)
    statuses: dict[int, int] = field(default_factory=dict)
    answers: dict[tuple[str, int], int] = field(default_factory=dict)
    rounds_cut_short: int = 0

    def report(self, case: schemathesis.Case, response: schemathesis.Response) -> None:
        self.requests += 1
        self.operations.add(case.operation.label)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        answer = (case.operation.label, response.status_code)
        self.answers[answer] = self.answers.get(answer, 0) + 1
        if response.status_code >= 500:
            self.server_errors += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            titles = ", ".join(sorted({failure.title for failure in group.exceptions}))
            self.failures.append(f"{case.operation.label} -> {response.status_code}: {titles}\n{group}")


class Caller:
    """Sends a case with the credentials its operation takes, read afresh each time (a fuzzed reset
    or seed gives the region a new key)."""

    def __init__(self, handle: ServedRegion) -> None:
        self.handle = handle
        self.http = httpx.Client(base_url=handle.base_url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def upload_token(self, *, started: bool) -> str:
        """A fresh upload's token; `started`: its recording started too, as the calls after
        `start` need (else they would all answer 409 and test nothing past it)."""
        response = self.http.post("/api/v1/sdk_upload/", headers=self.auth())
        if response.status_code == 429:  # hundreds of ingest cases a (frozen) minute: let it pass
            self.let_a_minute_pass()
            response = self.http.post("/api/v1/sdk_upload/", headers=self.auth())
        response.raise_for_status()
        token: str = response.json()["upload_token"]
        if started:
            headers = {"Authorization": f"UploadToken {token}"}
            self.http.post("/ingest/v1/recording/start", headers=headers, json={}).raise_for_status()
        return token

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.handle.api_key}"}

    def headers_for(self, case: schemathesis.Case) -> dict[str, str]:
        if case.path.startswith("/ingest/"):
            token = self.upload_token(started=case.path != "/ingest/v1/recording/start")
            return {"Authorization": f"UploadToken {token}"}
        if case.path.startswith("/_simulator/"):
            return {}
        return self.auth()

    def send(self, case: schemathesis.Case, tally: Tally) -> schemathesis.Response:
        response = case.call(base_url=self.handle.base_url, headers=self.headers_for(case))
        tally.report(case, response)
        if case.operation.definition.raw.get("operationId") == FAULT_CREATE:
            if response.status_code == 201:
                self.probe_fault(response.json(), tally)
            self.http.delete("/_simulator/faults").raise_for_status()
        return response

    def probe_fault(self, rule: dict[str, Any], tally: Tally) -> None:
        """A rule that answers a status must answer it as HTTP allows, and leave the connection
        usable: two requests on one connection, both answered (the region's clock stands still, so
        rules with latency would wait for ever, and a drop is meant to break the connection)."""
        if rule.get("status") is None or rule.get("latency") or rule.get("drop"):
            return
        path = "/api/v1/sdk_upload/"
        rule_id = rule["id"]
        self.http.delete("/_simulator/faults").raise_for_status()
        exact = {**rule, "route": path, "methods": None, "count": None, "probability": 1.0}
        for key in ("id", "fired", "matched"):
            exact.pop(key, None)
        self.http.post("/_simulator/faults", json=exact).raise_for_status()
        with httpx.Client(base_url=self.handle.base_url, timeout=10) as client:
            for _ in range(2):
                tally.requests += 1
                try:
                    answer = client.get(path, headers=self.auth())
                except httpx.TransportError as error:
                    tally.failures.append(f"fault rule {rule_id} {exact}: the connection broke: {error!r}")
                    return
                if answer.status_code != rule["status"]:
                    tally.failures.append(f"fault rule {rule_id} {exact}: answered {answer.status_code}")

    def add_recordings(self) -> None:
        """Two finished recordings (video with a spoken line, audio only), uploaded over the ingest
        protocol, so that lists have results and links lead to real recordings and artifacts."""
        speech = [utterance(100, "Host", [("hello", 0.2, 0.6), ("there", 0.7, 1.1)], is_host=True)]
        with tempfile.TemporaryDirectory() as folder:
            media = {"meeting.mp4": make_mp4(2.0, speech=speech), "meeting.mp3": make_mp3(2.0)}
            for name, data in media.items():
                path = Path(folder) / name
                path.write_bytes(data)
                done = asyncio.run(
                    upload_file(
                        path,
                        base_url=self.handle.base_url,
                        api_key=self.handle.api_key,
                        upload_token=None,
                        console=Console(quiet=True),
                        timeout=60,
                    )
                )
                assert done.get("status", {}).get("code") == "done", done

    def let_a_minute_pass(self) -> None:
        """Rate limits count per minute: a minute between operations keeps 429s from hiding the rest."""
        self.http.post("/_simulator/clock", json={"advance": 61}).raise_for_status()


def _settings(examples: int, *, derandomize: bool) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        derandomize=derandomize,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def served_document(caller: Caller) -> dict[str, Any]:
    response = caller.http.get("/_simulator/openapi.json")
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def fuzz_operations(
    caller: Caller,
    examples: int,
    *,
    seed: int | None,
    document: dict[str, Any] | None = None,
    only: set[str] | None = None,
) -> Tally:
    """`examples` valid and `examples` invalid requests per operation (of `only`, when given) of the
    served document (or `document`); derandomized when `seed` is None."""
    schema = schemathesis.openapi.from_dict(document or served_document(caller))
    tally = Tally()
    caller.add_recordings()
    for result in schema.get_all_operations():
        operation = result.ok()
        if only is not None and operation.definition.raw.get("operationId") not in only:
            continue
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @_settings(examples, derandomize=seed is None)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                caller.send(case, tally)

            if seed is not None:
                run = hypothesis.seed(seed)(run)

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                # Nothing to make invalid: an operation with no parameters and no body.
                assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
        caller.let_a_minute_pass()
    return tally


def fuzz_links(caller: Caller, scenarios: int, *, per_round: int = 25) -> Tally:
    """`scenarios` sequences of calls along the document's links, derandomized (replayable as it is).

    The region keeps what each sequence did, so Hypothesis can meet a sequence whose replayed prefix
    now draws differently (FlakyStrategyDefinition): that ends the round early, is counted, and the
    next round starts from a freshly reset region. A check failure is never swallowed this way: each
    is tallied as it happens."""
    schema = schemathesis.openapi.from_dict(served_document(caller))
    tally = Tally()
    base: Any = schema.as_state_machine()

    class Links(base):  # type: ignore[misc, valid-type]
        def step(self, input: StepInput) -> StepOutput:
            response = caller.send(input.case, tally)
            return StepOutput(response, input.case)

    machine: type[APIStateMachine] = Links
    done = 0
    while done < scenarios:
        size = min(per_round, scenarios - done)
        # The operations pass (or the last round) reset and changed the region: start it afresh.
        caller.http.post("/_simulator/reset", json={"seed": SEED}).raise_for_status()
        caller.add_recordings()
        try:
            machine.run(
                settings=hypothesis.settings(
                    _settings(size, derandomize=True), stateful_step_count=10, max_examples=size
                )
            )
        except hypothesis.errors.FlakyStrategyDefinition:
            tally.rounds_cut_short += 1
        done += size
    return tally


def _record(figures: Figures, part: str, tallies: list[Tally]) -> None:
    requests = sum(t.requests for t in tallies)
    failures = [f for t in tallies for f in t.failures]
    operations = set().union(*(t.operations for t in tallies))
    statuses: dict[int, int] = {}
    for t in tallies:
        for status, n in t.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    figures.record(
        part,
        tries=requests,
        failures=len(failures),
        operations=len(operations),
        **{"5xx": sum(t.server_errors for t in tallies)},
        statuses=" ".join(f"{s}:{n}" for s, n in sorted(statuses.items())),
        seed=SEED,
        stateful_rounds_cut_short=sum(t.rounds_cut_short for t in tallies),
    )
    kinds: dict[str, int] = {}
    for failure in failures:
        kinds[failure.splitlines()[0]] = kinds.get(failure.splitlines()[0], 0) + 1
    summary = "\n".join(f"{n:5} x {kind}" for kind, n in sorted(kinds.items()))
    first = "\n".join(failures[:3])
    assert not failures, f"{len(failures)} check failures (seed {SEED}):\n{summary}\nthe first:\n{first}"


#: Hostile JSON, by class: bodies no parser should choke on. `field` is a property of the operation's
#: own body, so that the hostile part sits where the region looks. The classes whose name starts with
#: "parse error" must answer 400 `{"detail": "JSON parse error - ..."}`; the others any status the
#: operation declares. None may answer 5xx or break the keep-alive connection it came on.
HOSTILE_JSON: dict[str, Callable[[str], bytes]] = {
    "parse error: arrays nested 1,000 deep": lambda field: b"[" * 1000 + b"]" * 1000,
    "parse error: objects nested 1,000 deep": lambda field: b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "parse error: a field nested 1,000 deep": lambda field: (
        b'{"%s": ' % field.encode() + b"[" * 1000 + b"]" * 1000 + b"}"
    ),
    "parse error: a number past a float": lambda field: b'{"%s": 1e400}' % field.encode(),
    "parse error: a negative number past a float": lambda field: b'{"%s": -1e400}' % field.encode(),
    "parse error: an integer of 5,000 digits": lambda field: b'{"%s": 1%s}' % (field.encode(), b"0" * 5000),
    "duplicate keys": lambda field: b'{"%s": {}, "%s": "last"}' % (field.encode(), field.encode()),
    "duplicate keys, null last": lambda field: (
        b'{"%s": "first", "%s": null}' % (field.encode(), field.encode())
    ),
    "a very long key": lambda field: b'{"%s": 1}' % (b"k" * 100_000),
    "a very long key inside a field": lambda field: b'{"%s": {"%s": "v"}}' % (field.encode(), b"k" * 100_000),
}


def _fields(document: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """The properties of an operation's JSON body (following a $ref), or ["metadata"]."""
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    for _ in range(3):
        if "$ref" in schema:
            schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in schema:
            schema = next((s for s in schema["anyOf"] if s != {"type": "null"}), {})
    return sorted(schema.get("properties", {})) or ["metadata"]


def fuzz_hostile_json(caller: Caller) -> tuple[Tally, dict[str, int]]:
    """Every class of HOSTILE_JSON to every operation of the served document that reads a JSON body,
    each on a keep-alive connection that must then answer the next request."""
    document = served_document(caller)
    tally = Tally()
    per_class = dict.fromkeys(HOSTILE_JSON, 0)
    host, port = caller.handle.base_url.removeprefix("http://").split(":")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            label = f"{method.upper()} {path}"
            target = re.sub(r"\{[^}]+\}", str(uuid.UUID(int=5)), path)
            fields = _fields(document, operation)
            for n, (kind, make) in enumerate(HOSTILE_JSON.items()):
                body = make(fields[n % len(fields)])
                if path.startswith("/ingest/"):
                    started = path != "/ingest/v1/recording/start"
                    token = caller.upload_token(started=started)
                    headers = {"Authorization": f"UploadToken {token}"}
                elif path.startswith("/_simulator/"):
                    headers = {}
                else:
                    headers = caller.auth()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                try:
                    connection.request(
                        method.upper(),
                        target,
                        body=body,
                        headers={**headers, "Content-Type": "application/json"},
                    )
                    answer = connection.getresponse()
                    status, raw = answer.status, answer.read()
                    tally.requests += 1
                    per_class[kind] += 1
                    tally.operations.add(label)
                    tally.statuses[status] = tally.statuses.get(status, 0) + 1
                    where = f"{label} [{kind}] -> {status} {raw[:200]!r}"
                    if status >= 500:
                        tally.server_errors += 1
                        tally.failures.append(f"{where}: a server error")
                    elif kind.startswith("parse error"):
                        detail = json.loads(raw) if raw else None
                        parse_error = status == 400 and list(detail or {}) == ["detail"]
                        if not parse_error or not detail["detail"].startswith("JSON parse error - "):
                            tally.failures.append(f"{where}: not a 400 parse error")
                    elif str(status) not in operation["responses"]:
                        tally.failures.append(f"{where}: a status the operation does not declare")
                    first = connection.sock
                    connection.request("GET", "/_simulator/health")
                    after = connection.getresponse()
                    after.read()
                    tally.requests += 1
                    if after.status != 200 or connection.sock is not first:
                        tally.failures.append(f"{where}: the connection did not answer the next request")
                except (OSError, http.client.HTTPException) as error:
                    tally.failures.append(f"{label} [{kind}]: the connection broke: {error!r}")
                finally:
                    connection.close()
                # A body that made a fault rule or moved things on must not change the next answer.
                caller.http.delete("/_simulator/faults").raise_for_status()
                caller.let_a_minute_pass()  # rate limits (5 transcripts a minute) come before the body
    return tally, per_class


@pytest.mark.quick
def test_hostile_json_bodies_are_refused_or_read_and_never_break_a_connection(figures: Figures) -> None:
    with fuzzed_region(SEED) as caller:
        tally, per_class = fuzz_hostile_json(caller)
    failures = tally.failures
    figures.record(
        "api fuzzing: hostile JSON",
        tries=tally.requests,
        failures=len(failures),
        operations=len(tally.operations),
        **{"5xx": tally.server_errors},
        statuses=" ".join(f"{s}:{n}" for s, n in sorted(tally.statuses.items())),
        classes=", ".join(f"{kind.removeprefix('parse error: ')} {n}" for kind, n in per_class.items()),
    )
    assert tally.operations, "no operation of the document reads a JSON body"
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:10])


@pytest.mark.quick
def test_the_checks_catch_an_answer_the_document_does_not_declare() -> None:
    """The fuzzing can fail: against a document that forgets a retrieval's 404 and an upload's
    `upload_token`, those answers are reported."""
    with fuzzed_region(SEED) as caller:
        document = served_document(caller)
        paths = document["paths"]
        del paths["/api/v1/sdk_upload/{id}/"]["get"]["responses"]["404"]
        upload = document["components"]["schemas"]["SdkUpload"]
        upload["properties"].pop("upload_token")
        upload["required"].remove("upload_token")
        only = {"sdk_upload_retrieve", "sdk_upload_create"}
        tally = fuzz_operations(caller, 3, seed=None, document=document, only=only)
    kinds = {failure.splitlines()[0] for failure in tally.failures}
    assert "GET /api/v1/sdk_upload/{id}/ -> 404: Undocumented status code" in kinds, kinds
    violation = "POST /api/v1/sdk_upload/ -> 201: Response violates schema"
    assert any(kind.startswith(violation) for kind in kinds), kinds


@pytest.mark.quick
def test_every_operation_answers_as_declared_quick(figures: Figures) -> None:
    with fuzzed_region(SEED) as caller:
        tallies = [fuzz_operations(caller, 3, seed=None), fuzz_links(caller, 8)]
    _record(figures, "api fuzzing", tallies)


@pytest.mark.thorough
def test_every_operation_answers_as_declared_thorough(figures: Figures) -> None:
    examples = int(os.environ.get("RECALL_SIM_FUZZ_EXAMPLES", "300"))
    with fuzzed_region(SEED) as caller:
        tallies = [
            fuzz_operations(caller, examples, seed=SEED),
            fuzz_links(caller, examples),
        ]
    _record(figures, "api fuzzing (thorough)", tallies)
