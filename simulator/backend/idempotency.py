"""Idempotency records: the first answer to a request sent with an `Idempotency-Key`, kept for replay.

The writer of the `idempotency` collection. A record's life: `running` from the moment the first request
is taken (a repeat hears 409), `running` with its answer once the work is committed with it, `done` once
that answer has gone out (a repeat gets it replayed). A request that was not carried out (throttled,
failed on our side, cut off) releases its key, so a retry runs for real.
"""

from __future__ import annotations

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import InvalidTransition
from recall_sim.simulator.records import IdempotencyRecord, Reader, Repository
from recall_sim.simulator.store import Collection

__all__ = ["IdempotencyRecords"]


class IdempotencyRecords:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._records = Repository(ctx.store, Collection.IDEMPOTENCY, IdempotencyRecord)
        self.records: Reader[IdempotencyRecord] = self._records

    def get(self, record_id: str) -> IdempotencyRecord | None:
        return self._records.get(record_id)

    def begin(self, workspace_id: str, key: str, fingerprint: str) -> IdempotencyRecord:
        """Take the key for a first request (replacing a record whose replay window has passed)."""
        record = IdempotencyRecord(
            id=f"{workspace_id}:{key}",
            workspace_id=workspace_id,
            fingerprint=fingerprint,
            state="running",
            created_at=self.ctx.now(),
        )
        with self.ctx.unit_of_work():
            return self._records.put(record)

    def answer(
        self, record: IdempotencyRecord, status_code: int, body: str, headers: dict[str, str]
    ) -> IdempotencyRecord:
        """Keep the answer, in the unit of work of the work it answers; still `running` until sent."""
        if record.state != "running":
            raise InvalidTransition("idempotency record", record.id, record.state, "answered")
        return self._records.put(
            record.model_copy(update={"status_code": status_code, "body": body, "headers": headers})
        )

    def finish(self, record: IdempotencyRecord) -> IdempotencyRecord:
        """The answer went out: from now on a repeat gets it replayed."""
        if record.state != "running" or record.status_code is None:
            raise InvalidTransition("idempotency record", record.id, record.state, "done")
        with self.ctx.unit_of_work():
            return self._records.put(record.model_copy(update={"state": "done"}))

    def release(self, record_id: str) -> None:
        """Free the key of a request that was not carried out. Part of the caller's unit of work."""
        self._records.delete(record_id)

    def forget_interrupted(self) -> None:
        """Records still `running` were cut off when the last process died: none runs now. One whose
        work was committed had its answer stored with it, and replays it from now on; one that had not
        got that far did nothing, so its key is free again and a retry runs (instead of answering 409
        for an hour)."""
        with self.ctx.unit_of_work():
            for record in self._records.find():
                if record.state != "running":
                    continue
                if record.status_code is None:
                    self._records.delete(record.id)
                else:
                    self._records.put(record.model_copy(update={"state": "done"}))
