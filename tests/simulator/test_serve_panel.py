"""The start-up panel of `recall-sim serve` tells the truth: each endpoint's signing secret and headers,
and no workspace secret where it signs nothing (the seed profile)."""

from __future__ import annotations

import re

import httpx
import pytest

from recall_sim.scenarios.served_process import serve_process

pytestmark = pytest.mark.served


@pytest.mark.parametrize("profile", ["seed", "current"])
def test_the_panel_shows_the_secret_each_endpoint_verifies_with(profile: str) -> None:
    hooks = ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    flags = [f for url in hooks for f in ("--webhook-url", url)]
    with serve_process("--in-memory", "--profile", profile, *flags) as region:
        panel = region.output()
        control = httpx.get(f"{region.base_url}/_simulator/webhooks/endpoints").json()
        workspace = httpx.get(f"{region.base_url}/_simulator/workspaces").json()[0]
        for endpoint in control:
            key = httpx.get(f"{region.base_url}/_simulator/webhooks/endpoints/{endpoint['id']}/secret")
            assert re.search(
                rf"webhook\s+{re.escape(endpoint['url'])}\s+\(secret {re.escape(key.json()['key'])}\)", panel
            )
    family = "svix" if profile == "seed" else "webhook"
    assert f"{family}-id, {family}-timestamp, {family}-signature" in panel
    if profile == "seed":
        # Each seed endpoint signs with its own secret; the workspace's signs nothing, so it is not shown.
        assert "webhook secret" not in panel
        assert workspace["webhook_secret"] not in panel
    else:
        assert f"webhook secret  {workspace['webhook_secret']}  (every endpoint)" in panel
