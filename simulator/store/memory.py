"""The in-memory store, for tests and `recall-sim serve --in-memory`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from recall_sim.simulator.store.base import Store, check_collection, check_indexed

__all__ = ["MemoryStore"]

#: insertion sequence, the document's JSON, and its indexed fields' values as read back from that JSON:
#: `find` filters and orders on those, and parses only the documents it returns
_Row = tuple[int, str, dict[str, Any]]
_Undo = tuple[str, str, _Row | None]
#: the documents of one collection by one indexed field's value (ids), for the values a dict can key
_FieldIndex = dict[Any, set[str]]


def _as_read_back(value: Any) -> Any:
    """An indexed field's value as it reads back from the document's JSON, without parsing the whole
    document again: most are strings or numbers, which read back as they are."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    return json.loads(json.dumps(value))


def _keyable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float)


class MemoryStore(Store):
    def __init__(self) -> None:
        self._docs: dict[str, dict[str, _Row]] = {}
        self._meta: dict[str, str] = {}
        self._seq = 0
        # One undo log per open transaction level: (collection, id, previous row or None).
        self._undo: list[list[_Undo]] = []
        self._meta_undo: list[list[tuple[str, str | None]]] = []
        # A lookup by an indexed field reads only the documents with that value: a webhook dispatch
        # asks whether its event already has messages, and a scan of every message made each ask
        # cost as much as all the messages so far. Values no dict can key (lists, objects) stay in
        # `_unkeyed` and are compared on every lookup.
        self._index: dict[tuple[str, str], _FieldIndex] = {}
        self._unkeyed: dict[tuple[str, str], set[str]] = {}

    def _table(self, collection: str) -> dict[str, _Row]:
        check_collection(collection)
        return self._docs.setdefault(collection, {})

    def _remember(self, collection: str, doc_id: str) -> None:
        if self._undo:
            self._undo[-1].append((collection, doc_id, self._table(collection).get(doc_id)))

    def _set_row(self, collection: str, doc_id: str, row: _Row | None) -> None:
        """Replace (or, with None, remove) one document's row, keeping the field indexes."""
        table = self._table(collection)
        old = table.get(doc_id)
        if old is not None:
            for field, value in old[2].items():
                if _keyable(value):
                    ids = self._index[(collection, field)][value]
                    ids.discard(doc_id)
                    if not ids:
                        del self._index[(collection, field)][value]
                else:
                    self._unkeyed[(collection, field)].discard(doc_id)
        if row is None:
            table.pop(doc_id, None)
            return
        table[doc_id] = row
        for field, value in row[2].items():
            if _keyable(value):
                self._index.setdefault((collection, field), {}).setdefault(value, set()).add(doc_id)
            else:
                self._unkeyed.setdefault((collection, field), set()).add(doc_id)

    def get_json(self, collection: str, doc_id: str) -> str | None:
        row = self._table(collection).get(doc_id)
        return None if row is None else row[1]

    def put(self, collection: str, doc: Mapping[str, Any]) -> None:
        table = self._table(collection)
        doc_id = str(doc["id"])
        self._remember(collection, doc_id)
        existing = table.get(doc_id)
        if existing is None:
            self._seq += 1
            seq = self._seq
        else:
            seq = existing[0]
        text = json.dumps(doc, sort_keys=True)
        values = {field: _as_read_back(doc.get(field)) for field in check_collection(collection)}
        self._set_row(collection, doc_id, (seq, text, values))

    def delete(self, collection: str, doc_id: str) -> bool:
        table = self._table(collection)
        if doc_id not in table:
            return False
        self._remember(collection, doc_id)
        self._set_row(collection, doc_id, None)
        return True

    def _matching(self, collection: str, where: Mapping[str, Any] | None) -> list[_Row]:
        where = where or {}
        check_indexed(collection, list(where))
        table = self._table(collection)
        candidates: Iterable[_Row] = table.values()
        field, value = next(iter(where.items()), (None, None))
        if field is not None and _keyable(value):
            ids = self._index.get((collection, field), {}).get(value, set())
            ids = ids | self._unkeyed.get((collection, field), set())
            candidates = [table[i] for i in ids]
        # Filter before sorting: a lookup by one field sorts only what matches.
        rows = [r for r in candidates if all(r[2].get(k) == v for k, v in where.items())]
        rows.sort(key=lambda r: r[0])
        return rows

    def find_json(
        self,
        collection: str,
        *,
        where: Mapping[str, Any] | None = None,
        order_by: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        rows = self._matching(collection, where)
        if order_by is not None:
            check_indexed(collection, [order_by])
            rows.sort(key=lambda r: (r[2].get(order_by) is None, r[2].get(order_by), r[0]))
        if limit is not None:
            rows = rows[:limit]
        return [text for _, text, _ in rows]

    def count(self, collection: str, *, where: Mapping[str, Any] | None = None) -> int:
        return len(self._matching(collection, where))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._undo.append([])
        self._meta_undo.append([])
        try:
            yield
        except BaseException:
            undo, meta_undo = self._undo.pop(), self._meta_undo.pop()
            for collection, doc_id, previous in reversed(undo):
                self._set_row(collection, doc_id, previous)
            for key, old in reversed(meta_undo):
                if old is None:
                    self._meta.pop(key, None)
                else:
                    self._meta[key] = old
            raise
        else:
            undo, meta_undo = self._undo.pop(), self._meta_undo.pop()
            if self._undo:  # an inner block: its changes belong to the enclosing one now
                self._undo[-1].extend(undo)
                self._meta_undo[-1].extend(meta_undo)

    def get_meta(self, key: str) -> Any:
        text = self._meta.get(key)
        return None if text is None else json.loads(text)

    def put_meta(self, key: str, value: Any) -> None:
        if self._meta_undo:
            self._meta_undo[-1].append((key, self._meta.get(key)))
        self._meta[key] = json.dumps(value, sort_keys=True)

    def clear(self) -> None:
        self._docs.clear()
        self._index.clear()
        self._unkeyed.clear()
        self._meta.clear()
