"""Crash-safe local storage: what was journaled survives any kill; what was in flight is dropped."""

from __future__ import annotations

from pathlib import Path

from recall_sim.recorder.storage import RecordingStore


def test_segments_and_parts_round_trip(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    local = store.create("rec-1", upload_token="t", media_format="mp3")
    local.add_part("speech_header", b"ID3-header")
    local.add_segment(b"aaaa", 0.0, 1.0)
    local.add_segment(b"bbbbbb", 1.0, 2.0)
    reopened = store.open("rec-1")
    assert [s.size for s in reopened.segments()] == [4, 6]
    assert b"".join(reopened.media_chunks()) == b"ID3-headeraaaabbbbbb"
    assert reopened.media_size() == 20
    assert reopened.read_media(7, 6) == b"deraaa"
    assert reopened.read_media(15, 100) == b"bbbbb"
    assert store.unfinished()[0].id == "rec-1"
    reopened.append("finalized")
    assert store.unfinished() == []


def test_a_torn_journal_line_and_an_unjournaled_segment_are_ignored(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    local = store.create("rec-2")
    local.add_segment(b"whole", 0.0, 1.0)
    # The process dies while writing the next segment and mid-way through its journal line.
    (local.directory / "segments" / "000001.tmp").write_bytes(b"half a segm")
    with local.journal_path.open("ab") as fh:
        fh.write(b'{"type": "segment", "index": 1, "si')
    recovered = store.open("rec-2")
    assert [s.index for s in recovered.segments()] == [0]
    assert b"".join(recovered.media_chunks()) == b"whole"
    recovered.add_segment(b"next", 1.0, 2.0)  # a recovered recording can go on
    assert [s.index for s in store.open("rec-2").segments()] == [0, 1]
