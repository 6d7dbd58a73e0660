"""Uploading a local recording over the ingest protocol, surviving what networks do.

Two modes, as the two SDK generations behave:
- `seed`: after `upload_recording`, the whole media goes up as one tus file, with `upload-progress`
  0..100 (monotonic, ending at 100);
- `current`: each segment goes up as a tus partial file as soon as it is written; at the end the
  partials are concatenated in order (the MP3 speech header first) and finalized. No progress events.

Every call goes through a Retrier (retry.py): network errors, 5xx and 429 are retried with backoff, each
retry resuming from the region's offset; after the retry budget the uploader gives up with
UploadFailedError and the local recording stays as it was. Everything it achieves is journaled, so a new
process resumes instead of starting over.

Each tus file is journaled the moment the region has created it (`file_created`), before any byte goes,
so a process killed mid-upload resumes that file at the region's offset instead of sending the part
again as a second file. The one gap left, a kill between the region's answer and the journal entry, is
closed by journaling the intent first (`file_creating`): a new process that finds an intent without its
file adopts the region's file of that part and length which no entry names and which holds no bytes yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from recall_sim.recorder.ingest import IngestClient, IngestError, PartRef
from recall_sim.recorder.retry import Retrier
from recall_sim.recorder.storage import LocalRecording, Segment

__all__ = ["Uploader"]

T = TypeVar("T")
PART_NAMES = ("participant_events", "meeting_metadata")
#: journal entries that name a region file the recording uses
_URL_ENTRIES = ("file_created", "segment_uploaded", "header_uploaded", "media_file", "media_concatenated")


class Uploader:
    def __init__(
        self, client: IngestClient, local: LocalRecording, retrying: Retrier, *, chunk_size: int = 1024 * 1024
    ) -> None:
        self.client = client
        self.local = local
        self.retrying = retrying
        self.chunk_size = chunk_size

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
        concat = "partial" if partial else None
        created: list[str] = []

        async def create() -> str:
            url = await self.client.create_file(len(data), part=part, concat=concat)
            created.append(url)
            return url

        url = await self._file(what, create, part=part, length=len(data), concat=concat or "none")
        await self._send(
            what,
            url,
            len(data),
            lambda offset, size: data[offset : offset + size],
            # A file this call just created holds no bytes yet: its first PATCH starts at 0 without
            # asking, as tus clients do; a retry, or a file found in the journal, asks (HEAD) first.
            known_offset=0 if url in created else None,
        )
        return url

    async def _file(
        self, what: str, create: Callable[[], Awaitable[str]], *, part: str, length: int, concat: str
    ) -> str:
        """The region file for `what`: the journaled one, else one a killed process had the region
        create but never journaled, else a new one (journaled before its first byte is sent)."""
        for entry in self.local.all("file_created"):
            if entry["what"] == what:
                return str(entry["url"])
        intended = any(e["what"] == what for e in self.local.all("file_creating"))
        url = await self._unjournaled(part, length, concat) if intended else None
        if url is None:
            self.local.append("file_creating", what=what)
            url = await self.retrying(f"create {what}", create)
        self.local.append("file_created", what=what, url=url)
        return url

    async def _unjournaled(self, part: str, length: int, concat: str) -> str | None:
        """A file of the upload's on the region with this part, length and kind that no journal entry
        names and that holds no bytes yet (a final one is complete at creation): what a create whose
        answer was lost to a crash left behind."""
        known = {self._file_id(str(e["url"])) for t in _URL_ENTRIES for e in self.local.all(t)}
        known |= {self._file_id(str(e["url"])) for e in self.local.all("part_uploaded")}
        status = await self.retrying("status", self.client.status)
        for found in status["files"]:
            empty = concat == "final" or found["offset"] == 0
            alike = (found["part"], found["length"], found["concat"]) == (part, length, concat)
            if alike and empty and found["id"] not in known:
                return f"{self.client.base_url}/ingest/v1/files/{found['id']}"
        return None

    @staticmethod
    def _file_id(url: str) -> str:
        return url.rstrip("/").rsplit("/", 1)[-1]

    async def _send(
        self,
        what: str,
        url: str,
        length: int,
        read: Callable[[int, int], bytes],
        progress: Callable[[int], None] | None = None,
        *,
        known_offset: int | None = None,
    ) -> None:
        first = [known_offset]

        async def attempt() -> None:
            known, first[0] = first[0], None
            offset = await self.client.offset(url) if known is None else known
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
        if final is None and not urls:
            # Nothing was captured before the process died: finalize an empty media file, so the
            # region fails the upload (media_empty) instead of the upload waiting forever.
            url = await self._file(
                "empty media",
                lambda: self.client.create_file(0, part="media"),
                part="media",
                length=0,
                concat="none",
            )
            final = self.local.append("media_concatenated", url=url)
        if final is None:
            url = await self._file(
                "media concatenated",
                lambda: self.client.concatenate(urls, part="media"),
                part="media",
                length=self.local.media_size(),
                concat="final",
            )
            final = self.local.append("media_concatenated", url=url)
        return PartRef(final["url"], self.local.media_sha256())

    # -- seed mode: the whole media after the meeting ----------------------------------------

    async def upload_whole(self, progress: Callable[[int], None] | None = None) -> PartRef:
        length = self.local.media_size()
        entry = self.local.first("media_file")
        if entry is None:
            url = await self._file(
                "media",
                lambda: self.client.create_file(length, part="media"),
                part="media",
                length=length,
                concat="none",
            )
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
