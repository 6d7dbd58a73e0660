"""A Hypothesis state machine over one live lifecycle: it interleaves the meeting (time passing), the
desktop app (pause, resume, stop), the backend (a webhook outage) and faults (the network dropping, the
region restarting), each step acting at the virtual clock's current moment.

Beside the live system it keeps the scenario those steps amount to, a plain record that the reference
model (scenarios.reference) reads: after every step the SDK's state must be the model's, every webhook
so far must verify and every message must keep its body; at the end the whole run must agree with the
model's prediction for that scenario, like any other scenario run.

    TestLifecycle = LifecycleMachine.TestCase
"""

from __future__ import annotations

import dataclasses
import shutil
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from recall_sim.recorder.errors import RecallSdkError
from recall_sim.recorder.media import TINY
from recall_sim.scenarios.invariants import check
from recall_sim.scenarios.model import AppBehaviour, BackendBehaviour, Faults, Scenario
from recall_sim.scenarios.replay import ScenarioFailed, save_failure
from recall_sim.scenarios.runner import ScenarioRunner
from recall_sim.scenarios.scratch import scratch_directory
from recall_sim.scenarios.strategies import meetings
from recall_sim.seams import VirtualClock, VirtualTimeEventLoop

__all__ = ["LifecycleMachine"]

_TENTH = 0.1


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeEventLoop | None = None
        self.runner: ScenarioRunner | None = None
        self.workdir = scratch_directory("recall-sim-machine-")
        self.pauses: list[tuple[float, float | None]] = []
        self.stop_at: float | None = None
        self.drops: list[tuple[float, float]] = []
        self.outages: list[tuple[float, float]] = []
        self.restarts: list[float] = []

    # -- the live system -------------------------------------------------------------------------

    def _do(self, work: Any) -> Any:
        assert self.loop is not None
        return self.loop.run_until_complete(work)

    def _now(self) -> float:
        assert self.runner is not None
        return round(self.runner.clock.timestamp() - self.runner.origin, 6)

    def _soon(self, schedule: Any) -> None:
        """Run `schedule` inside the loop (it creates tasks), at the current moment."""

        async def inside() -> None:
            schedule()

        self._do(inside())

    @property
    def _sdk(self) -> Any:
        assert self.runner is not None
        return self.runner.desktops[-1].sdk

    @property
    def _window(self) -> str | None:
        assert self.runner is not None
        return self.runner.desktops[-1].window_id

    def _meeting_left(self) -> float:
        assert self.runner is not None
        return self.runner.meeting_end() - self._now()

    @initialize(
        seed=st.integers(0, 2**31 - 1),
        profile=st.sampled_from(("seed", "current")),
        mode=st.sampled_from(("seed", "current")),
        meeting=meetings(max_seconds=60),
    )
    def begin(self, seed: int, profile: str, mode: str, meeting: Any) -> None:
        self.scenario = Scenario(
            name=f"machine-{seed}",
            seed=seed,
            meeting=meeting,
            profile=profile,  # type: ignore[arg-type]
            app=AppBehaviour(upload_mode=mode),  # type: ignore[arg-type]
        )
        clock = VirtualClock()
        self.loop = VirtualTimeEventLoop(clock)
        self.runner = ScenarioRunner(self.scenario, clock, self.workdir, TINY, durable=True)
        self._do(self.runner.begin())

    # -- steps -------------------------------------------------------------------------------------

    @rule(tenths=st.integers(1, 150))
    def let_time_pass(self, tenths: int) -> None:
        assert self.runner is not None
        self._do(self.runner.clock.sleep(tenths * _TENTH))

    def _recording(self) -> bool:
        return self.runner is not None and self._window is not None and self._sdk.state == "recording"

    def _spaced(self) -> bool:
        """A step of the app at least a tenth after its previous one, and before the meeting ends."""
        last = max([p for p, _ in self.pauses] + [r for _, r in self.pauses if r is not None], default=-1.0)
        return self._now() - last >= _TENTH and self._meeting_left() > _TENTH

    @precondition(lambda self: self._recording() and self._spaced() and len(self.pauses) < 3)
    @rule()
    def pause(self) -> None:
        self._do(self._sdk.pause_recording(self._window))
        self.pauses.append((self._now(), None))

    @precondition(lambda self: self.runner is not None and self._sdk.state == "paused" and self._spaced())
    @rule()
    def resume(self) -> None:
        self._do(self._sdk.resume_recording(self._window))
        self.pauses[-1] = (self.pauses[-1][0], self._now())

    @precondition(lambda self: self._recording() and self._spaced() and self.stop_at is None)
    @rule()
    def stop(self) -> None:
        self._do(self._sdk.stop_recording(self._window))
        self.stop_at = self._now()

    @precondition(lambda self: self.runner is not None and not self.runner.network.down)
    @rule(seconds=st.sampled_from((5.0, 30.0, 90.0)))
    def drop_network(self, seconds: float) -> None:
        assert self.runner is not None
        runner, now = self.runner, self._now()
        self.drops.append((now, seconds))
        self._soon(lambda: runner.at(now, lambda: runner.drop_network(seconds), "network drop"))

    @precondition(lambda self: self.runner is not None and not self.outages)
    @rule(seconds=st.sampled_from((60.0, 3600.0)))
    def webhook_outage(self, seconds: float) -> None:
        assert self.runner is not None
        start = self._now()
        self.outages.append((start, start + seconds))
        origin = self.runner.origin
        self.runner.backend.outages.append((origin + start, origin + start + seconds))
        runner = self.runner
        self._soon(lambda: runner.schedule_recover(start, start + seconds))

    @precondition(lambda self: self.runner is not None and not self.restarts and not self.runner.network.down)
    @rule()
    def restart_region(self) -> None:
        assert self.runner is not None
        self.restarts.append(self._now())
        self._do(self.runner.restart_region())

    # -- checks after every step -------------------------------------------------------------------

    @invariant()
    def the_sdk_state_is_the_models(self) -> None:
        if self.runner is None or self._window is None:
            return
        now = self._now()
        end = self.stop_at if self.stop_at is not None else self.runner.meeting_end()
        if abs(now - end) < _TENTH / 2:
            return  # the window closing at this very moment may not have been handled yet
        expected = "idle"
        if now < end:
            expected = "paused" if self.pauses and self.pauses[-1][1] is None else "recording"
        assert self._sdk.state == expected, f"the SDK is {self._sdk.state!r}, the model says {expected!r}"

    @invariant()
    def webhooks_so_far_verify_and_keep_their_bodies(self) -> None:
        if self.runner is None:
            return
        bodies: dict[str, Any] = {}
        for delivery in self.runner.backend.deliveries:
            assert delivery.verified, f"{delivery.event} ({delivery.msg_id}) did not verify"
            assert bodies.setdefault(delivery.msg_id, delivery.body) == delivery.body, delivery.msg_id

    # -- the end -------------------------------------------------------------------------------------

    def _equivalent(self) -> Scenario:
        """The scenario the steps amount to: what the reference model predicts from."""
        end = self.stop_at if self.stop_at is not None else self.scenario.meeting.duration
        pauses = tuple((p, r if r is not None else end) for p, r in self.pauses)
        return dataclasses.replace(
            self.scenario,
            app=dataclasses.replace(self.scenario.app, pauses=pauses, stop_at=self.stop_at),
            backend=BackendBehaviour(webhook_outages=tuple(self.outages)),
            faults=Faults(
                network_drops=tuple(self.drops),
                simulator_restart_at=self.restarts[0] if self.restarts else None,
            ),
        )

    def teardown(self) -> None:
        try:
            if self.runner is None or self.loop is None:
                return
            equivalent = self._equivalent()
            self.runner.scenario = equivalent
            try:
                self._do(self.runner.clock.sleep_until(self.runner.origin + self.runner.horizon()))
                run = self._do(self.runner.end())
            except RecallSdkError as error:
                raise AssertionError(f"the SDK refused a step: {error!r}") from error
            violations = check(run)
            if violations:
                raise ScenarioFailed(equivalent, violations, save_failure(equivalent))
        finally:
            if self.loop is not None:
                self.loop.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
