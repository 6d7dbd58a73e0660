"""tus's `Upload-*` request headers read into values: `Upload-Metadata`, `Upload-Checksum`, the
non-negative integers of `Upload-Length` and `Upload-Offset`, and the upload URLs of `Upload-Concat`.
A header that does not read is a 400 naming it, as a tus server answers.

(The `Tus-Resumable` header every answer carries is added by `simulator/api/tus_headers.py`.)
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from recall_sim.simulator.errors import BadRequest

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "MAX_METADATA",
    "file_id_from_url",
    "non_negative",
    "parse_checksum",
    "parse_metadata",
]

CHECKSUM_ALGORITHMS = ("sha256", "sha1")
#: the longest Upload-Metadata header taken: HEAD answers echo it, and HTTP clients (h11, as httpx uses)
#: refuse a response head past 16 KiB, so a longer one would make the file unreadable to its own client
MAX_METADATA = 8 * 1024


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata: key base64,key2 base64` -> {key: value}."""
    out: dict[str, str] = {}
    if not header or not header.strip():
        return out
    if len(header) > MAX_METADATA:
        raise BadRequest(f"Upload-Metadata is longer than {MAX_METADATA} bytes.")
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key or " " in encoded.strip():
            raise BadRequest("Upload-Metadata must be comma-separated `key base64value` pairs.")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise BadRequest(f"Upload-Metadata value of {key!r} is not valid base64 UTF-8.") from None
        out[key] = value
    return out


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    """`Upload-Checksum: sha256 base64digest` -> (algorithm, digest); None without the header."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm.lower() not in CHECKSUM_ALGORITHMS:
        raise BadRequest(
            f"Unsupported checksum algorithm {algorithm!r}; use one of {', '.join(CHECKSUM_ALGORITHMS)}."
        )
    try:
        return algorithm.lower(), base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise BadRequest("Upload-Checksum digest is not valid base64.") from None


def non_negative(value: str | None) -> int | None:
    """A header's non-negative decimal integer, or None. ASCII digits only: `str.isdigit` also says yes
    to `²` and other digits `int` cannot read (a header value reaches the app decoded as Latin-1)."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return int(value)


def file_id_from_url(url: str) -> str:
    """The upload id at the end of an upload's URL (as `Upload-Concat: final;<url> ...` names them)."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:  # not a URL (`http://[`): no upload has that id, and the caller says so
        return url.strip()
    return path.rstrip("/").rsplit("/", 1)[-1]
