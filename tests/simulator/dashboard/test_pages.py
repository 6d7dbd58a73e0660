"""The dashboard's pages over the ASGI app, without a browser: where they are, what they show, and that
they stay out of the API's document."""

from __future__ import annotations

import html

from recall_sim.simulator.dashboard.views import mask
from tests.support import Sim

PAGES = [
    "/_simulator/",
    "/_simulator/ui/uploads",
    "/_simulator/ui/webhooks",
    "/_simulator/ui/faults",
    "/_simulator/ui/runs",
]


async def test_the_root_redirects_to_the_dashboard(sim: Sim) -> None:
    answer = await sim.client(None).get("/")
    assert (answer.status_code, answer.headers["location"]) == (307, "/_simulator/")


async def test_every_page_is_html_without_a_key_and_outside_the_document(sim: Sim) -> None:
    client = sim.client(None)
    for path in PAGES:
        page = await client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-store"
        assert "/_simulator/ui/static/dashboard.js" in page.text
    document = (await client.get("/_simulator/openapi.json")).json()
    assert not [p for p in document["paths"] if p == "/" or p == "/_simulator/" or "/ui/" in p]
    script = await client.get("/_simulator/ui/static/dashboard.js")
    assert (script.status_code, script.headers["content-type"]) == (200, "text/javascript; charset=utf-8")
    assert (await client.get("/_simulator/ui/static/../region.py")).status_code == 404
    assert (await client.get("/_simulator/ui/static/secret.txt")).json() == {"detail": "Not found."}


async def test_the_overview_shows_keys_masked_with_the_whole_key_to_copy(sim: Sim) -> None:
    page = (await sim.client(None).get("/_simulator/")).text
    key = sim.api_key
    assert f'data-copy="{key}"' in page
    assert f">{mask(key)}<" in page
    assert html.escape(sim.region.settings.region) in page


async def test_uploads_are_found_by_a_piece_of_their_id_and_by_status(sim: Sim) -> None:
    api = sim.client()
    first = (await api.post("/api/v1/sdk_upload/")).json()
    second = (await api.post("/api/v1/sdk_upload/")).json()
    pages = sim.client(None)
    both = (await pages.get("/_simulator/ui/uploads")).text
    assert first["id"] in both
    assert second["id"] in both
    found = (await pages.get("/_simulator/ui/uploads", params={"q": second["id"][:13]})).text
    assert second["id"] in found
    assert first["id"] not in found
    assert first["id"] in (await pages.get("/_simulator/ui/uploads", params={"status": "pending"})).text
    nothing = (await pages.get("/_simulator/ui/uploads", params={"status": "complete"})).text
    assert first["id"] not in nothing
    assert "No uploads match." in nothing


async def test_an_unknown_recording_or_message_is_a_404_page(sim: Sim) -> None:
    pages = sim.client(None)
    missing = await pages.get("/_simulator/ui/recordings/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert "The region holds no recording 00000000-0000-0000-0000-000000000000." in missing.text
    assert (await pages.get("/_simulator/ui/webhooks/messages/msg_nope")).status_code == 404


def test_mask_keeps_only_enough_to_tell_keys_apart() -> None:
    assert mask("0123456789abcdef0123456789abcdef01234567") == "012345…4567"
    assert mask("short") == "•••••"
