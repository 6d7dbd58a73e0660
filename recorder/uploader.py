"""Uploading a local recording over the ingest protocol, surviving what networks do.

Two modes, as the two SDK generations behave:
- `seed`: after `upload_recording`, the whole media goes up as one tus file, with `upload-progress`
  0..100 (monotonic, ending at 100);
- `current`: each segment goes up as a tus partial file as soon as it is written; at the end the
  partials are concatenated in order (the MP3 speech header first) and finalized. No progress events.

Network errors, 5xx and 429 are retried with exponential backoff and seeded jitter (never sooner than a
`Retry-After`), each retry resuming from the region's offset. A network failure reports
`network-status: disconnected` once, and `reconnected` when a call next succeeds. After `budget` seconds of
failing, the uploader gives up with UploadFailedError; the local recording stays as it was. Everything it
achieves is journaled, so a new process resumes instead of starting over.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from recorder.errors import UploadFailedError
from recorder.ingest import IngestClient, IngestError, PartRef
from recorder.storage import LocalRecording, Segment
from seams import Clock, RandomStream

__all__ = ["RetryPolicy", "Uploader"]

T = TypeVar("T")
PART_NAMES = ("participant_events", "meeting_metadata")


@dataclass(frozen=True)
class RetryPolicy:
    initial: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.2
    #: give up after this many seconds of consecutive failure
    budget: float = 600.0


class Uploader:
    def __init__(
        self,
        client: IngestClient,
        local: LocalRecording,
        clock: Clock,
        jitter: RandomStream,
        *,
        policy: RetryPolicy | None = None,
        on_network: Callable[[str], None] | None = None,
        chunk_size: int = 1024 * 1024,
    ) -> None:
        self.client = client
        self.local = local
        self.clock = clock
        self.jitter = jitter
        self.policy = policy or RetryPolicy()
        self.on_network = on_network
        self.chunk_size = chunk_size
        self._disconnected = False

    # -- retrying ----------------------------------------------------------------------------

    async def retrying(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        started = self.clock.timestamp()
        attempt = 0
        while True:
            try:
                result = await operation()
            except httpx.TransportError as error:
                wait_at_least = 0.0
                if not self._disconnected:
                    self._disconnected = True
                    if self.on_network:
                        self.on_network("disconnected")
                failure: Exception = error
            except IngestError as error:
                if not error.retryable:
                    raise
                wait_at_least = error.retry_after or 0.0
                failure = error
            else:
                if self._disconnected:
                    self._disconnected = False
                    if self.on_network:
                        self.on_network("reconnected")
                return result
            if self.clock.timestamp() - started >= self.policy.budget:
                raise UploadFailedError(
                    f"{what} kept failing for {self.policy.budget:.0f} s: {failure}"
                ) from failure
            base = min(self.policy.max_delay, self.policy.initial * self.policy.multiplier**attempt)
            delay = base * (1 + self.policy.jitter * (2 * self.jitter.random() - 1))
            await self.clock.sleep(max(delay, wait_at_least))
            attempt += 1

    # -- current mode: segments as they come -------------------------------------------------

    def uploaded_segments(self) -> dict[int, str]:
        return {e["index"]: e["url"] for e in self.local.all("segment_uploaded")}

    async def upload_segment(self, segment: Segment) -> str:
        done = self.uploaded_segments()
        if segment.index in done:
            return done[segment.index]
        url = await self._upload_blob(
            f"segment {segment.index}", segment.path.read_bytes(), part="segment", partial=True
        )
        self.local.append("segment_uploaded", index=segment.index, url=url)
        return url

    async def _upload_blob(self, what: str, data: bytes, *, part: str, partial: bool = False) -> str:
        url = await self.retrying(
            f"create {what}",
            lambda: self.client.create_file(len(data), part=part, concat="partial" if partial else None),
        )
        await self._send(what, url, len(data), lambda offset, size: data[offset : offset + size])
        return url

    async def _send(
        self,
        what: str,
        url: str,
        length: int,
        read: Callable[[int, int], bytes],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        async def attempt() -> None:
            offset = await self.client.offset(url)
            while offset < length:
                offset = await self.client.patch(
                    url, offset, read(offset, min(self.chunk_size, length - offset))
                )
                if progress is not None:
                    progress(offset)

        await self.retrying(f"upload {what}", attempt)

    async def upload_parts(self) -> dict[str, PartRef]:
        """Participant events and meeting metadata, each once (journaled)."""
        refs = {e["name"]: PartRef(e["url"], e["sha256"]) for e in self.local.all("part_uploaded")}
        for name in PART_NAMES:
            data = self.local.part(name)
            if data is None or name in refs:
                continue
            url = await self._upload_blob(name, data, part=name)
            entry = self.local.append("part_uploaded", name=name, url=url, sha256=self._sha(name))
            refs[name] = PartRef(entry["url"], entry["sha256"])
        return refs

    def _sha(self, name: str) -> str:
        return str(next(e["sha256"] for e in reversed(self.local.all("part")) if e["name"] == name))

    async def finish_segments(self) -> PartRef:
        """Current mode, after the last segment: upload what is missing, then concatenate in order."""
        urls: list[str] = []
        header = self.local.part("speech_header")
        if header:
            uploaded = self.local.first("header_uploaded")
            if uploaded is None:
                url = await self._upload_blob("speech header", header, part="speech_header", partial=True)
                uploaded = self.local.append("header_uploaded", url=url)
            urls.append(uploaded["url"])
        for segment in self.local.segments():
            urls.append(await self.upload_segment(segment))
        final = self.local.first("media_concatenated")
        if final is None:
            url = await self.retrying("concatenate", lambda: self.client.concatenate(urls, part="media"))
            final = self.local.append("media_concatenated", url=url)
        return PartRef(final["url"], self.local.media_sha256())

    # -- seed mode: the whole media after the meeting ----------------------------------------

    async def upload_whole(self, progress: Callable[[int], None] | None = None) -> PartRef:
        length = self.local.media_size()
        entry = self.local.first("media_file")
        if entry is None:
            url = await self.retrying("create media", lambda: self.client.create_file(length, part="media"))
            entry = self.local.append("media_file", url=url, length=length)
        ratio = (lambda offset: progress(offset * 100 // length if length else 100)) if progress else None
        await self._send("media", entry["url"], length, self.local.read_media, ratio)
        return PartRef(entry["url"], self.local.media_sha256())

    # -- both ------------------------------------------------------------------------------------

    async def finalize(self, media: PartRef, parts: dict[str, PartRef]) -> dict[str, Any]:
        async def attempt() -> dict[str, Any]:
            try:
                return await self.client.finalize(
                    media, parts.get("participant_events"), parts.get("meeting_metadata")
                )
            except IngestError as error:
                # A finalize whose answer was lost: the region already has it, and says so.
                if error.status == 409 and "finalized" in str(error.body):
                    return {"already": True}
                raise

        result = await self.retrying("finalize", attempt)
        self.local.append("finalized")
        return result
