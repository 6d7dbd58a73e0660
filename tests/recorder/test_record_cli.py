"""`recall-sim record` against a served region, with the upload token from a partner's backend."""

from __future__ import annotations

import json
import re
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from recall_sim.recorder.media import read_speech
from recall_sim.scenarios.cli import build_app
from recall_sim.scenarios.served import serve_app
from recall_sim.simulator import Settings
from recall_sim.simulator.serve import served

cli = build_app()

pytestmark = pytest.mark.served

SESSION = "desktop-session-7"


def _backend(region_url: str, api_key: str, calls: list[dict[str, Any]]) -> Starlette:
    """What a partner's backend does for its desktop app: create an sdk upload, answer with its token."""

    async def upload_token(request: Request) -> JSONResponse:
        if request.headers.get("x-session") != SESSION:
            return JSONResponse({"error": "not signed in"}, status_code=401)
        calls.append(await request.json())
        async with httpx.AsyncClient(base_url=region_url) as recall:
            created = await recall.post("/api/v1/sdk_upload/", headers={"Authorization": api_key})
        return JSONResponse({"status": "success", "upload_token": created.json()["upload_token"]})

    return Starlette(routes=[Route("/desktop/upload-token", upload_token, methods=["POST"])])


def _meeting_file(tmp_path: Path) -> Path:
    meeting = {
        "platform": "teams",
        "duration": 6,
        "title": "Design review",
        "participants": [
            {"id": 100, "name": "Ada Lovelace", "is_host": True, "is_local": True},
            {"id": 200, "name": "Grace Hopper"},
        ],
        "utterances": [
            {"participant_id": 100, "words": [{"text": "shall", "start": 3.0, "end": 3.3}]},
            {"participant_id": 200, "words": [{"text": "ship", "start": 4.0, "end": 4.4}]},
        ],
    }
    # Words come late enough that the token round trip (a few meeting seconds at most) misses none.
    path = tmp_path / "review.yaml"
    path.write_text(yaml.safe_dump(meeting))
    return path


def _wait_done(region_url: str, api_key: str, recording_id: str) -> dict[str, Any]:
    with httpx.Client(base_url=region_url, headers={"Authorization": f"Token {api_key}"}) as api:
        for _ in range(200):
            recording: dict[str, Any] = api.get(f"/api/v1/recording/{recording_id}/").json()
            if recording["status"]["code"] in ("done", "failed"):
                return recording
            threading.Event().wait(0.05)
    raise AssertionError(f"recording {recording_id} never finished processing")


def test_record_with_a_token_from_the_partners_backend_completes(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []
    with (
        served(Settings(seed=11, data_dir=tmp_path / "data")) as region,
        serve_app(_backend(region.base_url, region.api_key, calls)) as backend,
    ):
        result = CliRunner().invoke(
            cli,
            [
                "record",
                "--base-url",
                region.base_url,
                "--meeting",
                str(_meeting_file(tmp_path)),
                "--token-url",
                f"{backend}/desktop/upload-token",
                "--token-header",
                f"X-Session: {SESSION}",
                "--time-scale",
                "2",
                "--seed",
                "5",
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)  # one JSON object, nothing else
        printed = report["events"]
        names = [line["event"] for line in printed if line["event"] != "log"]
        assert names[:3] == ["meeting-detected", "sdk-state-change", "recording-started"]
        assert names[-1] == "shutdown"
        assert "recording-ended" in names
        progress = [line["payload"]["progress"] for line in printed if line["event"] == "upload-progress"]
        assert progress[0] == 0
        assert progress[-1] == 100

        [call] = calls  # the backend was asked once, about the detected window
        detected = next(line for line in printed if line["event"] == "meeting-detected")
        assert call["window"] == detected["payload"]["window"]

        [upload] = region.region.store.find("sdk_uploads")
        recording = _wait_done(region.base_url, region.api_key, upload["recording_id"])
        assert recording["status"]["code"] == "done"
        [summary] = report["recordings"]
        assert (summary["recording_id"], summary["status"]) == (upload["recording_id"], "done")
        with httpx.Client() as http:
            media = http.get(summary["download_urls"]["video_mixed.download_url"]).content
        spoken = [(u["participant"]["name"], w["text"]) for u in read_speech(media) for w in u["words"]]
        assert spoken == [("Ada Lovelace", "shall"), ("Grace Hopper", "ship")]


def test_record_refuses_a_backend_that_answers_without_a_token(tmp_path: Path) -> None:
    async def no_token(request: Request) -> JSONResponse:
        return JSONResponse({"status": "success"})

    app = Starlette(routes=[Route("/token", no_token, methods=["POST"])])
    with served(Settings(seed=12, data_dir=tmp_path / "data")) as region, serve_app(app) as backend:
        result = CliRunner().invoke(
            cli,
            [
                "record",
                "--base-url",
                region.base_url,
                "--meeting",
                str(_meeting_file(tmp_path)),
                "--token-url",
                f"{backend}/token",
                "--time-scale",
                "8",
            ],
        )
        assert result.exit_code == 1
        assert "answered without an upload token" in result.output
        assert region.region.store.find("sdk_uploads") == []


def _record(base_url: str, meeting: Path, *credentials: str, json_output: bool = True) -> Any:
    result = CliRunner().invoke(
        cli,
        [
            "record",
            "--base-url",
            base_url,
            "--meeting",
            str(meeting),
            *credentials,
            "--time-scale",
            "2",
            "--seed",
            "3",
            *(["--json"] if json_output else []),
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if json_output else result.output


@pytest.mark.parametrize("profile", ["seed", "current"])
def test_the_upload_mode_defaults_to_the_one_the_region_reports_for_the_workspace(
    tmp_path: Path, profile: str
) -> None:
    with served(Settings(seed=13, profile=profile, data_dir=tmp_path / "data")) as region:  # type: ignore[arg-type]
        report = _record(region.base_url, _meeting_file(tmp_path), "--api-key", region.api_key)
        [token] = region.region.store.find("upload_tokens")
    assert report["ok"] is True
    assert report["upload_mode"] == profile
    assert token["session"]["upload_mode"] == profile  # what the recorder told the region at start
    progress = [e for e in report["events"] if e["event"] == "upload-progress"]
    # The seed SDK uploads after the meeting and reports progress; the current one streams parts.
    assert bool(progress) == (profile == "seed")
    [summary] = report["recordings"]
    assert (summary["status"], summary["upload_status"]) == ("done", "complete")


def test_mode_given_wins_over_the_workspaces(tmp_path: Path) -> None:
    with served(Settings(seed=13, profile="current", data_dir=tmp_path / "data")) as region:
        report = _record(
            region.base_url, _meeting_file(tmp_path), "--api-key", region.api_key, "--mode", "seed"
        )
        [token] = region.region.store.find("upload_tokens")
    assert report["upload_mode"] == token["session"]["upload_mode"] == "seed"


def _summary_shape(report: dict[str, Any]) -> list[tuple[str, str | None, list[str]]]:
    return [(r["status"], r["upload_status"], sorted(r["download_urls"])) for r in report["recordings"]]


def test_token_mode_and_api_key_mode_print_the_same_summary(tmp_path: Path) -> None:
    meeting = _meeting_file(tmp_path)
    with served(Settings(seed=17, data_dir=tmp_path / "data")) as region, httpx.Client() as http:
        by_key = _record(region.base_url, meeting, "--api-key", region.api_key)
        created = http.post(
            f"{region.base_url}/api/v1/sdk_upload/", headers={"Authorization": f"Token {region.api_key}"}
        ).json()
        by_token = _record(region.base_url, meeting, "--upload-token", created["upload_token"])
        assert by_token["recordings"][0]["recording_id"] == created["recording_id"]
        assert _summary_shape(by_key) == _summary_shape(by_token)
        assert set(by_key) == set(by_token) == {"ok", "upload_mode", "recordings", "errors", "events"}
        assert "video_mixed.download_url" in by_token["recordings"][0]["download_urls"]
        for report in (by_key, by_token):
            for url in report["recordings"][0]["download_urls"].values():
                assert http.get(url).status_code == 200, url

        # Without --json: the same lines, the recording's own id and links aside.
        texts = [
            _record(region.base_url, meeting, "--api-key", region.api_key, json_output=False),
            _record(
                region.base_url,
                meeting,
                "--upload-token",
                http.post(
                    f"{region.base_url}/api/v1/sdk_upload/",
                    headers={"Authorization": f"Token {region.api_key}"},
                ).json()["upload_token"],
                json_output=False,
            ),
        ]
    summaries = [
        [
            re.sub(r"^recording \S+:", "recording:", re.sub(r": http\S+$", "", line))
            for line in text.splitlines()
            if re.match(r"recording \S+: \w+$|  \w+\.\w+: http", line)
        ]
        for text in texts
    ]
    assert summaries[0] == summaries[1]
    assert summaries[0][0] == "recording: done"
    assert "  video_mixed.download_url" in summaries[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_record_reads_the_base_url_from_the_environment(tmp_path: Path) -> None:
    # The client commands share RECALL_SIM_BASE_URL, so one `export` points a whole shell at a region.
    with served(Settings(seed=19, data_dir=tmp_path / "data")) as region:
        result = CliRunner().invoke(
            cli,
            [
                *("record", "--meeting", str(_meeting_file(tmp_path)), "--api-key", region.api_key),
                *("--time-scale", "2", "--json"),
            ],
            env={"RECALL_SIM_BASE_URL": region.base_url},
        )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recordings"][0]["status"] == "done"


def test_record_against_no_region_names_the_fix(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(
        cli, ["record", "--base-url", url, "--api-key", "k" * 40, "--time-scale", "8"]
    )
    assert result.exit_code == 1
    assert f"no region answers at {url}" in result.output
    assert "recall-sim serve" in result.output
    assert "--base-url (RECALL_SIM_BASE_URL)" in result.output


@pytest.mark.parametrize("credentials", [[], ["--api-key", "k" * 40, "--upload-token", "t"]])
def test_record_names_the_flags_that_give_a_token(credentials: list[str]) -> None:
    result = CliRunner().invoke(cli, ["record", "--base-url", "http://127.0.0.1:9", *credentials])
    assert result.exit_code == 2
    assert "give exactly one of --upload-token, --api-key or --token-url" in result.output
