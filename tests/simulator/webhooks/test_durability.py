"""Deliveries survive a restart on the SQLite store; re-run jobs (after a crash) send nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.seams import VirtualClock
from recall_sim.simulator.backend.events import DISPATCH_EVENT
from recall_sim.simulator.control_plane import EndpointCreate
from recall_sim.simulator.scheduler import Job
from recall_sim.simulator.webhooks.models import ATTEMPT_JOB
from tests.simulator.webhooks.conftest import EXACT, SCHEDULE
from tests.simulator.webhooks.support import emit, new_upload
from tests.support import Sim, make_sim


async def test_pending_retries_are_delivered_after_a_restart(
    clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver
) -> None:
    sim = make_sim(clock, tmp_path, "sqlite", webhook_transport=receiver.transport(), webhooks=EXACT)
    await sim.region.start()
    ep = sim.control.webhooks.create_endpoint(EndpointCreate(url="http://receiver.test/"))
    receiver.fail(2)
    upload = new_upload(sim.region)
    emit(sim.region, upload, "recording.done")
    emit(sim.region, upload, "sdk_upload.complete")
    await sim.region.advance(1)
    assert len(receiver.deliveries) == 2
    assert [j.payload["attempt"] for j in sim.region.scheduler.pending(ATTEMPT_JOB)] == [2, 2]

    await sim.aclose()
    restarted = sim.restart()
    try:
        await restarted.region.start()
        await restarted.region.advance(sum(SCHEDULE))
        by_message: dict[str, list[int]] = {}
        for attempt in restarted.control.webhooks.list_attempts(endpoint_id=ep.id):
            by_message.setdefault(attempt.message_id, []).append(attempt.attempt_number or 0)
        assert list(by_message.values()) == [[1, 2], [1, 2]]
        # one request per attempt, each message under one id, none lost, none doubled
        assert sorted(r.msg_id for r in receiver.deliveries) == sorted(2 * list(by_message))
        assert len(restarted.control.webhooks.list_messages(status="success", endpoint_id=ep.id)) == 2
        assert restarted.region.scheduler.pending() == []
    finally:
        await restarted.aclose()
        restarted.close()


def _job(kind: str, **payload: object) -> Job:
    return Job(id="job_rerun", kind=kind, due_at=0.0, payload=payload)


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_jobs_run_again_after_a_crash_send_nothing_twice(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    ep = hooked.control.webhooks.create_endpoint(EndpointCreate(url="http://receiver.test/"))
    event = emit(hooked.region, new_upload(hooked.region), "recording.done")
    dispatch = _job(DISPATCH_EVENT, event_id=event.id)
    await hooked.region.webhooks.dispatch_event(dispatch)
    await hooked.region.webhooks.dispatch_event(dispatch)
    await hooked.region.advance(1)  # the job record_event scheduled runs too: a third time
    (message,) = hooked.control.webhooks.list_messages()
    assert [r.msg_id for r in receiver.deliveries] == [message.id]

    attempt = _job(ATTEMPT_JOB, message_id=message.id, endpoint_id=ep.id, trigger="scheduled", attempt=1)
    await hooked.region.webhooks.delivery.run_attempt(attempt)
    resent = await hooked.control.webhooks.resend(message.id, ep.id)
    manual = _job(
        ATTEMPT_JOB, message_id=message.id, endpoint_id=ep.id, trigger="manual", attempt_id=resent.id
    )
    await hooked.region.webhooks.delivery.run_attempt(manual)
    assert len(receiver.deliveries) == 2
    assert len(hooked.control.webhooks.list_attempts(message_id=message.id)) == 2


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_jobs_for_vanished_messages_or_endpoints_do_nothing(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    ep = hooked.control.webhooks.create_endpoint(EndpointCreate(url="http://receiver.test/"))
    receiver.fail(1)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(1)
    (message,) = hooked.control.webhooks.list_messages()
    hooked.control.webhooks.delete_endpoint(ep.id)
    await hooked.region.advance(60)
    assert len(receiver.deliveries) == 1
    assert hooked.control.webhooks.get_message(message.id).destinations[0].status == "failed"
    delivery = hooked.region.webhooks.delivery
    await delivery.run_attempt(_job(ATTEMPT_JOB, message_id="msg_gone", endpoint_id=ep.id, trigger="manual"))
    await hooked.region.webhooks.dispatch_event(_job(DISPATCH_EVENT, event_id="evt_gone"))
    assert len(receiver.deliveries) == 1
