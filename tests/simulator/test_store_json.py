"""A store hands its documents over as JSON text too (`get_json`, `find_json`), for readers that parse and
validate in one step: the same documents, in the same order, as `get` and `find`, on every store."""

from __future__ import annotations

import json

from recall_sim.simulator.records import Reader, RecordingRecord
from recall_sim.simulator.store import Collection
from tests.simulator.factories import build_recording
from tests.support import Sim


async def test_json_reads_are_the_documents_reads(sim: Sim) -> None:
    store = sim.region.store
    client = sim.client()
    built = [await build_recording(sim.region, client) for _ in range(3)]
    recording_id = built[1].id
    text = store.get_json(Collection.RECORDINGS, recording_id)
    assert text is not None
    assert json.loads(text) == store.get(Collection.RECORDINGS, recording_id)
    assert store.get_json(Collection.RECORDINGS, "missing") is None
    for where, order_by, limit in (
        (None, None, None),
        ({"recording_id": recording_id}, None, None),
        ({"workspace_id": built[0].recording.workspace_id}, "kind", 4),
    ):
        texts = store.find_json(Collection.ARTIFACTS, where=where, order_by=order_by, limit=limit)
        docs = store.find(Collection.ARTIFACTS, where=where, order_by=order_by, limit=limit)
        assert [json.loads(t) for t in texts] == docs
        assert docs
    # A reader's records are what validating the documents gives.
    reader = Reader(store, Collection.RECORDINGS, RecordingRecord)
    assert reader.get(recording_id) == RecordingRecord.model_validate(
        store.get(Collection.RECORDINGS, recording_id)
    )
    assert reader.find() == [RecordingRecord.model_validate(d) for d in store.find(Collection.RECORDINGS)]
