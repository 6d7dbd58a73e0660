"""Cursor pagination in the manner of Django REST Framework's CursorPagination.

Results run newest first. A cursor is an opaque, URL-safe token holding the position (creation time
and id) of the page edge and a direction, so pages stay stable while new objects are created.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import parse_qs, urlencode

from recall_sim.simulator.errors import NotFound

__all__ = ["Cursor", "PageSlice", "decode_cursor", "encode_cursor", "paginate"]

T = TypeVar("T")
Position = tuple[str, str]


@dataclass(frozen=True)
class Cursor:
    position: Position
    reverse: bool


def encode_cursor(cursor: Cursor) -> str:
    query = {"p": f"{cursor.position[0]}|{cursor.position[1]}"}
    if cursor.reverse:
        query["r"] = "1"
    return base64.urlsafe_b64encode(urlencode(query).encode("utf-8")).decode("ascii")


def decode_cursor(token: str) -> Cursor:
    try:
        query = parse_qs(base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8"), strict_parsing=True)
        created, _, ident = query["p"][0].partition("|")
        reverse = query.get("r", ["0"])[0] == "1"
    except (binascii.Error, UnicodeError, ValueError, KeyError, IndexError):
        raise NotFound("Invalid cursor") from None
    if not ident:
        raise NotFound("Invalid cursor")
    return Cursor(position=(created, ident), reverse=reverse)


@dataclass
class PageSlice(Generic[T]):
    items: list[T]
    next: Cursor | None
    previous: Cursor | None


def position_of(created_at: datetime, ident: str) -> Position:
    return (created_at.isoformat(), ident)


def paginate(
    items: Sequence[T], position: Callable[[T], Position], cursor: Cursor | None, page_size: int
) -> PageSlice[T]:
    ordered = sorted(items, key=position, reverse=True)  # newest first
    if cursor is None:
        page = ordered[:page_size]
        more_after = len(ordered) > page_size
        more_before = False
    elif not cursor.reverse:
        after = [i for i in ordered if position(i) < cursor.position]
        page = after[:page_size]
        more_after = len(after) > page_size
        more_before = len(after) < len(ordered)
    else:
        before = [i for i in ordered if position(i) > cursor.position]
        page = before[-page_size:] if page_size < len(before) else before
        more_before = len(before) > page_size
        more_after = len(before) < len(ordered)
    next_cursor = previous_cursor = None
    if page:
        if more_after:
            next_cursor = Cursor(position(page[-1]), reverse=False)
        if more_before:
            previous_cursor = Cursor(position(page[0]), reverse=True)
    elif cursor is not None:
        # Past either end: point back at whatever lies on the other side of the cursor.
        if not cursor.reverse and more_before:
            previous_cursor = Cursor(cursor.position, reverse=True)
        if cursor.reverse and more_after:
            next_cursor = Cursor(cursor.position, reverse=False)
    return PageSlice(items=page, next=next_cursor, previous=previous_cursor)
