"""Repository-wide pytest configuration: Hypothesis profiles, chosen by RECALL_SIM_HYPOTHESIS_PROFILE."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
# `ci` by default: derandomized, so every run of the test command (and CI) tries the same examples;
# `dev` is quicker for a local loop, `thorough` searches far longer.
settings.load_profile(os.environ.get("RECALL_SIM_HYPOTHESIS_PROFILE", "ci"))
