"""The `recall-sim` command: serving a region, uploading a file, recording a meeting, and scenarios.

`recall-sim serve` is what partners start (and their test suites restart) most often, so it loads only
the simulator: the recorder's media stack and the scenario runner are imported by the commands that use
them, not on every start-up.

A mistake on the command line (a bad flag, a region that is not running) ends with one or two lines
naming it and the fix, never a traceback: `main()` renders click's usage errors itself, briefly.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

__all__ = ["build_app", "main"]

_HELP = "A local sandbox for Recall.ai's Desktop Recording SDK."


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version  # only here: not at start-up

        try:
            typer.echo(f"recall-sim {version('recall-sim')}")
        except PackageNotFoundError:
            typer.echo("recall-sim (not installed)")
        raise typer.Exit()


def _root(
    _version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_show_version, help="Print the version and exit"),
    ] = False,
) -> None:
    """A local sandbox for Recall.ai's Desktop Recording SDK."""


def build_app(*, only_serve: bool = False, only_console: bool = False) -> typer.Typer:
    """The command line; `only_serve` leaves out the commands that need more than the simulator, and
    `only_console` all but the control plane's thin clients (which need neither it nor the recorder)."""
    app = typer.Typer(name="recall-sim", help=_HELP, no_args_is_help=True, add_completion=False)
    app.callback()(_root)
    if only_console:
        from recall_sim.scenarios.console import register as register_console

        register_console(app)
        return app
    from recall_sim.simulator.cli import serve

    app.command("serve")(serve)
    if only_serve:
        return app
    from recall_sim.recorder.record_cli import record
    from recall_sim.recorder.upload_cli import upload
    from recall_sim.scenarios.console import register as register_console
    from recall_sim.scenarios.desktop_agent_cli import desktop_agent
    from recall_sim.scenarios.scenario_cli import app as scenario_app

    app.command("upload")(upload)
    app.command("record")(record)
    app.command("desktop-agent")(desktop_agent)
    app.add_typer(scenario_app, name="scenario")
    register_console(app)
    return app


def _report(error: typer.TyperException) -> int:
    """A usage error in two lines (what is wrong, where the choices are); the help for no arguments."""
    if type(error).__name__ == "NoArgsIsHelpError":
        typer.echo(error.format_message(), err=True)
        return error.exit_code
    # The coercion's own prefix says nothing to a person.
    typer.echo(f"Error: {error.format_message().replace('Value error, ', '')}", err=True)
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        typer.echo(f"See '{ctx.command_path} --help' for the choices.", err=True)
    return error.exit_code


def main() -> None:
    if sys.argv[1:2] == ["desktop-agent"]:  # spawned by each JavaScript SDK: load only the recorder
        from recall_sim.scenarios.desktop_agent_cli import main as agent_main

        agent_main(sys.argv[2:])
        return
    first = sys.argv[1:2]
    only_serve = first == ["serve"]
    if not only_serve and first:
        from recall_sim.scenarios.console import COMMANDS

        only_console = first[0] in COMMANDS
    else:
        only_console = False
    app = build_app(only_serve=only_serve, only_console=only_console)
    command = typer.main.get_command(app)
    try:
        code = command.main(args=sys.argv[1:], prog_name="recall-sim", standalone_mode=False)
    except typer.TyperException as error:
        sys.exit(_report(error))
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
