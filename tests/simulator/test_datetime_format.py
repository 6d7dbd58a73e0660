"""One datetime format everywhere the region speaks: webhook bodies, REST bodies and downloads all write
Recall's `2024-10-18T15:12:01.032224Z` (UTC, microseconds, `Z`), through one function
(`seams.isoformat`), in both profiles."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from recall_sim.seams import VirtualClock, isoformat
from recall_sim.simulator.settings import ApiProfile
from tests.simulator.receiving import receiving_region
from tests.simulator.transcription.helpers import SEED_BODY, create_transcript, record_meeting

RECALL_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
LOOKS_LIKE_A_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT")


def datetimes(value: Any) -> list[str]:
    """Every string in `value` that starts like a datetime."""
    if isinstance(value, dict):
        return [d for item in value.values() for d in datetimes(item)]
    if isinstance(value, list):
        return [d for item in value for d in datetimes(item)]
    return [value] if isinstance(value, str) and LOOKS_LIKE_A_DATETIME.match(value) else []


def test_isoformat_is_recalls_format() -> None:
    assert isoformat(datetime(2024, 10, 18, 15, 12, 1, 32224, tzinfo=UTC)) == "2024-10-18T15:12:01.032224Z"
    # Microseconds are written when they are zero, and other offsets are converted to UTC.
    assert isoformat(datetime(2025, 1, 6, 9, 0, tzinfo=UTC)) == "2025-01-06T09:00:00.000000Z"
    east = timezone(timedelta(hours=2))
    assert isoformat(datetime(2025, 1, 6, 11, 0, tzinfo=east)) == "2025-01-06T09:00:00.000000Z"


@pytest.mark.parametrize("profile", ["seed", "current"])
async def test_every_body_the_region_sends_writes_one_datetime_format(
    clock: VirtualClock, tmp_path: Path, profile: ApiProfile
) -> None:
    async with receiving_region(clock, tmp_path, profile) as region:
        sim, receiver = region.sim, region.receiver
        # Start on a whole second, where a renderer that drops zero microseconds would show.
        clock.advance(1 - clock.timestamp() % 1)
        meeting = await record_meeting(sim, api_key=region.api_key)
        api = sim.client(region.api_key)
        created = await create_transcript(api, meeting.recording_id, SEED_BODY)
        assert created.status_code == 200, created.text
        await clock.sleep(5)

        webhooks = [r.body for r in receiver.deliveries]
        assert {
            "sdk_upload.completed" if profile == "seed" else "sdk_upload.complete",
            "transcript.done",
        } <= {b["event"] for b in webhooks}
        transcript = (await api.get(f"/api/v1/transcript/{created.json()['id']}/")).json()
        recording = (await api.get(f"/api/v1/recording/{meeting.recording_id}/")).json()
        rest = [
            (await api.get(f"/api/v1/sdk_upload/{meeting.upload['id']}/")).json(),
            recording,
            transcript,
            (await api.get("/api/v1/recording/")).json(),
        ]
        events_url = recording["media_shortcuts"]["participant_events"]["data"][
            "participant_events_download_url"
        ]
        downloads = [
            (await api.get(transcript["data"]["download_url"])).json(),
            (await api.get(events_url)).json(),
        ]
        for where, bodies, at_least in (
            ("webhook", webhooks, 8),
            ("REST", rest, 10),
            ("download", downloads, 4),
        ):
            found = datetimes(bodies)
            assert len(found) >= at_least, where
            wrong = [d for d in found if not RECALL_DATETIME.fullmatch(d)]
            assert wrong == [], where
