"""Cursor pages, as Django REST Framework's CursorPagination serves them: newest first, `next` and
`previous` links that walk every item exactly once in either direction, filters kept, bad cursors 404."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from recall_sim.seams import VirtualClock
from tests.simulator.factories import add_artifact, build_recording, create_upload, start_recording
from tests.support import Sim, make_sim

PAGE = 10


async def follow(client: httpx.AsyncClient, url: str, link: str) -> list[dict[str, Any]]:
    """Every page from `url` on, following `link` ("next" or "previous") until it is null."""
    pages = []
    next_url: str | None = url
    while next_url is not None:
        response = await client.get(next_url)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"next", "previous", "results"}
        pages.append(page)
        next_url = page[link]
        assert len(pages) < 50, "the links go round in circles"
    return pages


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["results"]]


async def assert_walks_both_ways(client: httpx.AsyncClient, url: str, expected: list[str]) -> None:
    """Forward from the first page over `expected` in order, then back over the same pages."""
    forward = await follow(client, url, "next")
    assert [ids(p) for p in forward] == [expected[i : i + PAGE] for i in range(0, len(expected), PAGE)]
    assert forward[0]["previous"] is None
    assert all(p["previous"] is not None for p in forward[1:])
    assert all(p["next"] is not None for p in forward[:-1])
    backward = await follow(client, forward[-1]["previous"], "previous")
    assert [ids(p) for p in reversed(backward)] == [ids(p) for p in forward[:-1]]
    assert backward[-1]["previous"] is None
    # A page reached going back links forward again to the page after it.
    for page, after in zip(reversed(backward), forward[1:], strict=True):
        assert ids((await client.get(page["next"])).json()) == ids(after)


async def test_uploads_walk_forward_and_back_newest_first(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    created = []
    for _ in range(35):
        created.append((await create_upload(client))["id"])
        clock.advance(1)
    await assert_walks_both_ways(client, "/api/v1/sdk_upload/", created[::-1])
    await assert_walks_both_ways(client, "/api/v1/sdk-upload/", created[::-1])


async def test_items_created_at_the_same_instant_still_paginate(sim: Sim) -> None:
    client = sim.client()
    # The virtual clock does not move: every upload has the same created_at.
    created = [(await create_upload(client))["id"] for _ in range(34)]
    assert len({u.created_at for u in sim.region.sdk_uploads.records.find()}) == 1
    expected = sorted(created, reverse=True)  # ties break on the id, consistently
    await assert_walks_both_ways(client, "/api/v1/sdk_upload/", expected)


async def test_pages_stay_put_while_new_items_arrive(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    older = []
    for _ in range(25):
        older.append((await create_upload(client))["id"])
        clock.advance(1)
    older.reverse()
    first = (await client.get("/api/v1/sdk_upload/")).json()
    assert ids(first) == older[:10]
    newer = []
    for _ in range(5):
        newer.append((await create_upload(client))["id"])
    rest = await follow(client, first["next"], "next")
    assert [ids(p) for p in rest] == [older[10:20], older[20:]]
    # Back from the second page: the same first page, which now has newer items before it.
    again = (await client.get(rest[0]["previous"])).json()
    assert ids(again) == older[:10]
    assert again["previous"] is not None
    assert ids((await client.get(again["previous"])).json()) == sorted(newer, reverse=True)


async def test_recording_pages_keep_their_filters(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    done = []
    for i in range(31):
        status = "failed" if i % 5 == 0 else "done"
        built = await build_recording(sim.region, client, status=status, kinds=())
        if status == "done":
            done.append(built.id)
        clock.advance(60)
    assert len(done) == 24
    url = "/api/v1/recording/?status_code=done&created_at_after=2025-01-06T09:00:00Z"
    forward = await follow(client, url, "next")
    for page in forward:
        for link in (page["next"], page["previous"]):
            if link is not None:
                query = parse_qs(urlsplit(link).query)
                assert query["status_code"] == ["done"]
                assert query["created_at_after"] == ["2025-01-06T09:00:00Z"]
                assert len(query["cursor"]) == 1
    await assert_walks_both_ways(client, url, done[::-1])


async def test_artifact_pages_keep_the_recording_filter(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    mine = start_recording(sim.region, (await create_upload(client))["id"])
    other = start_recording(sim.region, (await create_upload(client))["id"])
    transcripts = []
    for i in range(23):
        transcripts.append(add_artifact(sim.region, mine.id, "transcript").id)
        if i % 4 == 0:
            add_artifact(sim.region, other.id, "transcript")
        clock.advance(1)
    url = f"/api/v1/transcript/?recording_id={mine.id}"
    forward = await follow(client, url, "next")
    assert all(parse_qs(urlsplit(p["next"]).query)["recording_id"] == [mine.id] for p in forward[:-1])
    await assert_walks_both_ways(client, url, transcripts[::-1])
    assert len(ids((await client.get("/api/v1/transcript/")).json())) == PAGE


def encoded(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).decode("ascii")


async def test_an_invalid_cursor_is_not_found(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    for path in ("/api/v1/sdk_upload/", "/api/v1/recording/", "/api/v1/transcript/", "/api/v1/video_mixed/"):
        for cursor in (
            "zzz",
            "!!!!",
            encoded(b"x=1"),
            encoded(b"p=no-separator"),
            encoded(b"\xff\xfe\xfd"),
            encoded(b"p=2025|"),
        ):
            response = await client.get(path, params={"cursor": cursor})
            assert (response.status_code, response.json()) == (404, {"detail": "Invalid cursor"}), (
                path,
                cursor,
            )
        # An empty cursor is no cursor: the first page.
        first = await client.get(path, params={"cursor": ""})
        assert first.status_code == 200
        assert len(first.json()["results"]) == 1
    assert built.id


async def test_past_the_end_a_cursor_points_back(sim: Sim, clock: VirtualClock) -> None:
    client = sim.client()
    created = []
    for _ in range(12):
        created.append((await create_upload(client))["id"])
        clock.advance(1)
    newest_first = created[::-1]
    # A cursor at the oldest item (as when the items after a page's last one were deleted) finds
    # nothing, and links back to the page of items just before that position, as DRF's does.
    oldest = sim.region.sdk_uploads.records.get(created[0])
    assert oldest is not None
    cursor = encoded(urlencode({"p": f"{oldest.created_at.isoformat()}|{oldest.id}"}).encode())
    beyond = (await client.get("/api/v1/sdk_upload/", params={"cursor": cursor})).json()
    assert (beyond["results"], beyond["next"]) == ([], None)
    back = (await client.get(beyond["previous"])).json()
    assert ids(back) == newest_first[1:11]
    assert back["previous"] is not None
    assert back["next"] is not None


async def test_links_are_absolute_and_follow_the_public_base_url(
    sim: Sim, clock: VirtualClock, tmp_path: Path, store_kind: str
) -> None:
    for _ in range(11):
        await create_upload(sim.client())
    page = (await sim.client().get("/api/v1/sdk_upload/")).json()
    assert page["next"].startswith("http://testserver/api/v1/sdk_upload/?cursor=")

    public = make_sim(
        clock, tmp_path / "public", store_kind, public_base_url="https://recall.example.test:8443"
    )
    await public.region.start()
    try:
        client = public.client()
        for _ in range(11):
            await create_upload(client)
        page = (await client.get("/api/v1/sdk_upload/")).json()
        assert page["next"].startswith("https://recall.example.test:8443/api/v1/sdk_upload/?cursor=")
        second = await client.get(page["next"].replace("https://recall.example.test:8443", ""))
        assert len(second.json()["results"]) == 1
    finally:
        await public.aclose()
        public.close()
