"""`recall-sim serve` options that reach the region's settings, checked without serving anything."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from recall_sim.scenarios.cli import build_app
from recall_sim.simulator.region import Region
from recall_sim.simulator.settings import WebhookSettings

app = build_app()


@pytest.mark.parametrize(("flags", "limited"), [([], True), (["--no-rate-limits"], False)])
def test_rate_limits_stay_on_unless_a_benchmark_turns_them_off(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], limited: bool
) -> None:
    served: list[Region] = []

    def serve_forever(region: Region, sock: socket.socket, **_: object) -> None:
        served.append(region)
        sock.close()
        region.close()

    monkeypatch.setattr("recall_sim.simulator.cli.serve_forever", serve_forever)
    result = CliRunner().invoke(app, ["serve", "--in-memory", "--port", "0", *flags])
    assert result.exit_code == 0, result.output
    assert served[0].settings.rate_limits is limited
    assert served[0].limiter.enabled is limited
    assert "--no-rate-limits" not in CliRunner().invoke(app, ["serve", "--help"]).output


def _served_settings(monkeypatch: pytest.MonkeyPatch, flags: list[str]) -> tuple[list[Region], str]:
    served: list[Region] = []

    def serve_forever(region: Region, sock: socket.socket, **_: object) -> None:
        served.append(region)
        sock.close()
        region.close()

    monkeypatch.setattr("recall_sim.simulator.cli.serve_forever", serve_forever)
    result = CliRunner().invoke(app, ["serve", "--in-memory", "--port", "0", *flags])
    return served, result.output if result.exit_code == 0 else f"exit {result.exit_code}: {result.output}"


def test_a_load_test_can_shorten_the_webhook_retry_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    served, output = _served_settings(monkeypatch, [])
    assert served[0].settings.webhooks.retry_schedule == WebhookSettings().retry_schedule, output
    served, output = _served_settings(monkeypatch, ["--webhook-retry-schedule", "0.2, 0.5,1"])
    assert served[0].settings.webhooks.retry_schedule == (0.2, 0.5, 1.0), output
    for bad in ("", "soon", "1,-2", "inf"):
        served, output = _served_settings(monkeypatch, ["--webhook-retry-schedule", bad])
        assert not served, bad
        assert "--webhook-retry-schedule" in output, bad
    assert "--webhook-retry-schedule" not in CliRunner().invoke(app, ["serve", "--help"]).output


def test_serve_loads_only_the_simulator() -> None:
    # Start-up time: `serve` does not import the recorder's media stack or the scenario runner.
    code = (
        "import sys\n"
        "sys.argv = ['recall-sim', 'serve', '--help']\n"
        "from recall_sim.scenarios.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "ours = ('recall_sim.recorder', 'recall_sim.scenarios')\n"
        "print(sorted(m for m in sys.modules if m.startswith(ours)))\n"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-1] == "['recall_sim.scenarios', 'recall_sim.scenarios.cli']"


def test_serve_starts_without_the_media_and_client_stacks() -> None:
    # Start-up time: PyAV and numpy (transcription, media checks), httpx (webhooks, real-time) and
    # httpx-ws (WebSocket endpoints) load with the first work that needs them, not before the first 200.
    code = (
        "import sys\n"
        "sys.argv = ['recall-sim', 'serve', '--help']\n"
        "from recall_sim.scenarios.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "from recall_sim.simulator.app import create_app\n"
        "from recall_sim.simulator.settings import Settings\n"
        "app = create_app(Settings(seed=1))\n"
        "print(sorted(m for m in ('av', 'numpy', 'httpx', 'httpx_ws') if m in sys.modules))\n"
        # FastAPI analyses a route (and loads `pydantic.v1` to ask whether its types are) on first use.
        "from fastapi.routing import APIRoute\n"
        "analysed = [r for r in app.routes if isinstance(r, APIRoute) and 'dependant' in vars(r)]\n"
        "print(len(analysed), 'pydantic.v1' in sys.modules)\n"
    )
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip().splitlines()[-2:] == ["[]", "0 False"]
