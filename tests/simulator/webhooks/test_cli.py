"""`recall-sim serve --webhook-url URL [--webhook-secret whsec_...]`: endpoints of the start-up workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from recall_sim.scenarios.cli import build_app
from recall_sim.simulator import Region, Settings
from recall_sim.simulator.cli import register_webhooks

app = build_app()

SECRET = "whsec_" + "S" * 32


def test_endpoints_are_registered_once_across_restarts(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, seed=7)
    urls = ["http://127.0.0.1:9000/hooks", "http://127.0.0.1:9001/other"]
    first = Region(settings)
    try:
        made = register_webhooks(first, urls, [SECRET])
        assert [e.url for e in made] == urls
        assert made[0].secret == SECRET
        assert made[1].secret.startswith("whsec_")
    finally:
        first.close()
    again = Region(settings)
    try:
        assert register_webhooks(again, urls, [SECRET]) == made
        assert len(again.webhooks.endpoints.list_endpoints()) == 2
    finally:
        again.close()


def test_a_current_workspace_takes_the_secret_as_its_own(tmp_path: Path) -> None:
    region = Region(Settings(data_dir=tmp_path, seed=7, profile="current"))
    try:
        (endpoint,) = register_webhooks(region, ["http://127.0.0.1:9000/"], [SECRET])
        assert region.default_workspace.webhook_secret == SECRET
        assert region.webhooks.endpoints.signing_secrets(endpoint, "current")[0] == SECRET
        with pytest.raises(typer.BadParameter, match="one secret"):
            register_webhooks(region, ["http://a.test/", "http://b.test/"], [SECRET, "whsec_" + "T" * 32])
    finally:
        region.close()


def test_bad_flags_are_refused(tmp_path: Path) -> None:
    region = Region(Settings(data_dir=tmp_path, seed=7))
    try:
        with pytest.raises(typer.BadParameter, match="goes with a --webhook-url"):
            register_webhooks(region, [], [SECRET])
        with pytest.raises(typer.BadParameter, match="valid URL"):
            register_webhooks(region, ["not a url"], [])
    finally:
        region.close()


def test_the_flags_are_documented() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--webhook-url" in result.output
    assert "--webhook-secret" in result.output
