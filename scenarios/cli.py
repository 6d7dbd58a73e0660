"""The `recall-sim` command: serving a region, and (as the project grows) recording and scenarios."""

from __future__ import annotations

import typer

from recorder.record_cli import record
from recorder.upload_cli import upload
from scenarios.scenario_cli import app as scenario_app
from simulator.cli import serve

__all__ = ["app", "main"]

app = typer.Typer(
    name="recall-sim",
    help="A local sandbox for Recall.ai's Desktop Recording SDK.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("serve")(serve)
app.command("upload")(upload)
app.command("record")(record)
app.add_typer(scenario_app, name="scenario")


@app.callback()
def _root() -> None:
    """A local sandbox for Recall.ai's Desktop Recording SDK."""


def main() -> None:
    app()
