"""The `recall-sim` command: serving a region, uploading a file, recording a meeting, and scenarios.

`recall-sim serve` is what partners start (and their test suites restart) most often, so it loads only
the simulator: the recorder's media stack and the scenario runner are imported by the commands that use
them, not on every start-up.
"""

from __future__ import annotations

import sys

import typer

__all__ = ["build_app", "main"]

_HELP = "A local sandbox for Recall.ai's Desktop Recording SDK."


def _root() -> None:
    """A local sandbox for Recall.ai's Desktop Recording SDK."""


def build_app(*, only_serve: bool = False) -> typer.Typer:
    """The command line; `only_serve` leaves out the commands that need more than the simulator."""
    from simulator.cli import serve

    app = typer.Typer(name="recall-sim", help=_HELP, no_args_is_help=True, add_completion=False)
    app.callback()(_root)
    app.command("serve")(serve)
    if only_serve:
        return app
    from recorder.record_cli import record
    from recorder.upload_cli import upload
    from scenarios.desktop_agent_cli import desktop_agent
    from scenarios.scenario_cli import app as scenario_app

    app.command("upload")(upload)
    app.command("record")(record)
    app.command("desktop-agent")(desktop_agent)
    app.add_typer(scenario_app, name="scenario")
    return app


def main() -> None:
    if sys.argv[1:2] == ["desktop-agent"]:  # spawned by each JavaScript SDK: load only the recorder
        from scenarios.desktop_agent_cli import main as agent_main

        agent_main(sys.argv[2:])
        return
    build_app(only_serve=sys.argv[1:2] == ["serve"])()
