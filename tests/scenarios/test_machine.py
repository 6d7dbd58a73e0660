"""The lifecycle as a state machine: steps of the meeting, the app, the backend and faults interleave
on one live system, which must agree with the reference model after every step and at the end."""

from __future__ import annotations

from hypothesis import settings

from recall_sim.scenarios.machine import LifecycleMachine

TestLifecycle = LifecycleMachine.TestCase
TestLifecycle.settings = settings(settings(), stateful_step_count=15, deadline=None)
