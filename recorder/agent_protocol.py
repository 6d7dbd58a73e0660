"""The messages between the Desktop SDK for JavaScript and `recall-sim desktop-agent`, one JSON object
per line over the agent's stdin and stdout (like the real package and its native helper).

    to the agent   {"id": 7, "command": "startRecording", "params": {"windowId": "w", "uploadToken": "t"}}
    its answer     {"id": 7, "result": null}
                   {"id": 7, "error": {"code": "unknown_window", "message": "No meeting window 'w' is open."}}
    an SDK event   {"event": "meeting-detected", "payload": {"window": {...}}}

Every command gets exactly one answer, in the order the commands finish (not the order they came):
`uploadRecording` answers once its upload has ended, while other commands are answered meanwhile. The
events a command caused are written before its answer.
The agent writes nothing else on stdout; its diagnostics go to stderr.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Command", "ProtocolError", "answer", "event", "failure", "parse_command"]


class ProtocolError(ValueError):
    """A line that is not a command; `id` is the command's id when it could be read."""

    def __init__(self, message: str, command_id: int | None = None) -> None:
        super().__init__(message)
        self.command_id = command_id


@dataclass(frozen=True)
class Command:
    id: int
    command: str
    params: dict[str, Any]


def parse_command(line: str) -> Command:
    try:
        data = json.loads(line)
    except ValueError as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ProtocolError("a command is a JSON object")
    command_id = data.get("id")
    if not isinstance(command_id, int) or isinstance(command_id, bool):
        raise ProtocolError("a command needs an integer id")
    name = data.get("command")
    if not isinstance(name, str) or not name:
        raise ProtocolError("a command needs a name", command_id)
    params = data.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ProtocolError("params is a JSON object", command_id)
    return Command(command_id, name, params)


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n"


def answer(command_id: int, result: Any) -> str:
    return _line({"id": command_id, "result": result})


def failure(command_id: int | None, code: str, message: str) -> str:
    return _line({"id": command_id, "error": {"code": code, "message": message}})


def event(name: str, payload: dict[str, Any]) -> str:
    return _line({"event": name, "payload": payload})
