"""The blob store keeps every key under its folder: a key that would reach the folder itself or anything
above it is refused, and a key that stays inside names the same file it always did."""

from __future__ import annotations

from pathlib import Path

import pytest

from recall_sim.simulator.store import BlobStore, UnsafeBlobKey

REFUSED = [
    "",  # no name at all
    "/etc/passwd",  # absolute
    "\\windows\\system32",  # absolute on the other family
    "uploads/a\x00b",  # a NUL ends a name early in the C library
    ".",  # the folder itself
    "..",
    "../outside",
    "uploads/../../outside",
    "uploads/..",  # folds to the folder itself
    "uploads/./../../outside",
    "uploads//..//..//outside",
]

INSIDE = [
    "uploads/u1/part-0",
    "uploads//u1/part-0",
    "uploads/./u1/part-0",
    "uploads/other/../u1/part-0",
    "uploads/u1/",
    "..hidden/part",  # a name that only starts with two dots
    "uploads/u1/..part",
]


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "data" / "blobs")


@pytest.mark.parametrize("key", REFUSED)
def test_a_key_outside_the_folder_is_refused(blobs: BlobStore, key: str) -> None:
    with pytest.raises(UnsafeBlobKey):
        blobs.path(key)
    with pytest.raises(UnsafeBlobKey):
        blobs.write_bytes(key, b"x")


@pytest.mark.parametrize("key", INSIDE)
def test_a_key_inside_names_the_file_resolve_would(blobs: BlobStore, key: str) -> None:
    path = blobs.path(key)
    assert blobs.root in path.parents
    assert path == (blobs.root / key).resolve()


def test_the_root_is_resolved_once_and_a_blob_round_trips(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "data" / ".." / "data" / "blobs")
    assert blobs.root == (tmp_path / "data" / "blobs").resolve()
    blobs.write_bytes("uploads/u1/./part-0", b"media")
    assert blobs.read_bytes("uploads/u1/part-0") == b"media"
    assert (tmp_path / "data" / "blobs" / "uploads" / "u1" / "part-0").read_bytes() == b"media"
