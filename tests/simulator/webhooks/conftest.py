"""Fixtures of the webhook tests: a receiver, and a region whose webhooks reach it in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.seams import VirtualClock
from recall_sim.simulator.settings import WebhookSettings
from tests.support import Sim, make_sim

#: Svix's schedule without jitter, so tests can name the moments
EXACT = WebhookSettings(jitter=0)
SCHEDULE = EXACT.retry_schedule


@pytest.fixture
def receiver(clock: VirtualClock) -> WebhookReceiver:
    return WebhookReceiver(clock, path=None)


@pytest.fixture
def hooked(store_kind: str, clock: VirtualClock, tmp_path: Path, receiver: WebhookReceiver) -> Iterator[Sim]:
    """A seed-profile region (exact retry times) that delivers to `receiver`, on both stores."""
    simulated = make_sim(clock, tmp_path, store_kind, webhook_transport=receiver.transport(), webhooks=EXACT)
    yield simulated
    simulated.close()
