"""The in-memory store's lookups by indexed field stay right through updates, deletes and rollbacks."""

from __future__ import annotations

import pytest

from recall_sim.simulator.store import MemoryStore


def _ids(store: MemoryStore, **where: object) -> list[str]:
    return [d["id"] for d in store.find("webhook_messages", where=where)]


def _change_then_fail(store: MemoryStore) -> None:
    with store.transaction():
        store.put("webhook_messages", {"id": "msg_4", "event_id": "evt_a", "workspace_id": "ws"})
        store.put("webhook_messages", {"id": "msg_1", "event_id": "evt_c", "workspace_id": "ws"})
        store.delete("webhook_messages", "msg_3")
        assert _ids(store, event_id="evt_c") == ["msg_1"]
        raise RuntimeError("rolled back")


def test_a_lookup_by_field_follows_puts_deletes_and_rollbacks() -> None:
    store = MemoryStore()
    for n, event in enumerate(["evt_a", "evt_b", "evt_a", None]):
        store.put("webhook_messages", {"id": f"msg_{n}", "event_id": event, "workspace_id": "ws"})
    assert _ids(store, event_id="evt_a") == ["msg_0", "msg_2"]
    assert _ids(store, event_id=None) == ["msg_3"]
    assert store.count("webhook_messages", where={"event_id": "evt_c"}) == 0

    # Moved to another value: found under the new one only, and keeps its place in insertion order.
    store.put("webhook_messages", {"id": "msg_0", "event_id": "evt_b", "workspace_id": "ws"})
    assert _ids(store, event_id="evt_a") == ["msg_2"]
    assert _ids(store, event_id="evt_b") == ["msg_0", "msg_1"]
    assert store.delete("webhook_messages", "msg_2")
    assert _ids(store, event_id="evt_a") == []

    with pytest.raises(RuntimeError, match="rolled back"):
        _change_then_fail(store)
    assert _ids(store, event_id="evt_a") == []
    assert _ids(store, event_id="evt_b") == ["msg_0", "msg_1"]
    assert _ids(store, event_id="evt_c") == []
    assert _ids(store, event_id=None) == ["msg_3"]
    assert _ids(store, workspace_id="ws", event_id="evt_b") == ["msg_0", "msg_1"]

    store.clear()
    assert _ids(store, event_id="evt_b") == []


def test_a_value_no_dict_can_key_is_still_found() -> None:
    store = MemoryStore()
    store.put("webhook_messages", {"id": "msg_1", "event_id": ["odd"], "workspace_id": "ws"})
    store.put("webhook_messages", {"id": "msg_2", "event_id": "evt", "workspace_id": "ws"})
    assert _ids(store, event_id=["odd"]) == ["msg_1"]
    assert _ids(store, event_id="evt") == ["msg_2"]
