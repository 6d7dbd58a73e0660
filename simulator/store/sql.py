"""The queries both SQL stores (SQLite, PostgreSQL) build for `find` and `count`: one table per
collection, a column per indexed field, rows kept in insertion order by `seq`.

The two databases differ here only in how a parameter is written (`?` or `%s`) and how a value is
passed (SQLite compares the plain value; PostgreSQL's indexed columns are jsonb, so the value goes as
jsonb), so a `QueryBuilder` takes exactly those two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from recall_sim.simulator.store.base import check_indexed

__all__ = ["QueryBuilder", "column"]


def column(field: str) -> str:
    """The column that indexes a document's field."""
    return f"ix_{field}"


def _as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class QueryBuilder:
    """SQL and parameters for the document interface's queries, in one database's spelling."""

    #: how the database's driver marks a parameter
    placeholder: str
    #: how a value compared in WHERE is passed to the driver
    wrap: Callable[[Any], Any] = _as_is

    def where(self, collection: str, where: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        """` WHERE ...` (empty when nothing is asked) and its parameters; a None value matches NULL."""
        where = where or {}
        check_indexed(collection, list(where))
        clauses, params = [], []
        for field, value in where.items():
            if value is None:
                clauses.append(f"{column(field)} IS NULL")
            else:
                clauses.append(f"{column(field)} = {self.placeholder}")
                params.append(self.wrap(value))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def find(
        self,
        collection: str,
        where: Mapping[str, Any] | None,
        order_by: str | None,
        limit: int | None,
    ) -> tuple[str, list[Any]]:
        """The documents' JSON, in insertion order or by an indexed field (missing values last, ties in
        insertion order), at most `limit` of them."""
        clause, params = self.where(collection, where)
        order = "seq"
        if order_by is not None:
            check_indexed(collection, [order_by])
            order = f"{column(order_by)} IS NULL, {column(order_by)}, seq"
        sql = f"SELECT data FROM {collection}{clause} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql, params

    def count(self, collection: str, where: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        """How many documents match."""
        clause, params = self.where(collection, where)
        return f"SELECT count(*) FROM {collection}{clause}", params
