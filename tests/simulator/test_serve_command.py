"""`recall-sim serve` options that reach the region's settings, checked without serving anything."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from scenarios.cli import app
from simulator.region import Region


@pytest.mark.parametrize(("flags", "limited"), [([], True), (["--no-rate-limits"], False)])
def test_rate_limits_stay_on_unless_a_benchmark_turns_them_off(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], limited: bool
) -> None:
    served: list[Region] = []

    def serve_forever(region: Region, sock: socket.socket, **_: object) -> None:
        served.append(region)
        sock.close()
        region.close()

    monkeypatch.setattr("simulator.cli.serve_forever", serve_forever)
    result = CliRunner().invoke(app, ["serve", "--in-memory", "--port", "0", *flags])
    assert result.exit_code == 0, result.output
    assert served[0].settings.rate_limits is limited
    assert served[0].limiter.enabled is limited
    assert "--no-rate-limits" not in CliRunner().invoke(app, ["serve", "--help"]).output
