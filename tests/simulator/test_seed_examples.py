"""The seed document's examples, verbatim (tests/simulator/seed/examples.toml): every request body is sent
byte for byte (Python's `True` as JSON `true`) and every response and webhook example is checked against
what the region answers, in both profiles.

Where the seed and the contract disagree, the contract (Recall's observed behaviour) wins, and the test
says so where it checks it:
- The retrieve-recording example says `shortcuts`; Recall answers `media_shortcuts`.
- The streaming create request's `transcript` sits at the top level of the body as the seed prints it,
  where Recall ignores it as an unknown field (the contract puts it in `recording_config`). Placed where
  the contract puts it, `assembly_ai_streaming` is accepted by a `seed` workspace and refused by a
  `current` one ("Unable to get temporary credentials").
- `sdk_upload.completed` and `sdk_upload.failed` in the seed's shape are what a `seed` workspace hears;
  a `current` workspace hears `sdk_upload.complete` / `sdk_upload.failed` in today's expanded shape, with
  the same value formats.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.scenarios.sample_media import make_mp4
from recall_sim.seams import VirtualClock
from recall_sim.simulator.settings import ApiProfile
from tests.simulator.ingest.helpers import record_and_upload
from tests.simulator.receiving import receiving_region
from tests.simulator.transcription.helpers import record_meeting
from tests.support import Sim

EXAMPLES_FILE = Path(__file__).parent / "seed" / "examples.toml"
EXAMPLES: dict[str, dict[str, Any]] = {
    e["name"]: e for e in tomllib.loads(EXAMPLES_FILE.read_text("utf-8"))["example"]
}

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
URL = re.compile(r"https?://[^/\s]+(/\S*)?")
#: a line the seed's extraction lost and the data file puts back: brackets, commas and spaces only
BRACKETS_ONLY = re.compile(r"\s*[{}\[\],]*\s*")


def wire(name: str) -> bytes:
    """A request example's body as sent: its text byte for byte, Python's `True` written as JSON.
    The text's last newline is the data file's, not the example's."""
    text: str = EXAMPLES[name]["text"].removesuffix("\n")
    return re.sub(r"\bTrue\b", "true", text).encode("utf-8")


def documented(name: str) -> Any:
    """A response or webhook example, read: its typos repaired as the data file says, and the trailing
    commas the seed's cut-off left read as JSON5 would."""
    text: str = EXAMPLES[name]["text"]
    for typo, meant in EXAMPLES[name].get("repairs", []):
        text = text.replace(typo, meant)
    text = re.sub(r",(\s*[}\]])", r"\1", re.sub(r"\bTrue\b", "true", text))
    return json.loads(text)


def assert_documented(ours: Any, example: Any, *, exact: bool, where: str = "") -> None:
    """`ours` has the example's shape and value formats: every key of the example (with `exact`, no
    others), ids as UUIDs, datetimes in Recall's format, links as absolute URLs, other values equal."""
    if isinstance(example, dict):
        assert isinstance(ours, dict), where
        if exact:
            assert sorted(ours) == sorted(example), where
        for key, value in example.items():
            assert key in ours, f"{where}.{key} missing"
            assert_documented(ours[key], value, exact=exact, where=f"{where}.{key}")
    elif isinstance(example, str) and UUID.fullmatch(example):
        assert isinstance(ours, str), where
        assert UUID.fullmatch(ours), (where, ours)
    elif isinstance(example, str) and DATETIME.fullmatch(example):
        assert isinstance(ours, str), where
        assert DATETIME.fullmatch(ours), (where, ours)
    elif isinstance(example, str) and URL.fullmatch(example):
        assert isinstance(ours, str), where
        assert URL.fullmatch(ours), (where, ours)
    else:
        assert ours == example, where


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_is_the_seeds_text_with_only_lost_brackets_put_back(name: str) -> None:
    example = EXAMPLES[name]
    seed_lines: list[str] = example["seed"].removesuffix("\n").split("\n")
    if not example["text"]:  # a request with no body: the seed shows its headers only
        assert example["kind"] == "request"
        assert example["headers"] in example["seed"]
        return
    lines: list[str] = example["text"].removesuffix("\n").split("\n")
    added = []
    at = 0
    for line in lines:
        if at < len(seed_lines) and line == seed_lines[at]:
            at += 1
        else:
            added.append(line)
    assert at == len(seed_lines), f"{name}: the seed's line {seed_lines[at]!r} is not in the text"
    assert all(BRACKETS_ONLY.fullmatch(line) for line in added), (name, added)
    if example["kind"] != "request":
        documented(name)  # it reads as JSON once repaired
    else:
        assert not example.get("repairs")
        json.loads(wire(name))  # sent as it is, it is JSON


async def post_example(client: httpx.AsyncClient, path: str, name: str) -> httpx.Response:
    body = wire(name)
    headers = {"content-type": "application/json"} if body else {}
    return await client.post(path, content=body, headers=headers)


def webhook(receiver: WebhookReceiver, event: str, upload_id: str) -> dict[str, Any]:
    for request in receiver.deliveries:
        body: dict[str, Any] = request.body
        if body["event"] == event and body["data"]["sdk_upload"]["id"] == upload_id:
            return body
    raise AssertionError(f"no {event} for {upload_id}: {[r.body['event'] for r in receiver.deliveries]}")


PROFILES = pytest.mark.parametrize("profile", ["seed", "current"])


@PROFILES
async def test_the_seeds_lifecycle_verbatim(clock: VirtualClock, tmp_path: Path, profile: ApiProfile) -> None:
    async with receiving_region(clock, tmp_path, profile) as region:
        await the_seeds_lifecycle_verbatim(region.sim, region.api_key, region.receiver, profile)


async def the_seeds_lifecycle_verbatim(
    sim: Sim, api_key: str, receiver: WebhookReceiver, profile: str
) -> None:
    """Create an upload as the seed does, record into it, hear its completion webhook, ask for the seed's
    transcript and read the recording back as the seed does: each answer as documented."""
    api = sim.client(api_key)

    created = await post_example(api, "/api/v1/sdk_upload/", "create_sdk_upload")
    assert created.status_code == 201, created.text
    assert_documented(created.json(), documented("create_sdk_upload_response"), exact=False)
    upload = created.json()

    meeting = await record_meeting(sim, upload=upload)
    await sim.clock.sleep(5)
    if profile == "seed":
        completed = webhook(receiver, "sdk_upload.completed", upload["id"])
        assert_documented(completed, documented("sdk_upload_completed"), exact=True)
        assert completed["data"]["sdk_upload"]["recording_id"] == upload["recording_id"]
    else:
        # The contract: today's event name and expanded shape; the seed's value formats still hold.
        complete = webhook(receiver, "sdk_upload.complete", upload["id"])
        assert complete["data"]["data"]["code"] == "complete"
        assert DATETIME.fullmatch(complete["data"]["data"]["updated_at"])
        assert complete["data"]["recording"]["id"] == upload["recording_id"]
        assert UUID.fullmatch(complete["data"]["sdk_upload"]["id"])

    path = f"/api/v1/recording/{meeting.recording_id}/create_transcript/"
    transcript = await post_example(api, path, "create_transcript")
    assert transcript.status_code == 200, transcript.text
    assert_documented(transcript.json(), documented("create_transcript_response"), exact=False)
    # The body reached the provider as sent, the seed's `diarization: true` included.
    assert transcript.json()["provider"] == {
        "assembly_ai_async": {"language_code": "en", "speaker_labels": True, "diarization": True}
    }
    assert transcript.json()["diarization"]["algorithm_priority"] == ["speaker_timeline"]
    await sim.clock.sleep(5)
    done = (await api.get(f"/api/v1/transcript/{transcript.json()['id']}/")).json()
    assert (done["status"]["code"], done["status"]["sub_code"]) == ("done", None)

    # The seed's GET carries a content-type and no body.
    recording = await api.get(
        f"/api/v1/recording/{meeting.recording_id}/", headers={"content-type": "application/json"}
    )
    assert recording.status_code == 200
    example = documented("retrieve_recording_response")
    # The contract: `media_shortcuts`, where the seed says `shortcuts`.
    example["media_shortcuts"] = example.pop("shortcuts")
    assert_documented(recording.json(), example, exact=False)
    for kind in ("video_mixed", "transcript"):
        link = recording.json()["media_shortcuts"][kind]["data"]["download_url"]
        assert (await api.get(link)).status_code == 200, kind


@PROFILES
async def test_the_seeds_failure_webhook(clock: VirtualClock, tmp_path: Path, profile: ApiProfile) -> None:
    async with receiving_region(clock, tmp_path, profile) as region:
        await the_seeds_failure_webhook(region.sim, region.api_key, region.receiver, profile)


async def the_seeds_failure_webhook(sim: Sim, api_key: str, receiver: WebhookReceiver, profile: str) -> None:
    created = await post_example(sim.client(api_key), "/api/v1/sdk_upload/", "create_sdk_upload")
    assert created.status_code == 201
    await record_and_upload(sim, make_mp4(3.0)[:-700], upload=created.json())  # truncated media
    await sim.clock.sleep(5)
    failed = webhook(receiver, "sdk_upload.failed", created.json()["id"])
    if profile == "seed":
        assert_documented(failed, documented("sdk_upload_failed"), exact=True)
    else:
        # The contract: today's expanded shape, `sub_code` saying why, no recording.
        assert (failed["data"]["data"]["code"], failed["data"]["data"]["sub_code"]) == (
            "failed",
            "media_truncated",
        )
        assert DATETIME.fullmatch(failed["data"]["data"]["updated_at"])
        assert failed["data"]["recording"] is None


@PROFILES
async def test_the_seeds_streaming_create_request(
    clock: VirtualClock, tmp_path: Path, profile: ApiProfile
) -> None:
    async with receiving_region(clock, tmp_path, profile) as region:
        await the_seeds_streaming_create_request(region.sim, region.api_key, region.receiver, profile)


async def the_seeds_streaming_create_request(
    sim: Sim, api_key: str, receiver: WebhookReceiver, profile: str
) -> None:
    api = sim.client(api_key)
    created = await post_example(api, "/api/v1/sdk_upload/", "create_sdk_upload_with_streaming_transcript")
    assert created.status_code == 201, created.text
    assert_documented(created.json(), documented("create_sdk_upload_response"), exact=False)

    # The same fragment where the contract puts it: inside `recording_config`.
    nested = b'{"recording_config": ' + wire("create_sdk_upload_with_streaming_transcript") + b"}"
    answer = await api.post(
        "/api/v1/sdk_upload/", content=nested, headers={"content-type": "application/json"}
    )
    if profile == "seed":
        assert answer.status_code == 201, answer.text
        assert_documented(answer.json(), documented("create_sdk_upload_response"), exact=False)
    else:
        assert (answer.status_code, answer.json()) == (
            400,
            {"transcript": "Unable to get temporary credentials for assembly_ai_streaming."},
        )
