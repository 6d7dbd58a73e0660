"""Signed, expiring, unauthenticated download URLs, like the presigned storage links Recall hands out.

A link names one download of one artifact and carries its expiry; an HMAC over both with the region's
signing key proves the region made it. Nothing else is needed to fetch it, and nothing else works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

from recall_sim.simulator.errors import NotFound, PermissionDenied

__all__ = ["DOWNLOADS", "DownloadKind", "DownloadSigner", "DownloadTarget", "downloadable"]

DownloadKind = Literal[
    "video_mixed",
    "audio_mixed",
    "transcript",
    "transcript_provider_data",
    "participant_events",
    "speaker_timeline",
    "participants",
]

#: download kind -> (artifact kind, blob part, content type, file extension)
DOWNLOADS: dict[str, tuple[str, str, str, str]] = {
    "video_mixed": ("video_mixed", "download", "video/mp4", "mp4"),
    "audio_mixed": ("audio_mixed", "download", "audio/mpeg", "mp3"),
    "transcript": ("transcript", "download", "application/json", "json"),
    "transcript_provider_data": ("transcript", "provider_data", "application/json", "json"),
    "participant_events": ("participant_events", "participant_events", "application/json", "json"),
    "speaker_timeline": ("participant_events", "speaker_timeline", "application/json", "json"),
    "participants": ("participant_events", "participants", "application/json", "json"),
}


def downloadable(status_code: str, kind: str) -> bool:
    """Whether an artifact in `status_code` serves the download `kind`. Downloads exist once an artifact
    is done; a failed transcript still serves its provider data, which holds the provider's error."""
    return status_code == "done" or (status_code == "failed" and kind == "transcript_provider_data")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class DownloadTarget:
    artifact_id: str
    kind: str


class DownloadSigner:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, payload: str) -> str:
        return _b64(hmac.digest(self._key, payload.encode("ascii"), hashlib.sha256))

    def sign(self, artifact_id: str, kind: str, expires_at: float) -> str:
        # The compact JSON of {"a": id, "k": kind, "e": expiry}, written out: a recording's answer signs
        # a link per artifact, and json.dumps with separators builds a new encoder for each.
        claims = f'{{"a":{json.dumps(artifact_id)},"k":{json.dumps(kind)},"e":{int(expires_at)}}}'
        payload = _b64(claims.encode("utf-8"))
        return f"{payload}.{self._mac(payload)}"

    def verify(self, token: str, kind: str, now: float) -> DownloadTarget:
        """The target of a valid, unexpired token for `kind`; 403 for anything forged or stale."""
        payload, _, mac = token.partition(".")
        # A signed token is ASCII; anything else is forged (compare_digest refuses to compare it).
        if not token.isascii() or not payload or not mac or not hmac.compare_digest(self._mac(payload), mac):
            raise PermissionDenied("Invalid download signature.")
        try:
            claims = json.loads(_unb64(payload))
            artifact_id, signed_kind, expires = str(claims["a"]), str(claims["k"]), float(claims["e"])
        except (ValueError, KeyError, TypeError):
            raise PermissionDenied("Invalid download signature.") from None
        if signed_kind != kind:
            raise NotFound()
        if now >= expires:
            raise PermissionDenied("This download link has expired.")
        return DownloadTarget(artifact_id=artifact_id, kind=signed_kind)
