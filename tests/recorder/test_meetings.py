"""The meetings shipped with the recorder, and reading meeting scripts from files."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.recorder.meetings import DEFAULT_MEETING, load_meeting, meeting_names


def test_every_shipped_meeting_loads_with_its_words_as_text() -> None:
    assert DEFAULT_MEETING in meeting_names()
    assert {"standup", "one-on-one", "huddle"} <= set(meeting_names())
    for name in meeting_names():
        script = load_meeting(name)
        assert script.utterances, name
        assert all(isinstance(w.text, str) for u in script.utterances for w in u.words), name
        ids = {p.id for p in script.participants}
        assert {u.participant_id for u in script.utterances} <= ids, name


def test_a_meeting_file_in_json_or_yaml_loads(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"platform": "slack", "duration": 3, "participants": [{"id": 100, "name": "A"}]}')
    script = load_meeting(str(path))
    assert script.platform == "slack"
    assert script.audio_only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n- 2\n", "is a mapping"),
        ("platform: zoom\n", "not a meeting script"),
        (
            "platform: zoom\nduration: 2\nparticipants: [{id: 100, name: A}]\n"
            "utterances: [{participant_id: 100, words: [{text: yes, start: 0, end: 1}]}]\n",
            "quote it",
        ),
    ],
)
def test_bad_meeting_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_meeting(str(path))


def test_an_unknown_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ValueError, match="standup"):
        load_meeting("no-such-meeting")
