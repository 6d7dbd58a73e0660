"""`recall-sim desktop-agent`, the helper the JavaScript SDK spawns, spoken to over its stdin and stdout
as the package does (recorder.agent_protocol)."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from recall_sim.recorder import agent_protocol as protocol
from recall_sim.scenarios.desktop_agent_cli import resolve_meeting
from recall_sim.scenarios.named import load

pytestmark = pytest.mark.served

#: `recall-sim desktop-agent` run by the interpreter under test
_COMMAND = (sys.executable, "-c", "from recall_sim.scenarios.cli import main; main()", "desktop-agent")
_MEETING = {"platform": "teams", "duration": 60, "title": "Planning", "opens_at": 0}


class Agent:
    """The helper as a child process; every line it prints is parsed and queued."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [*_COMMAND, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        #: messages read while looking for another, in order
        self.backlog: list[dict[str, Any]] = []
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def write(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def send(self, command: str, **params: Any) -> int:
        command_id, self.next_id = self.next_id, self.next_id + 1
        self.write(json.dumps({"id": command_id, "command": command, "params": params}) + "\n")
        return command_id

    def until(self, wanted: Any, timeout: float = 60) -> dict[str, Any]:
        """The first message `wanted(message)` accepts, whether it came already or comes next (an
        event a command caused comes before the command's answer)."""
        for message in self.backlog:
            if wanted(message):
                self.backlog.remove(message)
                return message
        while True:
            message = self.lines.get(timeout=timeout)
            if wanted(message):
                return message
            self.backlog.append(message)

    def answer(self, command_id: int) -> dict[str, Any]:
        return self.until(lambda m: m.get("id") == command_id)

    def call(self, command: str, **params: Any) -> dict[str, Any]:
        return self.answer(self.send(command, **params))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def agents() -> Iterator[list[Agent]]:
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.close()


def test_the_protocol_refuses_lines_that_are_not_commands() -> None:
    assert protocol.parse_command('{"id": 3, "command": "listDevices"}') == protocol.Command(
        3, "listDevices", {}
    )
    for line, command_id in (
        ("not json", None),
        ("[1]", None),
        ('{"command": "init"}', None),
        ('{"id": true, "command": "init"}', None),
        ('{"id": 4}', 4),
        ('{"id": 5, "command": "init", "params": [1]}', 5),
    ):
        with pytest.raises(protocol.ProtocolError) as refused:
            protocol.parse_command(line)
        assert refused.value.command_id == command_id
    assert protocol.failure(2, "unknown_window", "gone") == (
        '{"id":2,"error":{"code":"unknown_window","message":"gone"}}\n'
    )


def test_the_agent_answers_each_command_and_reports_events_then_stops_on_shutdown(
    agents: list[Agent],
) -> None:
    agent = Agent("--seed", "3")
    agents.append(agent)
    assert agent.call("listDevices")["error"]["code"] == "not_initialised"
    agent.write("this is not json\n")
    assert agent.until(lambda m: "error" in m)["error"]["code"] == "protocol_error"
    init = agent.send("init", config={"apiUrl": "http://127.0.0.1:9", "meeting": _MEETING})
    assert agent.answer(init) == {"id": init, "result": None}
    detected = agent.until(lambda m: m.get("event") == "meeting-detected")
    window = detected["payload"]["window"]
    assert (window["platform"], window["title"]) == ("teams", "Planning")
    assert agent.call("dumpAllApplications")["result"] == [
        {"id": window["id"], "platform": "teams", "title": "Planning", "url": None}
    ]
    assert agent.call("nope")["error"]["code"] == "unknown_command"
    assert agent.call("desktop.revokePermission", permission="microphone")["result"] is None
    refused = agent.call("startRecording", windowId=window["id"], uploadToken="t")
    assert refused["error"]["code"] == "permission_missing"
    opened = agent.call("desktop.openMeeting", meeting="huddle")["result"]
    assert agent.until(lambda m: m.get("event") == "meeting-detected")["payload"]["window"]["id"] == opened
    assert agent.call("desktop.closeMeeting", windowId=opened)["result"] is True
    assert agent.until(lambda m: m.get("event") == "meeting-closed")["payload"]["window"]["id"] == opened
    assert agent.call("shutdown") == {"id": agent.next_id - 1, "result": None}
    assert agent.proc.wait(timeout=30) == 0


def test_the_agent_stops_when_its_parent_closes_stdin(agents: list[Agent]) -> None:
    agent = Agent()
    agents.append(agent)
    agent.call("init", config={"apiUrl": "http://127.0.0.1:9"})
    assert agent.proc.stdin is not None
    agent.proc.stdin.close()
    assert agent.proc.wait(timeout=30) == 0
    agent.proc.stdin = None


def test_test_unexpected_shutdown_kills_the_agent_without_an_answer(agents: list[Agent]) -> None:
    agent = Agent()
    agents.append(agent)
    agent.call("init", config={"apiUrl": "http://127.0.0.1:9"})
    crash = agent.send("testUnexpectedShutdown")
    assert agent.proc.wait(timeout=30) == 70
    with pytest.raises(queue.Empty):
        agent.until(lambda m: m.get("id") == crash, timeout=1)


def test_a_wrong_meeting_is_one_line_naming_the_choices() -> None:
    done = subprocess.run(
        [*_COMMAND, "--meeting", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "no meeting named 'nope'" in done.stderr
    assert "standup" in done.stderr
    assert "happy-path" in done.stderr


def test_meetings_are_found_by_shipped_name_scenario_name_file_or_inline(tmp_path: Path) -> None:
    assert resolve_meeting("short-zoom").platform == "zoom"
    assert resolve_meeting("short-zoom").opens_at == 1
    assert resolve_meeting("huddle").platform == "slack"
    assert resolve_meeting("pause") == load("pause").meeting
    path = tmp_path / "call.yaml"
    path.write_text(yaml.safe_dump(_MEETING))
    assert resolve_meeting(str(path)).title == "Planning"
    assert resolve_meeting(_MEETING).platform == "teams"
    with pytest.raises(ValueError, match="not a meeting script"):
        resolve_meeting({"duration": 3})
