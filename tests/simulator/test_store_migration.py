"""A data directory written by an older version, with fewer indexed fields, still answers queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.simulator.store import base
from recall_sim.simulator.store.sqlite import SqliteStore


def test_a_newly_indexed_field_is_backfilled_from_stored_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = dict(base.COLLECTIONS, artifacts=("workspace_id",))
    monkeypatch.setattr("recall_sim.simulator.store.sqlite.COLLECTIONS", older)
    monkeypatch.setattr("recall_sim.simulator.store.base.COLLECTIONS", older)
    store = SqliteStore(tmp_path / "db.sqlite3")
    store.put("artifacts", {"id": "a1", "workspace_id": "w", "recording_id": "r1", "kind": "video_mixed"})
    store.put("artifacts", {"id": "a2", "workspace_id": "w", "recording_id": "r2", "kind": "transcript"})
    store.close()
    monkeypatch.undo()

    reopened = SqliteStore(tmp_path / "db.sqlite3")
    assert [d["id"] for d in reopened.find("artifacts", where={"recording_id": "r2"})] == ["a2"]
    assert [d["id"] for d in reopened.find("artifacts", where={"kind": "video_mixed"})] == ["a1"]
    reopened.close()
