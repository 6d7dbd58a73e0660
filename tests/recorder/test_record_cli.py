"""`recall-sim record` against a served region, with the upload token from a partner's backend."""

from __future__ import annotations

import json
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

from recorder.media import read_speech
from scenarios.cli import build_app
from scenarios.served import serve_app
from simulator import Settings
from simulator.serve import served

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
                "4",
                "--seed",
                "5",
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        printed = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
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
        with httpx.Client() as http:
            media = http.get(recording["media_shortcuts"]["video_mixed"]["data"]["download_url"]).content
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
