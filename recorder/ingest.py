"""The desktop side of the SDK ingest protocol (README: "The SDK ingest protocol"): recording lifecycle
calls and tus 1.0 uploads, over httpx, authorised by the upload token.

This is transport only: it sends what it is told and reports what the region answered. Retrying and
resuming policy belongs to the uploader; the one thing done here is finding the server's offset so an
interrupted PATCH resumes where the bytes stopped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from recall_sim.recorder.api_client import AsyncApiClient

__all__ = ["IngestClient", "IngestError", "PartRef", "StartedRecording", "sha256_of"]

TUS_VERSION = "1.0.0"
DEFAULT_CHUNK = 4 * 1024 * 1024

Progress = Callable[[int, int], Awaitable[None] | None]


class IngestError(Exception):
    """The region refused an ingest call: `status` and its JSON (or text) `body`."""

    def __init__(self, status: int, body: Any, call: str, retry_after: float | None = None) -> None:
        super().__init__(f"{call}: HTTP {status}: {body}")
        self.status = status
        self.body = body
        self.call = call
        #: seconds the region asked to wait (429 and 503 carry Retry-After)
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


@dataclass(frozen=True)
class StartedRecording:
    sdk_upload_id: str
    recording_id: str
    files_url: str
    realtime_url: str
    #: the upload's real-time endpoints `{id, type, events, metadata}`, as the region numbered them
    realtime_endpoints: tuple[dict[str, Any], ...] = ()
    #: `{id, metadata}` of the participant-events artifact the recording will have
    participant_events: dict[str, Any] | None = None
    #: `{id, metadata}` of the streamed transcript, when the upload has a streaming provider
    transcript: dict[str, Any] | None = None


@dataclass(frozen=True)
class PartRef:
    """A finished file on the region and the sha256 of its bytes, for the finalize manifest."""

    url: str
    sha256: str

    def manifest(self) -> dict[str, str]:
        return {"file": self.url, "sha256": self.sha256}


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


class IngestClient:
    def __init__(
        self,
        base_url: str,
        upload_token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.chunk_size = chunk_size
        self._http = AsyncApiClient(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"UploadToken {upload_token}"},
        )
        self._urls: dict[str, httpx.URL] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> IngestClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _url(self, path: str) -> httpx.URL:
        """`path` (or a tus file's URL) against the base URL, parsed once: a recording asks the same few
        URLs again and again (one file's PATCHes, its HEADs), and httpx would parse and merge them anew
        for every request."""
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._http.build_request("GET", path).url
        return url

    async def _call(self, method: str, path: str, call: str, **kwargs: Any) -> httpx.Response:
        response = await self._http.request(method, self._url(path), **kwargs)
        if response.status_code >= 400:
            header = response.headers.get("retry-after", "")
            retry_after = float(header) if header.replace(".", "", 1).isdigit() else None
            raise IngestError(response.status_code, _body(response), call, retry_after)
        return response

    # -- recording lifecycle ------------------------------------------------------------------

    async def start(
        self,
        *,
        platform: str,
        title: str | None = None,
        url: str | None = None,
        upload_mode: str = "seed",
        media_format: str = "mp4",
    ) -> StartedRecording:
        body = {
            "platform": platform,
            "title": title,
            "url": url,
            "upload_mode": upload_mode,
            "media_format": media_format,
        }
        data = (await self._call("POST", "/ingest/v1/recording/start", "start", json=body)).json()
        return StartedRecording(
            data["sdk_upload_id"],
            data["recording_id"],
            data["files_url"],
            data["realtime_url"],
            realtime_endpoints=tuple(data.get("realtime_endpoints") or ()),
            participant_events=data.get("participant_events"),
            transcript=data.get("transcript"),
        )

    async def pause(self) -> None:
        await self._call("POST", "/ingest/v1/recording/pause", "pause")

    async def resume(self) -> None:
        await self._call("POST", "/ingest/v1/recording/resume", "resume")

    async def end(self, duration: float | None = None) -> None:
        await self._call("POST", "/ingest/v1/recording/end", "end", json={"duration": duration})

    async def finalize(
        self,
        media: PartRef,
        participant_events: PartRef | None = None,
        meeting_metadata: PartRef | None = None,
    ) -> dict[str, Any]:
        manifest: dict[str, Any] = {"media": media.manifest()}
        if participant_events is not None:
            manifest["participant_events"] = participant_events.manifest()
        if meeting_metadata is not None:
            manifest["meeting_metadata"] = meeting_metadata.manifest()
        data: dict[str, Any] = (
            await self._call("POST", "/ingest/v1/recording/finalize", "finalize", json=manifest)
        ).json()
        return data

    async def status(self) -> dict[str, Any]:
        data: dict[str, Any] = (await self._call("GET", "/ingest/v1/recording/", "status")).json()
        return data

    # -- tus --------------------------------------------------------------------------------------

    def _tus(self, **headers: str) -> dict[str, str]:
        return {"Tus-Resumable": TUS_VERSION, **headers}

    async def create_file(
        self, length: int, *, part: str, concat: str | None = None, metadata: dict[str, str] | None = None
    ) -> str:
        meta = {"part": part, **(metadata or {})}
        encoded = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())
        headers = self._tus(**{"Upload-Length": str(length), "Upload-Metadata": encoded})
        if concat is not None:
            headers["Upload-Concat"] = concat
        response = await self._call("POST", "/ingest/v1/files/", "create", headers=headers)
        return response.headers["location"]

    async def concatenate(self, partial_urls: list[str], *, part: str) -> str:
        encoded = f"part {base64.b64encode(part.encode()).decode()}"
        headers = self._tus(
            **{"Upload-Concat": "final;" + " ".join(partial_urls), "Upload-Metadata": encoded}
        )
        response = await self._call("POST", "/ingest/v1/files/", "concatenate", headers=headers)
        return response.headers["location"]

    async def offset(self, url: str) -> int:
        response = await self._call("HEAD", url, "head", headers=self._tus())
        return int(response.headers["upload-offset"])

    async def terminate(self, url: str) -> None:
        await self._call("DELETE", url, "terminate", headers=self._tus())

    async def patch(self, url: str, offset: int, chunk: bytes) -> int:
        checksum = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
        headers = self._tus(
            **{
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Upload-Checksum": f"sha256 {checksum}",
            }
        )
        response = await self._call("PATCH", url, "patch", headers=headers, content=chunk)
        return int(response.headers["upload-offset"])

    async def send(
        self, url: str, source: BinaryIO, length: int, *, progress: Progress | None = None
    ) -> None:
        """Send `source`'s bytes from the server's current offset to `length`, chunk by chunk, each with
        its sha256 so a damaged chunk is refused rather than stored."""
        offset = await self.offset(url)
        while offset < length:
            source.seek(offset)
            chunk = source.read(min(self.chunk_size, length - offset))
            offset = await self.patch(url, offset, chunk)
            if progress is not None:
                maybe = progress(offset, length)
                if maybe is not None:
                    await maybe

    async def upload_file(self, path: Path, *, part: str, progress: Progress | None = None) -> PartRef:
        """Create a file for `path` and send all of it (a whole part, not a segment)."""
        length = path.stat().st_size
        url = await self.create_file(length, part=part, metadata={"filename": path.name})
        with path.open("rb") as source:
            await self.send(url, source, length, progress=progress)
            source.seek(0)
            digest = sha256_of(iter(lambda: source.read(1024 * 1024), b""))
        return PartRef(url=url, sha256=digest)

    async def upload_bytes(self, data: bytes, *, part: str) -> PartRef:
        url = await self.create_file(len(data), part=part)
        offset = 0
        while offset < len(data):
            offset = await self.patch(url, offset, data[offset : offset + self.chunk_size])
        return PartRef(url=url, sha256=hashlib.sha256(data).hexdigest())
