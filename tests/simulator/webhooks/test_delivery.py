"""Delivery on the virtual clock: the retry schedule, what counts as failure, exhaustion, disabling,
resend and recover."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from recall_sim.scenarios.receiver import DROP, REDIRECT, THROTTLED, Behaviour, WebhookReceiver, hang
from recall_sim.seams import RandomStream, VirtualClock
from recall_sim.simulator.control_plane import EndpointCreate, EndpointOut
from recall_sim.simulator.errors import BadRequest
from recall_sim.simulator.webhooks import verify
from recall_sim.simulator.webhooks.models import Attempt
from tests.simulator.webhooks.conftest import EXACT, SCHEDULE
from tests.simulator.webhooks.support import emit, new_upload
from tests.support import Sim, make_sim

DAY = 24 * 3600.0
#: a message's whole retry schedule, and a margin
EXHAUSTION = sum(SCHEDULE) + 3600


def endpoint(sim: Sim, url: str = "http://receiver.test/hooks", **fields: object) -> EndpointOut:
    return sim.control.webhooks.create_endpoint(EndpointCreate(url=url, **fields))  # type: ignore[arg-type]


def attempts(sim: Sim, endpoint_id: str) -> list[Attempt]:
    return sim.control.webhooks.list_attempts(endpoint_id=endpoint_id)


def gaps(found: list[Attempt]) -> list[float]:
    return [(b.started_at - a.finished_at).total_seconds() for a, b in itertools.pairwise(found)]


@pytest.mark.parametrize("failures", range(8))
async def test_a_receiver_failing_n_times_gets_the_exact_schedule(
    hooked: Sim, receiver: WebhookReceiver, failures: int
) -> None:
    ep = endpoint(hooked)
    secret = hooked.control.webhooks.endpoint_secret(ep.id)
    receiver.fail(failures)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(EXHAUSTION)

    found = attempts(hooked, ep.id)
    assert gaps(found) == list(SCHEDULE[:failures])
    assert [a.outcome for a in found] == ["failed"] * failures + ["success"]
    assert [a.attempt_number for a in found] == list(range(1, failures + 2))
    assert {a.trigger for a in found} == {"scheduled"}
    assert [r.at for r in receiver.deliveries] == [a.started_at.timestamp() for a in found]
    assert len({r.msg_id for r in receiver.deliveries}) == 1
    for request, attempt in zip(receiver.deliveries, found, strict=True):
        # every attempt is signed anew, with its own timestamp
        assert request.headers["svix-timestamp"] == str(attempt.signed_at) == str(int(request.at))
        verify(secret, request.headers, request.raw, now=request.at)
    (message,) = hooked.control.webhooks.list_messages()
    assert message.destinations[0].status == "success"
    assert message.destinations[0].attempts == failures + 1
    assert hooked.region.scheduler.pending() == []


async def test_eight_failures_exhaust_a_message(hooked: Sim, receiver: WebhookReceiver) -> None:
    ep = endpoint(hooked)
    receiver.always(Behaviour("status", 503))
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(EXHAUSTION)
    found = attempts(hooked, ep.id)
    assert len(found) == 8
    assert found[-1].next_attempt_at is None
    assert all(a.status_code == 503 and a.response_body == "failing on purpose (503)" for a in found)
    assert hooked.region.scheduler.pending() == []
    (message,) = hooked.control.webhooks.list_messages(status="failed")
    assert message.destinations[0].status == "failed"
    await hooked.region.advance(3 * DAY)
    assert len(receiver.deliveries) == 8
    # five days have not passed: one exhausted message does not disable the endpoint
    assert not hooked.control.webhooks.get_endpoint(ep.id).disabled


@pytest.mark.parametrize(
    ("behaviour", "status_code", "error", "duration", "delay"),
    [
        pytest.param(REDIRECT, 302, None, 0.0, 5.0, id="3xx-not-followed"),
        pytest.param(Behaviour("status", 500), 500, None, 0.0, 5.0, id="5xx"),
        pytest.param(Behaviour("status", 404), 404, None, 0.0, 5.0, id="4xx"),
        pytest.param(THROTTLED, 429, None, 0.0, 60.0, id="429"),
        pytest.param(hang(20), None, "Timed out after 15 s", 15.0, 60.0, id="timeout"),
        pytest.param(DROP, None, "RemoteProtocolError", 0.0, 5.0, id="dropped-connection"),
    ],
)
@pytest.mark.parametrize("store_kind", ["memory"])
async def test_what_counts_as_failure_and_the_delay_that_follows(
    hooked: Sim,
    receiver: WebhookReceiver,
    behaviour: Behaviour,
    status_code: int | None,
    error: str | None,
    duration: float,
    delay: float,
) -> None:
    ep = endpoint(hooked)
    receiver.then(behaviour)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(120)
    first, second = attempts(hooked, ep.id)
    assert (first.outcome, first.status_code, first.duration) == ("failed", status_code, duration)
    assert (first.error is None) == (error is None)
    assert (first.error or "").startswith(error or "")
    assert first.next_attempt_at == first.finished_at + timedelta(seconds=delay)
    assert second.started_at == first.next_attempt_at
    assert second.outcome == "success"


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
@pytest.mark.parametrize("store_kind", ["memory"])
async def test_any_2xx_is_success(hooked: Sim, receiver: WebhookReceiver, status: int) -> None:
    ep = endpoint(hooked)
    receiver.always(Behaviour("status", status))
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(DAY)
    assert [(a.outcome, a.status_code) for a in attempts(hooked, ep.id)] == [("success", status)]


@pytest.fixture
def jittered(clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver) -> Iterator[Sim]:
    """A region with Svix's default, jittered schedule."""
    simulated = make_sim(clock, tmp_path, webhook_transport=receiver.transport())
    yield simulated
    simulated.close()


async def test_jitter_is_seeded_and_within_twenty_percent(jittered: Sim, receiver: WebhookReceiver) -> None:
    ep = endpoint(jittered)
    receiver.fail(7)
    emit(jittered.region, new_upload(jittered.region), "recording.done")
    await jittered.region.advance(sum(SCHEDULE) * 1.2 + 60)
    found = attempts(jittered, ep.id)
    assert [a.outcome for a in found] == ["failed"] * 7 + ["success"]
    stream = RandomStream(1234, "jitter")
    expected = [base * (1 + stream.uniform(-0.2, 0.2)) for base in SCHEDULE]
    assert gaps(found) == pytest.approx(expected, abs=1e-5)
    assert all(0.8 * base <= gap <= 1.2 * base for base, gap in zip(SCHEDULE, gaps(found), strict=True))
    assert gaps(found) != list(SCHEDULE)


async def test_a_jittered_retry_after_a_timeout_still_waits_a_minute(
    jittered: Sim, receiver: WebhookReceiver
) -> None:
    ep = endpoint(jittered)
    receiver.then(hang(), 2)
    emit(jittered.region, new_upload(jittered.region), "recording.done")
    await jittered.region.advance(600)
    first, second, third = attempts(jittered, ep.id)
    assert gaps([first, second, third])[0] == 60.0
    assert 0.8 * 300 <= gaps([first, second, third])[1] <= 1.2 * 300


async def test_an_endpoint_failing_for_five_days_is_disabled_and_stops_receiving(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    ep = endpoint(hooked)
    receiver.always(Behaviour("status", 500))
    start = hooked.region.ctx.now()
    upload = new_upload(hooked.region)
    # A message every 12 hours; the one made at 96 h exhausts its retries at 96 h + 27.6 h, the first
    # exhaustion that finds the endpoint failing for five days.
    for _ in range(10):
        emit(hooked.region, upload, "recording.processing")
        await hooked.region.advance(12 * 3600)
    await hooked.region.advance(10 * 3600)
    disabled = hooked.control.webhooks.get_endpoint(ep.id)
    assert (disabled.disabled, disabled.disabled_reason) == (True, "failing")
    assert disabled.updated_at == start + timedelta(hours=96, seconds=sum(SCHEDULE))
    assert disabled.failing_since == start

    received = len(receiver.deliveries)
    assert attempts(hooked, ep.id)[-1].finished_at == disabled.updated_at
    emit(hooked.region, upload, "recording.done")
    await hooked.region.advance(3 * DAY)
    assert len(receiver.deliveries) == received
    assert hooked.control.webhooks.list_messages(status="pending") == []
    newest = hooked.control.webhooks.list_messages()[-1]
    assert newest.event_type == "recording.done"
    assert [(d.status, d.attempts) for d in newest.destinations] == [("failed", 0)]

    # The receiver is fixed: enable the endpoint, resend one message, then recover the rest.
    receiver.recover()
    hooked.control.webhooks.enable_endpoint(ep.id)
    attempt = await hooked.control.webhooks.resend(newest.id, ep.id)
    assert (attempt.outcome, attempt.trigger, attempt.attempt_number) == ("success", "manual", None)
    assert len(receiver.deliveries) == received + 1
    assert receiver.deliveries[-1].msg_id == newest.id
    recovered = hooked.control.webhooks.recover(ep.id, since=start)
    assert len(recovered) == 11 - 1  # every message but the one just resent
    await hooked.region.advance(DAY)
    assert sorted(r.msg_id for r in receiver.deliveries[received + 1 :]) == sorted(recovered)
    assert hooked.control.webhooks.list_messages(status="failed") == []
    assert hooked.control.webhooks.get_endpoint(ep.id).failing_since is None


async def test_a_manual_resend_is_one_attempt_without_retries(hooked: Sim, receiver: WebhookReceiver) -> None:
    ep = endpoint(hooked)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(1)
    (message,) = hooked.control.webhooks.list_messages()
    receiver.always(Behaviour("status", 500))
    attempt = await hooked.control.webhooks.resend(message.id, ep.id)
    assert (attempt.outcome, attempt.status_code, attempt.next_attempt_at) == ("failed", 500, None)
    await hooked.region.advance(2 * DAY)
    assert len(receiver.deliveries) == 2
    assert hooked.region.scheduler.pending() == []
    # As in Svix, the destination shows its latest attempt, so a recover would pick the message up.
    assert hooked.control.webhooks.get_message(message.id).destinations[0].status == "failed"


async def test_a_success_closes_the_failure_window(hooked: Sim, receiver: WebhookReceiver) -> None:
    ep = endpoint(hooked)
    receiver.fail(3)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(10)
    assert hooked.control.webhooks.get_endpoint(ep.id).failing_since == hooked.region.ctx.now() - timedelta(
        seconds=10
    )
    await hooked.region.advance(DAY)
    assert hooked.control.webhooks.get_endpoint(ep.id).failing_since is None


async def test_a_disabled_endpoint_gets_messages_as_failed_until_recovered(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    ep = endpoint(hooked, disabled=True)
    start = hooked.region.ctx.now()
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(DAY)
    assert receiver.deliveries == []
    (message,) = hooked.control.webhooks.list_messages(status="failed", endpoint_id=ep.id)
    with pytest.raises(BadRequest):
        await hooked.control.webhooks.resend(message.id, ep.id)
    with pytest.raises(BadRequest):
        hooked.control.webhooks.recover(ep.id, since=start)
    hooked.control.webhooks.enable_endpoint(ep.id)
    # a time without an offset is UTC
    assert hooked.control.webhooks.recover(ep.id, since=start.replace(tzinfo=None)) == [message.id]
    await hooked.region.advance(1)
    assert [r.msg_id for r in receiver.deliveries] == [message.id]


async def test_pending_retries_stop_when_the_endpoint_is_disabled(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    ep = endpoint(hooked)
    receiver.fail(1)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(1)
    hooked.control.webhooks.disable_endpoint(ep.id)
    await hooked.region.advance(DAY)
    assert len(receiver.deliveries) == 1
    (message,) = hooked.control.webhooks.list_messages()
    assert message.destinations[0].status == "failed"


@pytest.mark.parametrize("store_kind", ["memory"])
async def test_a_resend_between_retries_leaves_the_schedule_alone(
    hooked: Sim, receiver: WebhookReceiver
) -> None:
    ep = endpoint(hooked)
    receiver.fail(2)
    emit(hooked.region, new_upload(hooked.region), "recording.done")
    await hooked.region.advance(1)
    (message,) = hooked.control.webhooks.list_messages()
    due = message.destinations[0].next_attempt_at
    resent = await hooked.control.webhooks.resend(message.id, ep.id)
    assert resent.outcome == "failed"
    (destination,) = hooked.control.webhooks.get_message(message.id).destinations
    assert (destination.status, destination.next_attempt_at, destination.attempts) == ("pending", due, 1)
    await hooked.region.advance(10)
    assert [(a.trigger, a.outcome) for a in attempts(hooked, ep.id)] == [
        ("scheduled", "failed"),
        ("manual", "failed"),
        ("scheduled", "success"),
    ]


def test_a_virtual_region_outside_its_loop_still_delivers(tmp_path: Path, receiver: WebhookReceiver) -> None:
    """`control.advance` on a plain asyncio loop jumps the clock job by job; attempts still complete."""
    clock = VirtualClock()
    sim = make_sim(clock, tmp_path, webhook_transport=receiver.transport(), webhooks=EXACT)
    try:
        ep = endpoint(sim)
        receiver.fail(1).then(hang(0.01))  # the second answer takes a (real) moment
        emit(sim.region, new_upload(sim.region), "recording.done")
        asyncio.run(sim.control.advance(60))
        assert [(a.outcome, a.status_code) for a in attempts(sim, ep.id)] == [
            ("failed", 500),
            ("success", 200),
        ]
        assert gaps(attempts(sim, ep.id)) == [5.0]
    finally:
        sim.close()
