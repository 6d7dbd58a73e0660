"""Each writer refuses a status change its resource cannot make from where it is, with a 409 in the API's
shape, and changes nothing."""

from __future__ import annotations

import pytest

from recall_sim.simulator.errors import InvalidTransition
from recall_sim.simulator.records import Status
from tests.simulator.factories import build_recording, create_upload, start_recording
from tests.support import Sim


async def test_an_upload_completes_only_from_uploading(sim: Sim) -> None:
    region = sim.region
    created = await create_upload(sim.client())
    upload = region.sdk_uploads.records.get(created["id"])
    assert upload is not None
    with pytest.raises(InvalidTransition) as refused, region.ctx.unit_of_work():
        region.sdk_uploads.complete(upload, region.ctx.now())
    assert refused.value.status_code == 409
    assert refused.value.body == {
        "detail": f"The sdk upload {upload.id} is pending; it cannot become complete."
    }
    stored = region.sdk_uploads.records.get(upload.id)
    assert stored is not None
    assert stored.status.code == "pending"
    start_recording(region, upload.id)
    with region.ctx.unit_of_work():
        completed = region.sdk_uploads.complete(
            region.sdk_uploads.records.get(upload.id) or upload, region.ctx.now()
        )
    assert completed.status.code == "complete"


async def test_a_finished_recording_neither_pauses_nor_fails_again(sim: Sim) -> None:
    region = sim.region
    built = await build_recording(region, sim.client(), kinds=())
    done = built.recording
    assert done.status.code == "done"
    now = region.ctx.now()
    for move in (
        lambda: region.recordings.pause(done, now),
        lambda: region.recordings.fail(done, Status(code="failed", updated_at=now)),
        lambda: region.recordings.complete(done, now),
    ):
        with pytest.raises(InvalidTransition), region.ctx.unit_of_work():
            move()
    stored = region.recordings.records.get(done.id)
    assert stored is not None
    assert stored.status.code == "done"


async def test_an_upload_token_starts_one_recording_and_is_finalized_once(sim: Sim) -> None:
    region = sim.region
    created = await create_upload(sim.client())
    token = region.upload_tokens.tokens.get(created["upload_token"])
    assert token is not None
    now = region.ctx.now()
    with pytest.raises(InvalidTransition), region.ctx.unit_of_work():
        region.upload_tokens.mark_finalized(token, {}, now)  # never started, never ended
    with region.ctx.unit_of_work():
        started = region.upload_tokens.mark_started(token, {"platform": "zoom"}, now)
    with pytest.raises(InvalidTransition), region.ctx.unit_of_work():
        region.upload_tokens.mark_started(started, {}, now)
    with region.ctx.unit_of_work():
        ended = region.upload_tokens.mark_ended(started, 12.5, now)
        spent = region.upload_tokens.mark_finalized(ended, {"media": "file-1"}, now)
    assert spent.session == {"platform": "zoom", "duration": 12.5, "parts": {"media": "file-1"}}
    with pytest.raises(InvalidTransition), region.ctx.unit_of_work():
        region.upload_tokens.mark_finalized(spent, {}, now)
