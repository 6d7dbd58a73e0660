"""`recall-sim desktop-agent`: the helper process the Desktop SDK for JavaScript spawns.

It speaks JSON lines on stdin and stdout (recorder.agent_protocol) and is not meant to be run by hand.
This module only reads the command line and finds meetings by name: a meeting the recorder ships, the
meeting of a named scenario, or a YAML/JSON file (`RECALL_SIM_MEETING` or `init({meeting})`).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from recall_sim.recorder.desktop_agent import AgentOptions, run_agent
from recall_sim.recorder.media import get_profile
from recall_sim.recorder.meeting import MeetingScript
from recall_sim.recorder.meetings import load_meeting, meeting_names

__all__ = ["desktop_agent", "main", "resolve_meeting"]

DEFAULT_AGENT_MEETING = "short-zoom"


def resolve_meeting(value: Any) -> MeetingScript:
    """A meeting script from a name (shipped meeting, then named scenario), a file path, or inline."""
    if isinstance(value, dict):
        try:
            return MeetingScript.from_dict(value)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a meeting script: {error!r}") from None
    if not isinstance(value, str) or not value:
        raise ValueError("a meeting is a name, a file path or a meeting script")
    if value in meeting_names() or Path(value).is_file():
        return load_meeting(value)
    from recall_sim.scenarios.named import load, scenario_names

    if value in scenario_names():
        return load(value).meeting
    raise ValueError(
        f"no meeting named {value!r}: one of the recorder's ({', '.join(meeting_names())}), "
        f"a named scenario ({', '.join(scenario_names())}), or a YAML/JSON file"
    )


def desktop_agent(
    meeting: Annotated[
        str, typer.Option(envvar="RECALL_SIM_MEETING", help="The meeting the desktop plays (name or file)")
    ] = DEFAULT_AGENT_MEETING,
    upload_mode: Annotated[
        str,
        typer.Option(
            envvar="RECALL_SIM_UPLOAD_MODE",
            help="auto: as the upload's workspace profile; seed: after the meeting; current: during it",
        ),
    ] = "auto",
    seed: Annotated[Optional[int], typer.Option(envvar="RECALL_SIM_SEED", help="Seed for window ids")] = None,  # noqa: UP045
    time_scale: Annotated[
        float, typer.Option(envvar="RECALL_SIM_TIME_SCALE", help="Meeting seconds per real second")
    ] = 1.0,
    media: Annotated[str, typer.Option(help="Media profile: tiny or standard")] = "tiny",
    recordings_dir: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Where recordings wait for upload (default: a temporary folder)"),
    ] = None,
) -> None:
    """The Desktop SDK's helper process for @recall-sim/desktop-sdk (JSON lines on stdin/stdout)."""
    try:
        resolve_meeting(meeting)
        get_profile(media)
        if upload_mode not in ("auto", "seed", "current"):
            raise ValueError(f"--upload-mode is auto, seed or current, got {upload_mode!r}")
        if time_scale <= 0:
            raise ValueError("--time-scale must be > 0")
    except (ValueError, KeyError) as error:
        print(f"recall-sim desktop-agent: {error}", file=sys.stderr)
        raise typer.Exit(2) from None
    options = AgentOptions(meeting, upload_mode, seed, time_scale, media, recordings_dir)
    raise typer.Exit(asyncio.run(run_agent(options, resolve_meeting)))


def main(args: list[str]) -> None:
    """`recall-sim desktop-agent ...` without loading the other commands (the SDK spawns it on `init`)."""
    app = typer.Typer(add_completion=False)
    app.command()(desktop_agent)
    typer.main.get_command(app)(args, prog_name="recall-sim desktop-agent")
