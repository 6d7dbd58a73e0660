"""The region's control plane from a terminal: `listen`, `trigger`, `clock`, `faults`, `webhooks`, `state`.

Each command is a thin client of the HTTP control plane (`/_simulator/...`) of a running region: it never
imports the simulator, so it works against any served region, this machine's or a CI container's.
"""

from __future__ import annotations

import typer

__all__ = ["COMMANDS", "register"]

#: the commands `register` adds (`recall-sim` builds only these when one of them is run)
COMMANDS = ("listen", "trigger", "clock", "faults", "webhooks", "state")


def register(app: typer.Typer) -> None:
    """Add the control-plane commands to the `recall-sim` command line."""
    from recall_sim.scenarios.console.control_cli import clock_app, faults_app, state, webhooks_app
    from recall_sim.scenarios.console.listen import listen
    from recall_sim.scenarios.console.trigger import EPILOG, trigger

    app.command("listen")(listen)
    app.command("trigger", epilog=EPILOG)(trigger)
    app.add_typer(clock_app, name="clock")
    app.add_typer(faults_app, name="faults")
    app.add_typer(webhooks_app, name="webhooks")
    app.command("state")(state)
