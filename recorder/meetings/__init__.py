"""Meetings that ship with the recorder, for `recall-sim record` and for trying the SDK out.

Each is a meeting script (recorder.meeting) as YAML: `standup` (Zoom, three people, the default),
`one-on-one` (Google Meet, late title, a minimised window) and `huddle` (Slack, audio only). A path to a
YAML or JSON file of the same shape works wherever a name does.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from recall_sim.recorder.meeting import MeetingScript

__all__ = ["DEFAULT_MEETING", "load_meeting", "meeting_names"]

DEFAULT_MEETING = "standup"


def meeting_names() -> list[str]:
    """The names of the meetings that ship with the recorder."""
    folder = resources.files(__name__)
    return sorted(
        entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml")
    )


def load_meeting(name_or_path: str) -> MeetingScript:
    """A shipped meeting by name, or a meeting script read from a YAML/JSON file."""
    if name_or_path in meeting_names():
        text = resources.files(__name__).joinpath(f"{name_or_path}.yaml").read_text()
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ValueError(
                f"no meeting named {name_or_path!r} (one of {', '.join(meeting_names())}) and no such file"
            )
        text = path.read_text()
    data: Any = yaml.safe_load(text)  # JSON is YAML too
    if not isinstance(data, dict):
        raise ValueError(f"{name_or_path}: a meeting script is a mapping, got {type(data).__name__}")
    try:
        script = MeetingScript.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{name_or_path}: not a meeting script: {error!r}") from None
    for utterance in script.utterances:
        for word in utterance.words:
            if not isinstance(word.text, str):
                # YAML reads a bare yes/no/on/off as a boolean: the word must be quoted.
                raise ValueError(
                    f"{name_or_path}: word {word.text!r} at {word.start} s is not text; quote it"
                )
    return script
