"""Signed download links: the exact bytes with no API key; a forged, stale or misdirected link never
returns the file."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from recall_sim.seams import VirtualClock
from recall_sim.simulator.downloads import DOWNLOADS, DownloadSigner
from tests.simulator.factories import Built, blob_bytes, build_recording
from tests.support import Sim

FORBIDDEN_SIGNATURE = (403, {"detail": "Invalid download signature."})
EXPIRED = (403, {"detail": "This download link has expired."})
NOT_FOUND = (404, {"detail": "Not found."})


async def links_of(client: httpx.AsyncClient, built: Built) -> dict[str, str]:
    """Every download link of a recording, by download kind, read from its media shortcuts."""
    shortcuts = (await client.get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"]
    events = shortcuts["participant_events"]["data"]
    return {
        "video_mixed": shortcuts["video_mixed"]["data"]["download_url"],
        "audio_mixed": shortcuts["audio_mixed"]["data"]["download_url"],
        "transcript": shortcuts["transcript"]["data"]["download_url"],
        "transcript_provider_data": shortcuts["transcript"]["data"]["provider_data_download_url"],
        "participant_events": events["participant_events_download_url"],
        "speaker_timeline": events["speaker_timeline_download_url"],
        "participants": events["participants_download_url"],
    }


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def outcome(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json()


async def test_a_done_artifacts_links_serve_the_exact_bytes_without_a_key(sim: Sim) -> None:
    built = await build_recording(sim.region, sim.client())
    links = await links_of(sim.client(), built)
    assert set(links) == set(DOWNLOADS)
    anonymous = sim.client(None)
    for download, url in links.items():
        artifact_kind, part, content_type, extension = DOWNLOADS[download]
        artifact = built.artifacts[artifact_kind]
        response = await anonymous.get(url)
        assert response.status_code == 200, download
        assert response.content == blob_bytes(artifact.kind, part, artifact.id), download
        assert response.headers["content-type"].split(";")[0] == content_type
        assert response.headers["content-length"] == str(len(response.content))
        assert response.headers["content-disposition"] == (
            f'attachment; filename="{built.id}-{download}.{extension}"'
        )
    # A link works any number of times, and an API key neither helps nor hurts.
    assert (await sim.client().get(links["video_mixed"])).status_code == 200
    assert (await sim.client("wrong").get(links["video_mixed"])).status_code == 200


async def test_the_artifact_endpoints_hand_out_the_same_working_links(sim: Sim) -> None:
    built = await build_recording(sim.region, sim.client())
    artifact = built.artifacts["participant_events"]
    data = (await sim.client().get(f"/api/v1/participant_events/{artifact.id}/")).json()["data"]
    response = await sim.client(None).get(data["speaker_timeline_download_url"])
    assert response.content == blob_bytes("participant_events", "speaker_timeline", artifact.id)


def flip(text: str, index: int) -> str:
    replacement = "B" if text[index] == "A" else "A"
    return text[:index] + replacement + text[index + 1 :]


async def test_a_tampered_token_is_forbidden(sim: Sim) -> None:
    built = await build_recording(sim.region, sim.client())
    url = (await links_of(sim.client(), built))["video_mixed"]
    token = token_of(url)
    payload, signature = token.split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_claims["e"] += 86400 * 365
    longer = base64.urlsafe_b64encode(json.dumps(forged_claims, separators=(",", ":")).encode())
    other_artifact = built.artifacts["audio_mixed"].id
    moved = base64.urlsafe_b64encode(
        json.dumps({**forged_claims, "a": other_artifact}, separators=(",", ":")).encode()
    )
    forged = {
        "payload-first-char": f"{flip(payload, 0)}.{signature}",
        "payload-middle-char": f"{flip(payload, len(payload) // 2)}.{signature}",
        "signature-first-char": f"{payload}.{flip(signature, 0)}",
        "signature-last-char": f"{payload}.{flip(signature, len(signature) - 1)}",
        "longer-expiry": f"{longer.decode().rstrip('=')}.{signature}",
        "another-artifact": f"{moved.decode().rstrip('=')}.{signature}",
        "no-signature": f"{payload}.",
        "no-payload": f".{signature}",
        "payload-only": payload,
        "empty": "",
        "garbage": "not-a-token",
        # not ASCII: compare_digest and the signing raised on them, and the link answered 500
        "signature-not-ascii": f"{payload}.{signature[:-1]}\u00e9",
        "payload-not-ascii": f"\u00e9{payload}.{signature}",
    }
    anonymous = sim.client(None)
    for case, token in forged.items():
        response = await anonymous.get("/api/v1/download/video_mixed", params={"token": token})
        assert outcome(response) == FORBIDDEN_SIGNATURE, case
    missing = await anonymous.get("/api/v1/download/video_mixed")
    assert outcome(missing) == FORBIDDEN_SIGNATURE
    # The untouched link still works.
    assert (await anonymous.get(url)).status_code == 200


async def test_a_token_for_another_download_is_not_found(sim: Sim) -> None:
    built = await build_recording(sim.region, sim.client())
    links = await links_of(sim.client(), built)
    anonymous = sim.client(None)
    for download, url in links.items():
        token = token_of(url)
        for other in DOWNLOADS:
            if other == download:
                continue
            response = await anonymous.get(f"/api/v1/download/{other}", params={"token": token})
            assert outcome(response) == NOT_FOUND, (download, other)
    unknown = await anonymous.get(
        "/api/v1/download/video_separate", params={"token": token_of(links["video_mixed"])}
    )
    assert outcome(unknown) == NOT_FOUND


async def test_a_link_expires_after_six_hours(sim: Sim, clock: VirtualClock) -> None:
    built = await build_recording(sim.region, sim.client())
    links = await links_of(sim.client(), built)
    anonymous = sim.client(None)
    clock.advance(6 * 3600 - 1)
    assert (await anonymous.get(links["audio_mixed"])).status_code == 200
    clock.advance(1)
    for download, url in links.items():
        assert outcome(await anonymous.get(url)) == EXPIRED, download
    # A fresh read of the recording mints fresh links.
    fresh = await links_of(sim.client(), built)
    assert fresh["audio_mixed"] != links["audio_mixed"]
    response = await anonymous.get(fresh["audio_mixed"])
    assert response.content == blob_bytes("audio_mixed", "download", built.artifacts["audio_mixed"].id)


async def test_expiry_is_measured_on_the_regions_clock_with_timers_firing(
    sim: Sim, clock: VirtualClock
) -> None:
    built = await build_recording(sim.region, sim.client())
    url = (await links_of(sim.client(), built))["participants"]
    await clock.sleep(6 * 3600)
    assert outcome(await sim.client(None).get(url)) == EXPIRED


async def test_links_of_deleted_media_no_longer_serve_it(sim: Sim) -> None:
    client = sim.client()
    built = await build_recording(sim.region, client)
    links = await links_of(client, built)
    assert (await client.delete(f"/api/v1/transcript/{built.artifacts['transcript'].id}/")).status_code == 204
    anonymous = sim.client(None)
    assert outcome(await anonymous.get(links["transcript"])) == NOT_FOUND
    assert outcome(await anonymous.get(links["transcript_provider_data"])) == NOT_FOUND
    assert (await anonymous.get(links["video_mixed"])).status_code == 200
    assert (await client.delete(f"/api/v1/recording/{built.id}/")).status_code == 204
    for download, url in links.items():
        assert outcome(await anonymous.get(url)) == NOT_FOUND, download


@pytest.mark.parametrize("status", ["processing", "failed"])
async def test_an_artifact_that_is_not_done_has_no_file_to_serve(sim: Sim, status: str) -> None:
    built = await build_recording(sim.region, sim.client(), status="processing", artifact_status=status)
    video = built.artifacts["video_mixed"]
    shortcut = (await sim.client().get(f"/api/v1/recording/{built.id}/")).json()["media_shortcuts"]
    assert shortcut["video_mixed"]["data"]["download_url"] is None
    # Even a correctly signed link (the region's own key) finds nothing to serve.
    token = sim.region.signer.sign(video.id, "video_mixed", sim.region.clock.timestamp() + 60)
    response = await sim.client(None).get("/api/v1/download/video_mixed", params={"token": token})
    assert outcome(response) == NOT_FOUND


async def test_a_link_signed_by_another_region_is_forbidden(sim: Sim) -> None:
    built = await build_recording(sim.region, sim.client())
    # Same artifact, same claims, another region's key.
    foreign = DownloadSigner(bytes(32)).sign(built.artifacts["video_mixed"].id, "video_mixed", 2e9)
    response = await sim.client(None).get("/api/v1/download/video_mixed", params={"token": foreign})
    assert outcome(response) == FORBIDDEN_SIGNATURE
