"""How a `recall-sim record` run ends: what it did (`RecordOutcome`), each recording it uploaded as the
region reports it once processing has ended (`summarize`), and the report printed from both, as lines
or, with `--json`, as one JSON object.

The summary is read with each recording's own upload token from `GET /ingest/v1/recording/`, so it is
the same whichever way the token came (given, created with an API key, or from a backend).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape

from recall_sim.recorder.config import UploadMode
from recall_sim.recorder.token_source import tls_context
from recall_sim.seams import Clock

__all__ = ["RecordOutcome", "RecordingSummary", "print_report", "summarize"]


@dataclass
class RecordOutcome:
    """What a `record` run did: every SDK event in order, the recordings it started and how they ended."""

    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    recording_ids: list[str] = field(default_factory=list)
    finalized: list[bool] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: the upload token of each recording started, in order
    tokens: list[str] = field(default_factory=list)
    #: the upload mode the recordings used (as given, or as the region reported it)
    mode: UploadMode | None = None

    @property
    def ok(self) -> bool:
        return bool(self.finalized) and all(self.finalized) and not self.errors


@dataclass
class RecordingSummary:
    """One recording as the run ends: its ids, its status and its download links."""

    recording_id: str
    sdk_upload_id: str | None
    #: the recording's status code (`done`, `failed`, ... `unknown` if the region could not be asked)
    status: str
    upload_status: str | None
    #: `<artifact>.<field>` -> URL, for every download link the recording has
    download_urls: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "recording_id": self.recording_id,
            "sdk_upload_id": self.sdk_upload_id,
            "status": self.status,
            "upload_status": self.upload_status,
            "download_urls": self.download_urls,
        }


def _download_urls(shortcuts: dict[str, Any] | None) -> dict[str, str]:
    found = {}
    for kind, shortcut in (shortcuts or {}).items():
        for name, url in ((shortcut or {}).get("data") or {}).items():
            if isinstance(url, str) and url.startswith("http"):
                found[f"{kind}.{name}"] = url
    return found


async def summarize(
    base_url: str,
    outcome: RecordOutcome,
    clock: Clock,
    *,
    wait: float = 600.0,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[RecordingSummary]:
    """Each recording the run uploaded, once processing has ended (or `wait` seconds have passed), read
    with its own upload token: the same summary whether the token came from a key, a URL or the user."""
    summaries = []
    async with httpx.AsyncClient(
        base_url=base_url, transport=transport, timeout=30, verify=tls_context()
    ) as http:
        for token in outcome.tokens:
            headers = {"Authorization": f"UploadToken {token}"}
            deadline = clock.timestamp() + wait
            status: dict[str, Any] = {}
            while True:
                response = await http.get("/ingest/v1/recording/", headers=headers)
                status = response.json() if response.status_code == 200 else {}
                code = (status.get("recording_status") or {}).get("code")
                upload = (status.get("upload_status") or {}).get("code")
                if (
                    not status.get("recording_started")
                    or code == "failed"
                    or upload in ("complete", "failed")
                ):
                    break
                if clock.timestamp() > deadline:
                    break
                await clock.sleep(0.25)
            recording_id = status.get("recording_id")
            if not recording_id or recording_id not in outcome.recording_ids:
                continue  # a token whose recording never started
            summaries.append(
                RecordingSummary(
                    recording_id=str(recording_id),
                    sdk_upload_id=status.get("sdk_upload_id"),
                    status=str((status.get("recording_status") or {}).get("code") or "unknown"),
                    upload_status=(status.get("upload_status") or {}).get("code"),
                    download_urls=_download_urls(status.get("recording_media_shortcuts")),
                )
            )
    return summaries


def print_report(
    console: Console, outcome: RecordOutcome, summaries: list[RecordingSummary], *, as_json: bool
) -> None:
    """The run's end: each recording's status and download links, then its errors; with `as_json`, one
    JSON object (summary and every event) on standard output."""
    if as_json:
        report = {
            "ok": outcome.ok,
            "upload_mode": outcome.mode,
            "recordings": [s.as_json() for s in summaries],
            "errors": outcome.errors,
            "events": [{"t": round(t, 3), "event": n, "payload": p} for t, n, p in outcome.events],
        }
        print(json.dumps(report), flush=True)
        return
    for summary in summaries:
        console.print(f"recording [bold]{summary.recording_id}[/]: {summary.status}")
        for name, url in summary.download_urls.items():
            console.print(f"  {name}: {url}", soft_wrap=True)
    for message in outcome.errors:
        console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
