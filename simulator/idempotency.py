"""`Idempotency-Key` records: what a key was first used for, and the answer it got.

A repeat of a key within the replay window gets the first response again without the work being done
again; a repeat while the first request is still running gets 409; a key reused for a different
request gets 400. Keys are scoped to the workspace and kept in the store, so they survive a restart.

The first answer is stored in the same transaction as the work it answers, and sent only once that
transaction is committed. So a region killed at any moment either did the work and can replay its
answer, or did neither: a retry after the restart never does the work twice. `api/idempotency.py` is
the stateless middleware that reads the key and the body and plays these rules. The writer of the
`idempotency` collection.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import BadRequest, Conflict
from recall_sim.simulator.records import IdempotencyRecord, Reader, Repository
from recall_sim.simulator.store import Collection

__all__ = ["IdempotencyKeys", "fingerprint"]


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests the same request: method, path, query and body, byte for byte."""
    return hashlib.sha256(b"\x00".join([method.encode(), path.encode(), query, body])).hexdigest()


class IdempotencyKeys:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._records = Repository(ctx.store, Collection.IDEMPOTENCY, IdempotencyRecord)
        self.records: Reader[IdempotencyRecord] = self._records

    def earlier(self, workspace_id: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
        """The finished first use of `key` to replay, or None when the key is free.

        Raises Conflict while the first request is still running, BadRequest when the key was used for
        a different request. A key older than the replay window is free again."""
        existing = self._records.get(f"{workspace_id}:{key}")
        if existing is None:
            return None
        if existing.created_at + timedelta(seconds=self.ctx.settings.idempotency_ttl) <= self.ctx.now():
            return None
        if existing.state == "running":
            raise Conflict()
        if existing.fingerprint != fingerprint:
            raise BadRequest("This Idempotency-Key was already used with a different request.")
        return existing

    def begin(self, workspace_id: str, key: str, fingerprint: str) -> IdempotencyRecord:
        """Mark `key` as running (committed at once: a repeat arriving meanwhile hears 409)."""
        record = IdempotencyRecord(
            id=f"{workspace_id}:{key}",
            workspace_id=workspace_id,
            fingerprint=fingerprint,
            state="running",
            created_at=self.ctx.now(),
        )
        with self.ctx.unit_of_work():
            self._records.put(record)
        return record

    def answered(
        self, record: IdempotencyRecord, status: int, headers: dict[str, str], body: str
    ) -> IdempotencyRecord | None:
        """Keep the answer to `record`'s request, in the unit of work that did the work, and return the
        record holding it; None when the answer is not worth keeping and the key is free again."""
        if status == 429 or status >= 500:
            # Not executed (throttled) or failed on our side: the client may try again for real.
            self._records.delete(record.id)
            return None
        # Still "running" (a repeat hears 409) until the answer has gone out.
        kept = record.model_copy(update={"status_code": status, "body": body, "headers": headers})
        self._records.put(kept)
        return kept

    def abandon(self, record: IdempotencyRecord) -> None:
        """The request failed before it had an answer: nothing was done, so the key is free again."""
        with self.ctx.unit_of_work():
            self._records.delete(record.id)

    def sent(self, record: IdempotencyRecord) -> None:
        """The answer has gone out: repeats replay it from now on."""
        with self.ctx.unit_of_work():
            self._records.put(record.model_copy(update={"state": "done"}))

    def forget_interrupted(self) -> None:
        """Requests still marked running were cut off when the last process died: none runs now. One
        whose work was committed had its answer stored with it, and replays it from now on; one that
        had not got that far did nothing, so its key is free again and a retry runs (instead of
        answering 409 for an hour)."""
        with self.ctx.unit_of_work():
            for record in self._records.find():
                if record.state != "running":
                    continue
                if record.status_code is None:
                    self._records.delete(record.id)
                else:
                    self._records.put(record.model_copy(update={"state": "done"}))
