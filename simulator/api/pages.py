"""Turning a backend list into a cursor page with working `next` and `previous` URLs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import urlsplit

from fastapi import Request

from recall_sim.simulator.api.pagination import Cursor, decode_cursor, encode_cursor, paginate, position_of
from recall_sim.simulator.region import Region
from recall_sim.simulator.schemas.common import Page

__all__ = ["page_of"]

T = TypeVar("T")
R = TypeVar("R")


def page_of(
    request: Request,
    region: Region,
    items: Sequence[T],
    render: Callable[[T], R],
) -> Page[R]:
    cursor_param = request.query_params.get("cursor")
    cursor = decode_cursor(cursor_param) if cursor_param else None
    sliced = paginate(
        items,
        lambda item: position_of(item.created_at, item.id),  # type: ignore[attr-defined]
        cursor,
        region.settings.page_size,
    )
    url = request.url
    if region.settings.public_base_url:
        public = urlsplit(region.settings.public_base_url)
        url = url.replace(scheme=public.scheme, netloc=public.netloc)

    def link(c: Cursor | None) -> str | None:
        return None if c is None else str(url.include_query_params(cursor=encode_cursor(c)))

    return Page[R](
        next=link(sliced.next), previous=link(sliced.previous), results=[render(i) for i in sliced.items]
    )
