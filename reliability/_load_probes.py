"""Hostile requests against the ingest endpoint, drawn from a seeded generator.

Each probe is one request the region must refuse with a 4xx (`expect` narrows it where the protocol says
which), or, for `opaque` probes, one it must accept as tus allows (metadata is the client's own business)
without anything of it reaching a path outside the data directory. `touches_own` says the probe aimed at
the prober's own half-written file, whose offset must not move.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["KINDS", "Probe", "Target", "draw"]

FILES = "/ingest/v1/files/"
TUS = (b"Tus-Resumable", b"1.0.0")
OCTETS = (b"Content-Type", b"application/offset+octet-stream")


@dataclass
class Target:
    """What the probes aim at: the prober's own upload and files, a bystander's, a finalized one's."""

    token: str
    max_size: int
    #: the prober's own media file, half written: its id, length and offset
    own_file: str
    own_length: int
    own_offset: int
    own_partial_unfinished: str
    own_complete: str
    own_complete_sha256: str
    foreign_file: str
    foreign_partials: list[str]
    finalized_token: str
    finalized_file: str


@dataclass
class Probe:
    kind: str
    method: str
    path: str
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    #: the statuses the protocol names for this refusal (None: any 4xx)
    expect: frozenset[int] | None = None
    #: sent byte for byte on a socket (what an HTTP client would not send)
    raw: bool = False
    opaque: bool = False
    #: the client hangs up mid-body: there is no answer to read, only what it left behind
    hang_up: bool = False
    touches_own: bool = False
    note: str = field(default="")


def _auth(token: str) -> tuple[bytes, bytes]:
    return (b"Authorization", f"UploadToken {token}".encode())


def _b64(value: bytes) -> bytes:
    return base64.b64encode(value)


_BAD_LENGTHS: list[bytes] = [
    b"-1",
    b"-99999999999",
    b"",
    b"abc",
    b"1e3",
    b"0x10",
    b"+5",
    b"5.0",
    b"1_000",
    "²".encode("latin-1"),
    "¹²³".encode("latin-1"),
    b"9" * 400,
]
_BAD_OFFSETS = [b"-1", b"", b"abc", b"1e2", b"+0", "²".encode("latin-1"), "³".encode("latin-1"), b"0x0"]
_HOSTILE_NAMES: list[bytes] = [
    b"../../etc/passwd",
    b"/etc/passwd",
    b"..\\..\\windows\\system32",
    b"evil\x00.mp4",
    "名前/../../ファイル.mp4".encode(),
    "\u202egnp.exe".encode(),
    b"%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    b"a" * 2000,
    b"\x00" * 64,
]


def _create_headers(t: Target, rng: random.Random) -> list[tuple[bytes, bytes]]:
    return [TUS, _auth(t.token), (b"Upload-Length", str(rng.randint(1, 4096)).encode())]


def bad_length(rng: random.Random, t: Target) -> Probe:
    value = rng.choice([*_BAD_LENGTHS, str(t.max_size + 1).encode(), str(10**30).encode()])
    headers = [TUS, _auth(t.token), (b"Upload-Length", value)]
    return Probe("bad Upload-Length", "POST", FILES, headers, expect=frozenset({400, 413}), note=repr(value))


def missing_tus(rng: random.Random, t: Target) -> Probe:
    version = rng.choice([None, b"0.2.2", b"1.0", b"", b"1.0.1", b"2.0.0"])
    own = FILES + t.own_file
    method, path, extra = rng.choice(
        [
            ("POST", FILES, [(b"Upload-Length", b"10")]),
            ("PATCH", own, [(b"Upload-Offset", str(t.own_offset).encode()), OCTETS]),
            ("HEAD", own, []),
            ("DELETE", own, []),
        ]
    )
    headers = [_auth(t.token), *extra]
    if version is not None:
        headers.append((b"Tus-Resumable", version))
    body = b"x" * 8 if method == "PATCH" else b""
    return Probe(
        "missing/wrong Tus-Resumable",
        method,
        path,
        headers,
        body,
        expect=frozenset({412}),
        touches_own=True,
        note=repr(version),
    )


def bad_metadata(rng: random.Random, t: Target) -> Probe:
    choice = rng.randrange(6)
    if choice == 0:
        value = b"part " + bytes(rng.choice(b"!@#$%^&*()") for _ in range(rng.randint(1, 12)))
    elif choice == 1:
        value = b"part " + _b64(bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 9))))
    elif choice == 2:
        value = b"part " + _b64(rng.choice([*_HOSTILE_NAMES, b"MEDIA", b"media\x00", b"speech", b""]) or b"x")
    elif choice == 3:
        value = b"part bWVkaWE= extra, filename"
    elif choice == 4:
        value = b" , ,part " + _b64(b"segment") + b" x"
    else:
        value = b"filename " + _b64(b"x") + b"===="
    headers = [*_create_headers(t, rng), (b"Upload-Metadata", value)]
    return Probe(
        "malformed Upload-Metadata", "POST", FILES, headers, expect=frozenset({400}), note=repr(value)
    )


def opaque_metadata(rng: random.Random, t: Target) -> Probe:
    name = rng.choice(_HOSTILE_NAMES)
    pairs = [b"part " + _b64(b"media"), b"filename " + _b64(name)]
    if rng.random() < 0.5:
        pairs.append(b"relativePath " + _b64(name))
    # creation-with-upload: the first bytes come with the POST, so they land somewhere on disk too
    body = b"\x00" * rng.randint(0, 64)
    length = str(rng.randint(64, 4096)).encode()  # room for the body: the request is a valid one
    headers = [TUS, _auth(t.token), (b"Upload-Length", length), (b"Upload-Metadata", b",".join(pairs))]
    if body:
        headers.append(OCTETS)
    return Probe(
        "traversal/unicode filename (opaque)", "POST", FILES, headers, body, opaque=True, note=repr(name)
    )


def refused_first_chunk(rng: random.Random, t: Target) -> Probe:
    """creation-with-upload whose body is refused: no file may be left behind."""
    length = rng.randint(8, 512)
    body = b"f" * rng.randint(1, length)
    extra: list[tuple[bytes, bytes]]
    choice = rng.randrange(4)
    if choice == 0:
        body, extra, expect = b"f" * (length + rng.randint(1, 64)), [OCTETS], {413}
    elif choice == 1:
        extra, expect = [(b"Content-Type", rng.choice([b"text/plain", b"application/json"]))], {415}
    elif choice == 2:
        extra, expect = [OCTETS, (b"Upload-Checksum", rng.choice([b"md5 AAAA", b"sha256 %%%"]))], {400}
    else:
        extra, expect = [OCTETS, (b"Upload-Checksum", b"sha256 " + _b64(bytes(32)))], {460}
    headers = [TUS, _auth(t.token), (b"Upload-Length", str(length).encode()), *extra]
    return Probe("refused creation-with-upload", "POST", FILES, headers, body, frozenset(expect))


def wrong_offset(rng: random.Random, t: Target) -> Probe:
    candidates = [str(t.own_offset + rng.randint(1, 500)).encode(), str(10**30).encode(), *_BAD_OFFSETS]
    if t.own_offset > 0:
        candidates.append(str(rng.randrange(t.own_offset)).encode())
    value = rng.choice(candidates)
    headers = [TUS, _auth(t.token), OCTETS, (b"Upload-Offset", value)]
    if rng.random() < 0.3:
        headers = headers[:-1]  # none at all
    return Probe(
        "wrong Upload-Offset",
        "PATCH",
        FILES + t.own_file,
        headers,
        b"y" * rng.randint(1, 32),
        expect=frozenset({400, 409}),
        touches_own=True,
        note=repr(value),
    )


def bad_content_type(rng: random.Random, t: Target) -> Probe:
    kind = rng.choice(
        [b"application/octet-stream", b"text/plain", b"", b"application/json", b"offset+octet-stream"]
    )
    headers = [TUS, _auth(t.token), (b"Upload-Offset", str(t.own_offset).encode())]
    if kind:
        headers.append((b"Content-Type", kind))
    return Probe(
        "wrong Content-Type",
        "PATCH",
        FILES + t.own_file,
        headers,
        b"z" * 16,
        frozenset({415}),
        touches_own=True,
    )


def past_length(rng: random.Random, t: Target) -> Probe:
    remaining = t.own_length - t.own_offset
    body = b"p" * (remaining + rng.randint(1, 4096))
    headers = [TUS, _auth(t.token), OCTETS, (b"Upload-Offset", str(t.own_offset).encode())]
    return Probe(
        "body past Upload-Length",
        "PATCH",
        FILES + t.own_file,
        headers,
        body,
        frozenset({413}),
        touches_own=True,
    )


def bad_checksum(rng: random.Random, t: Target) -> Probe:
    body = b"c" * rng.randint(1, 64)
    value = rng.choice(
        [
            b"md5 " + _b64(b"0" * 16),
            b"crc32 AAAA",
            b"",
            b"sha256",
            b"sha256 !!!not-base64!!!",
            b"sha256 " + _b64(bytes(rng.randrange(256) for _ in range(32))),
            b"sha1 " + _b64(bytes(rng.randrange(256) for _ in range(20))),
            b"sha256 " + _b64(b"short"),
            b"SHA256 =",
        ]
    )
    headers = [
        TUS,
        _auth(t.token),
        OCTETS,
        (b"Upload-Offset", str(t.own_offset).encode()),
        (b"Upload-Checksum", value),
    ]
    return Probe(
        "bad Upload-Checksum",
        "PATCH",
        FILES + t.own_file,
        headers,
        body,
        frozenset({400, 460}),
        touches_own=True,
        note=repr(value),
    )


def foreign_file(rng: random.Random, t: Target) -> Probe:
    target = rng.choice([t.foreign_file, *t.foreign_partials])
    method = rng.choice(["HEAD", "PATCH", "DELETE"])
    headers = [TUS, _auth(t.token)]
    body = b""
    if method == "PATCH":
        headers += [OCTETS, (b"Upload-Offset", b"0")]
        body = b"overwrite"
    return Probe("someone else's file", method, FILES + target, headers, body, frozenset({404}))


def traversal_path(rng: random.Random, t: Target) -> Probe:
    path = rng.choice(
        [
            FILES + "..%2F..%2Fetc%2Fpasswd",
            FILES + "%2e%2e%2f%2e%2e%2f" + t.foreign_file,
            FILES + t.own_file + "%00",
            FILES + "uploads%2F" + t.foreign_file,
            FILES + "." * 300,
            FILES + "%EF%BF%BD" * 20,
        ]
    )
    method = rng.choice(["HEAD", "PATCH", "DELETE"])
    headers = [TUS, _auth(t.token)]
    body = b""
    if method == "PATCH":
        headers += [OCTETS, (b"Upload-Offset", b"0")]
        body = b"traversal"
    return Probe("path traversal in the file URL", method, path, headers, body, frozenset({404}), note=path)


def hostile_concat(rng: random.Random, t: Target) -> Probe:
    choice = rng.randrange(8)
    expect = frozenset({400})
    if choice == 0:
        ids = list(t.foreign_partials)
        rng.shuffle(ids)
        value, expect = "final;" + " ".join(FILES + i for i in ids), frozenset({403})
    elif choice == 1:
        value, expect = (
            f"final;{FILES}{t.own_partial_unfinished} {FILES}{t.foreign_partials[0]}",
            frozenset({400, 403}),
        )
    elif choice == 2:
        value = f"final;{FILES}{rng.getrandbits(128):032x}"
    elif choice == 3:
        value = f"final;{FILES}{t.own_partial_unfinished}"
    elif choice == 4:
        value = f"final;{FILES}{t.own_complete}"
    elif choice == 5:
        value = rng.choice(["final;", "final", "partial;x", "FINAL;x", "final ;x", "concat"])
    elif choice == 6:
        value = "final;/ingest/v1/files/../../../etc/passwd " + FILES + "..%2F" + t.foreign_file
    else:
        value, expect = (
            "final;" + " ".join(FILES + t.foreign_partials[0] for _ in range(50)),
            frozenset({403}),
        )
    headers = [TUS, _auth(t.token), (b"Upload-Concat", value.encode())]
    if rng.random() < 0.2:
        headers.append((b"Upload-Length", b"10"))
        expect = expect | {400}
    return Probe("hostile Upload-Concat", "POST", FILES, headers, expect=expect, note=value[:80])


def after_finalize(rng: random.Random, t: Target) -> Probe:
    token = t.finalized_token
    choice = rng.randrange(6)
    if choice == 0:
        return Probe(
            "after finalize",
            "POST",
            FILES,
            [TUS, _auth(token), (b"Upload-Length", b"10")],
            expect=frozenset({409}),
        )
    if choice == 1:
        headers = [TUS, _auth(token), OCTETS, (b"Upload-Offset", b"0")]
        return Probe("after finalize", "PATCH", FILES + t.finalized_file, headers, b"again", frozenset({409}))
    if choice == 2:
        return Probe(
            "after finalize", "DELETE", FILES + t.finalized_file, [TUS, _auth(token)], expect=frozenset({409})
        )
    path = rng.choice(["start", "end", "finalize"])
    body = json.dumps(
        {"media": {"file": t.finalized_file, "sha256": "0" * 64}} if path == "finalize" else {}
    ).encode()
    headers = [_auth(token), (b"Content-Type", b"application/json")]
    return Probe("after finalize", "POST", f"/ingest/v1/recording/{path}", headers, body, frozenset({409}))


def bad_finalize(rng: random.Random, t: Target) -> Probe:
    sha = "".join(rng.choice("0123456789abcdef") for _ in range(64))
    choice = rng.randrange(9)
    manifest: object
    if choice == 0:
        manifest = {"media": {"file": t.own_complete, "sha256": sha}}
    elif choice == 1:
        manifest = {"media": {"file": f"{rng.getrandbits(128):032x}", "sha256": sha}}
    elif choice == 2:
        manifest = {"media": {"file": t.foreign_file, "sha256": sha}}
    elif choice == 3:
        manifest = {"media": {"file": t.own_file, "sha256": sha}}
    elif choice == 4:
        manifest = {"media": {"file": t.own_partial_unfinished, "sha256": sha}}
    elif choice == 5:
        manifest = {
            "media": {"file": t.own_complete, "sha256": rng.choice(["xyz", "", sha[:63], sha + "0", None])}
        }
    elif choice == 6:
        part = {"file": t.own_complete, "sha256": t.own_complete_sha256}
        manifest = {"media": part, "participant_events": part}  # one upload for two parts
    elif choice == 7:
        manifest = rng.choice(
            [{}, [], "media", {"media": None}, {"participant_events": {"file": "x", "sha256": sha}}]
        )
    else:
        manifest = {"media": {"file": t.own_complete, "sha256": t.own_complete_sha256}, "extra": True}
    body = json.dumps(manifest).encode()
    if rng.random() < 0.1:
        body = body[: max(1, len(body) // 2)]  # cut short: malformed JSON
    headers = [_auth(t.token), (b"Content-Type", b"application/json")]
    return Probe(
        "bad finalize manifest",
        "POST",
        "/ingest/v1/recording/finalize",
        headers,
        body,
        frozenset({400}),
        note=body[:80].decode(),
    )


def bad_auth(rng: random.Random, t: Target) -> Probe:
    value = rng.choice(
        [
            None,
            b"UploadToken ",
            b"UploadToken " + f"{rng.getrandbits(160):040x}".encode(),
            b"Token " + t.token.encode(),
            b"Bearer " + t.token.encode(),
            t.token.encode(),
            b"UploadToken " + t.token.encode() + b"x",
            b"UploadToken ../../" + t.token.encode(),
        ]
    )
    headers = [TUS, (b"Upload-Length", b"10")]
    if value is not None:
        headers.append((b"Authorization", value))
    return Probe("bad upload token", "POST", FILES, headers, expect=frozenset({401}))


def raw_framing(rng: random.Random, t: Target) -> Probe:
    """What httpx will not send: Content-Length lies, NUL bytes and oversized header blocks."""
    own = FILES + t.own_file
    base = [TUS, _auth(t.token), OCTETS, (b"Upload-Offset", str(t.own_offset).encode())]
    choice = rng.randrange(6)
    if choice == 0:
        headers, body = (
            [*base, (b"Content-Length", rng.choice([b"-1", b"abc", b"1 2", b"0x10", b"+4"]))],
            b"abcd",
        )
    elif choice == 1:
        # promises far more than Upload-Length allows and sends a little: refused before the body
        headers, body = (
            [*base, (b"Content-Length", str(rng.choice([10**12, 10**18, t.own_length])).encode())],
            b"ab",
        )
    elif choice == 2:
        headers, body = [*base, (b"Content-Length", b"4"), (b"Content-Length", b"5")], b"abcde"
    elif choice == 3:
        headers, body = [*base, (b"Content-Length", b"4"), (b"X-Name", b"evil\x00name")], b"abcd"
    elif choice == 4:
        big = b"filename " + _b64(b"a" * rng.choice([70_000, 200_000]))
        headers, body = [TUS, _auth(t.token), (b"Upload-Length", b"10"), (b"Upload-Metadata", big)], b""
        headers.append((b"Content-Length", b"0"))
        return Probe("oversized header block", "POST", FILES, headers, body, raw=True)
    else:
        # both framings, and a chunk size that is not hex: the HTTP layer refuses it
        headers = [*base, (b"Content-Length", b"4"), (b"Transfer-Encoding", b"chunked")]
        body = b"zz\r\nabcd\r\n0\r\n\r\n"
    return Probe(
        "lying Content-Length / bad framing",
        "PATCH",
        own,
        headers,
        body,
        raw=True,
        touches_own=True,
        note=repr(headers[-1]),
    )


def abandoned(rng: random.Random, t: Target) -> Probe:
    """A PATCH with a checksum whose client dies mid-body: nothing of it may be kept."""
    declared = rng.randint(2, t.own_length - t.own_offset)
    body = b"h" * rng.randint(1, declared - 1)
    digest = _b64(bytes(32))
    headers = [
        TUS,
        _auth(t.token),
        OCTETS,
        (b"Upload-Offset", str(t.own_offset).encode()),
        (b"Upload-Checksum", b"sha256 " + digest),
        (b"Content-Length", str(declared).encode()),
    ]
    return Probe(
        "checksummed PATCH abandoned mid-body",
        "PATCH",
        FILES + t.own_file,
        headers,
        body,
        raw=True,
        hang_up=True,
        touches_own=True,
        note=f"{len(body)} of {declared}",
    )


KINDS: list[Callable[[random.Random, Target], Probe]] = [
    bad_length,
    missing_tus,
    bad_metadata,
    opaque_metadata,
    refused_first_chunk,
    wrong_offset,
    bad_content_type,
    past_length,
    bad_checksum,
    foreign_file,
    traversal_path,
    hostile_concat,
    after_finalize,
    bad_finalize,
    bad_auth,
    raw_framing,
    abandoned,
]


def draw(rng: random.Random, target: Target) -> Probe:
    return rng.choice(KINDS)(rng, target)
