"""tus 1.0 resumable uploads (core, creation, creation-with-upload, checksum, termination, expiration,
concatenation), authorised by the upload token.

Bytes go straight from the request stream to the file on disk, so memory stays flat whatever the size.
The stored offset is only moved after the bytes are written and synced; a region that crashed mid-PATCH
trims the file back to that offset on the next touch, so what a HEAD reports is always what is there.
The request's `Upload-*` headers are read into values by `ingest.upload_headers`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any, BinaryIO

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import (
    ApiError,
    BadRequest,
    ChecksumMismatch,
    ClientGone,
    Conflict,
    Gone,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
)
from recall_sim.simulator.ingest.records import PARTS, IngestFile
from recall_sim.simulator.ingest.tokens import UploadTokenAuth
from recall_sim.simulator.ingest.upload_headers import file_id_from_url, non_negative
from recall_sim.simulator.records import Reader, Repository
from recall_sim.simulator.store import Collection
from recall_sim.simulator.store.writeback import start_writeback

__all__ = ["EXPIRE_JOB", "TUS_EXTENSIONS", "TUS_VERSION", "WRITEBACK_EVERY", "TusFiles"]

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,checksum,termination,expiration,concatenation"
#: an unfinished upload is forgotten this long after its last PATCH
EXPIRY = timedelta(hours=24)
EXPIRE_JOB = "expire_ingest_file"
#: a PATCH's bytes are handed to the disk in steps this big as they arrive, not all at its fsync
WRITEBACK_EVERY = 4 * 1024 * 1024


class _Sink:
    """Where a PATCH's bytes go, one step at a time: appended to the file, fed to the checksum, and their
    writeback started, so that the fsync before the answer has only the tail left to wait for."""

    def __init__(self, fh: BinaryIO, hasher: Any, start: int) -> None:
        self.fh = fh
        self.hasher = hasher
        self.start = start
        self.stored = 0

    def store(self, chunks: list[bytes]) -> None:
        size = 0
        for chunk in chunks:
            self.fh.write(chunk)
            if self.hasher is not None:
                self.hasher.update(chunk)
            size += len(chunk)
        if size:
            self.fh.flush()
            start_writeback(self.fh.fileno(), self.start + self.stored, size)
            self.stored += size


class TusFiles:
    def __init__(self, ctx: Context, max_size: int) -> None:
        self.ctx = ctx
        self.max_size = max_size
        self._files = Repository(ctx.store, Collection.INGEST_FILES, IngestFile)
        self.files: Reader[IngestFile] = self._files
        self._writing: set[str] = set()

    # -- reading ---------------------------------------------------------------------------------

    def get(self, auth: UploadTokenAuth, file_id: str) -> IngestFile:
        """The caller's own file; another upload's file is as unknown as a made-up id."""
        record = self.files.get(file_id)
        if record is None or record.sdk_upload_id != auth.upload.id or record.terminated:
            raise NotFound()
        if not record.complete and self.ctx.now() >= record.expires_at:
            raise Gone("This upload expired before it was completed.")
        self._reconcile(record)
        return record

    def _reconcile(self, record: IngestFile) -> None:
        """Trim what a crash left past the committed offset. Not while a PATCH is writing: its bytes
        are past the offset until it commits, and a HEAD meanwhile must not cut them away."""
        if record.concat == "final" or record.id in self._writing:
            return
        if not self.ctx.blobs.exists(record.blob):
            self.ctx.blobs.write_bytes(record.blob, b"")
        if self.ctx.blobs.size(record.blob) != record.offset:
            self.ctx.blobs.truncate(record.blob, record.offset)

    # -- creation ----------------------------------------------------------------------------------

    def create(
        self,
        auth: UploadTokenAuth,
        *,
        length: str | None,
        defer_length: str | None,
        metadata: dict[str, str],
        concat: str | None,
    ) -> IngestFile:
        if defer_length is not None:
            raise BadRequest("Upload-Defer-Length is not supported; send Upload-Length.")
        part = metadata.get("part", "media")
        if part not in PARTS:
            raise BadRequest(f"Unknown part {part!r}; expected one of {', '.join(PARTS)}.")
        kind = "none"
        partial_ids: list[str] = []
        if concat is not None:
            if concat.strip() == "partial":
                kind = "partial"
            elif concat.startswith("final;"):
                kind = "final"
                partial_ids = [file_id_from_url(u) for u in concat[len("final;") :].split() if u.strip()]
                if not partial_ids:
                    raise BadRequest("Upload-Concat: final needs at least one partial upload URL.")
            else:
                raise BadRequest("Upload-Concat must be `partial` or `final;<url> <url> ...`.")
        if kind == "final":
            if length is not None:
                raise BadRequest(
                    "A final upload's length is the sum of its parts; do not send Upload-Length."
                )
            partials = [self._partial_for_final(auth, pid) for pid in partial_ids]
            total = sum(p.length for p in partials)
        else:
            parsed = non_negative(length)
            if parsed is None:
                raise BadRequest("Upload-Length must be a non-negative integer.")
            total = parsed
        if total > self.max_size:
            raise PayloadTooLarge(f"Upload-Length exceeds Tus-Max-Size ({self.max_size} bytes).")

        now = self.ctx.now()
        with self.ctx.unit_of_work():
            file_id = self.ctx.ids.uuid().replace("-", "")
            record = IngestFile(
                id=file_id,
                sdk_upload_id=auth.upload.id,
                workspace_id=auth.workspace.id,
                part=part,
                metadata=metadata,
                length=total,
                blob=f"uploads/{auth.upload.id}/{file_id}",
                concat=kind,
                parts=partial_ids,
                created_at=now,
                updated_at=now,
                expires_at=now + EXPIRY,
            )
            if kind == "final":
                self._concatenate(record, partials)
                record = record.model_copy(update={"offset": total})
            else:
                self.ctx.blobs.write_bytes(record.blob, b"")
                self.ctx.scheduler.schedule(EXPIRE_JOB, {"file_id": file_id}, delay=EXPIRY.total_seconds())
            self._files.put(record)
        return record

    async def create_with_upload(
        self,
        auth: UploadTokenAuth,
        *,
        length: str | None,
        defer_length: str | None,
        metadata: dict[str, str],
        concat: str | None,
        checksum: tuple[str, bytes] | None,
        body: AsyncIterator[bytes],
        content_length: int | None,
    ) -> IngestFile:
        """tus's creation-with-upload: the POST's body is the new file's first chunk. It is one call, so
        a refused body leaves no file behind (a refused call changes nothing)."""
        record = self.create(auth, length=length, defer_length=defer_length, metadata=metadata, concat=concat)
        try:
            return await self.append(
                auth, record.id, offset="0", checksum=checksum, body=body, content_length=content_length
            )
        except ApiError:
            self.discard(record.id)
            raise

    def _partial_for_final(self, auth: UploadTokenAuth, file_id: str) -> IngestFile:
        record = self.files.get(file_id)
        if record is None or record.terminated:
            raise BadRequest(f"Partial upload {file_id} does not exist.")
        if record.sdk_upload_id != auth.upload.id:
            # Someone else's bytes: refuse without saying whose.
            raise PermissionDenied(f"Partial upload {file_id} does not belong to this upload.")
        if record.concat != "partial":
            raise BadRequest(f"Upload {file_id} was not created with Upload-Concat: partial.")
        if not record.complete:
            raise BadRequest(f"Partial upload {file_id} is not complete.")
        return record

    def _concatenate(self, record: IngestFile, partials: list[IngestFile]) -> None:
        path = self.ctx.blobs.path(record.blob)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as out:
            for partial in partials:
                for chunk in self.ctx.blobs.iter_chunks(partial.blob):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    # -- appending ---------------------------------------------------------------------------------

    async def append(
        self,
        auth: UploadTokenAuth,
        file_id: str,
        *,
        offset: str | None,
        checksum: tuple[str, bytes] | None,
        body: AsyncIterator[bytes],
        content_length: int | None = None,
    ) -> IngestFile:
        """Append the body at `offset`. A body declared (`content_length`) to go past Upload-Length is
        refused before any of it is read, so a client promising more than fits is not waited for."""
        record = self.get(auth, file_id)
        if record.concat == "final":
            raise PermissionDenied("A final upload is assembled from its parts and cannot be patched.")
        parsed = non_negative(offset)
        if parsed is None:
            raise BadRequest("Upload-Offset must be a non-negative integer.")
        if parsed != record.offset:
            raise Conflict(f"Upload-Offset {offset} does not match the upload's offset {record.offset}.")
        if content_length is not None and record.offset + content_length > record.length:
            raise PayloadTooLarge("The request body goes past Upload-Length.")
        if file_id in self._writing:
            raise Conflict("Another PATCH to this upload is in progress.")
        self._writing.add(file_id)
        try:
            written = await self._write(record, checksum, body)
        finally:
            self._writing.discard(file_id)
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            updated = record.model_copy(
                update={"offset": record.offset + written, "updated_at": now, "expires_at": now + EXPIRY}
            )
            self._files.put(updated)
        return updated

    async def _write(
        self, record: IngestFile, checksum: tuple[str, bytes] | None, body: AsyncIterator[bytes]
    ) -> int:
        """Stream the body to the file. The bytes go to disk (written, hashed, their writeback started)
        in steps of `WRITEBACK_EVERY`, each step while the next one arrives: a served region does a step
        in a worker thread (`Context.offload`), which hashes and writes without the interpreter's lock,
        so the socket is read meanwhile; on virtual time each step runs in place."""
        hasher = hashlib.new(checksum[0]) if checksum else None
        written = 0
        disconnected = False
        with self.ctx.blobs.open_append(record.blob) as fh:
            sink = _Sink(fh, hasher, record.offset)
            storing: asyncio.Future[None] | None = None
            step: list[bytes] = []
            step_size = 0
            try:
                try:
                    async for chunk in body:
                        if record.offset + written + len(chunk) > record.length:
                            raise PayloadTooLarge("The request body goes past Upload-Length.")
                        step.append(chunk)
                        step_size += len(chunk)
                        written += len(chunk)
                        if step_size >= WRITEBACK_EVERY:
                            if storing is not None:
                                await storing
                            storing = asyncio.ensure_future(self.ctx.offload(sink.store, step))
                            step, step_size = [], 0
                except ClientGone:
                    disconnected = True
                finally:
                    if storing is not None:
                        await storing  # no thread may write once this PATCH is over
                sink.store(step)
            except PayloadTooLarge:
                fh.truncate(record.offset)
                raise
            if (
                checksum is not None
                and sink.hasher is not None
                and (disconnected or sink.hasher.digest() != checksum[1])
            ):
                fh.truncate(record.offset)
                if disconnected:
                    raise ClientGone()
                raise ChecksumMismatch()
            fh.flush()
            await self.ctx.offload(os.fsync, fh.fileno())
        return written

    # -- termination and expiry --------------------------------------------------------------------

    def terminate(self, auth: UploadTokenAuth, file_id: str) -> None:
        record = self.get(auth, file_id)
        with self.ctx.unit_of_work():
            self._files.put(record.model_copy(update={"terminated": True, "updated_at": self.ctx.now()}))
        self.ctx.blobs.delete(record.blob)

    def discard(self, file_id: str) -> None:
        """Forget a file just created by a creation-with-upload whose body was refused."""
        record = self.files.get(file_id)
        if record is None:
            return
        with self.ctx.unit_of_work():
            self._files.put(record.model_copy(update={"terminated": True}))
        self.ctx.blobs.delete(record.blob)

    def expire(self, file_id: str) -> None:
        """The expiry job: an upload still unfinished at its expiry loses its bytes."""
        record = self.files.get(file_id)
        if record is None or record.terminated or record.complete:
            return
        if self.ctx.now() < record.expires_at:  # patched since: look again at the new expiry
            with self.ctx.unit_of_work():
                delay = (record.expires_at - self.ctx.now()).total_seconds()
                self.ctx.scheduler.schedule(EXPIRE_JOB, {"file_id": file_id}, delay=delay)
            return
        with self.ctx.unit_of_work():
            self._files.put(record.model_copy(update={"terminated": True}))
        self.ctx.blobs.delete(record.blob)

    def files_of(self, upload_id: str) -> list[IngestFile]:
        return self.files.find({"sdk_upload_id": upload_id})
