"""Svix / Standard Webhooks signing, and a pure `verify` for receivers and tests.

A secret is `whsec_` + base64 of the key. The signed content is `"{msg_id}.{timestamp}.{body}"`; its
HMAC-SHA256, base64-encoded and prefixed `v1,`, is one signature. While a rotated-out key is still valid
every attempt carries one signature per key, space-separated, so receivers can switch keys at leisure.

`seed` workspaces get Svix's own header names (`svix-id`, `svix-timestamp`, `svix-signature`); `current`
workspaces get the Standard Webhooks names (`webhook-*`) Recall moved to. The values are the same.

Unlike the `svix` library, `verify` reads no clock: `now` is an argument, so a test on virtual time (or a
receiver replaying a stored request) verifies exactly as it would have at that moment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from recall_sim.simulator.errors import WebhookVerificationError

__all__ = [
    "SECRET_PREFIX",
    "TOLERANCE",
    "USER_AGENT",
    "HeaderFamily",
    "WebhookVerificationError",
    "decode_secret",
    "sign",
    "signed_headers",
    "verify",
]

SECRET_PREFIX = "whsec_"
#: receivers reject a timestamp further than this from their own clock (replay protection)
TOLERANCE = 5 * 60
#: what Svix's delivery workers send
USER_AGENT = "Svix-Webhooks/1.77.0"

HeaderFamily = Literal["svix", "webhook"]


def decode_secret(secret: str) -> bytes:
    """The HMAC key inside a `whsec_` secret (a bare base64 key is accepted too, as Svix does)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """One `v1,<base64>` signature of `body` for message `msg_id` sent at `timestamp`."""
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(decode_secret(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    family: HeaderFamily, secrets: Iterable[str], msg_id: str, timestamp: int, body: str
) -> dict[str, str]:
    """Every header of one attempt: id, timestamp, one signature per valid secret, content type, agent."""
    signatures = " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)
    return {
        f"{family}-id": msg_id,
        f"{family}-timestamp": str(timestamp),
        f"{family}-signature": signatures,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(f"svix-{name}", lowered.get(f"webhook-{name}"))


def verify(secret: str, headers: Mapping[str, str], body: str | bytes, now: float) -> Any:
    """Check a received webhook as a receiver must; return its parsed JSON body.

    Accepts either header family. Raises WebhookVerificationError when a header is missing, the
    timestamp is more than five minutes from `now`, or no `v1` signature matches this secret.
    """
    text = body.decode() if isinstance(body, bytes) else body
    msg_id, stamp, signatures = (_header(headers, n) for n in ("id", "timestamp", "signature"))
    if not (msg_id and stamp and signatures):
        raise WebhookVerificationError("Missing required headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("Invalid Signature Headers") from None
    if timestamp < now - TOLERANCE:
        raise WebhookVerificationError("Message timestamp too old")
    if timestamp > now + TOLERANCE:
        raise WebhookVerificationError("Message timestamp too new")
    expected = sign(secret, msg_id, timestamp, text).encode()
    for candidate in signatures.split(" "):
        version, _, _ = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(candidate.encode(), expected):
            return json.loads(text)
    raise WebhookVerificationError("No matching signature found")
