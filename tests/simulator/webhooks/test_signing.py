"""Signing and the pure `verify`: a pinned vector, agreement with the svix library, every rejection."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from svix.webhooks import Webhook

from recall_sim.simulator.webhooks.signing import (
    WebhookVerificationError,
    decode_secret,
    sign,
    signed_headers,
    verify,
)

# Standard Webhooks' published test vector.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = '{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_published_vector() -> None:
    assert sign(SECRET, MSG_ID, TIMESTAMP, BODY) == EXPECTED


def test_an_independent_hmac_and_the_svix_library_agree() -> None:
    secret = "whsec_" + base64.b64encode(bytes(range(24))).decode()
    digest = hmac.new(bytes(range(24)), f"{MSG_ID}.{TIMESTAMP}.{BODY}".encode(), hashlib.sha256).digest()
    ours = sign(secret, MSG_ID, TIMESTAMP, BODY)
    assert ours == "v1," + base64.b64encode(digest).decode()
    assert ours == Webhook(secret).sign(MSG_ID, datetime.fromtimestamp(TIMESTAMP, tz=UTC), BODY)


@pytest.mark.parametrize("family", ["svix", "webhook"])
def test_verify_accepts_either_family_and_returns_the_body(family: str) -> None:
    headers = signed_headers(family, [SECRET], MSG_ID, TIMESTAMP, BODY)  # type: ignore[arg-type]
    assert set(headers) == {
        f"{family}-id",
        f"{family}-timestamp",
        f"{family}-signature",
        "content-type",
        "user-agent",
    }
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"] == "Svix-Webhooks/1.77.0"
    assert verify(SECRET, headers, BODY, now=TIMESTAMP) == {"test": 2432232314}
    assert verify(SECRET, {k.upper(): v for k, v in headers.items()}, BODY.encode(), now=TIMESTAMP + 300)


def test_every_valid_key_signs_and_any_one_verifies() -> None:
    old = "whsec_" + base64.b64encode(b"o" * 24).decode()
    headers = signed_headers("webhook", [SECRET, old], MSG_ID, TIMESTAMP, BODY)
    signatures = headers["webhook-signature"].split(" ")
    assert signatures == [sign(SECRET, MSG_ID, TIMESTAMP, BODY), sign(old, MSG_ID, TIMESTAMP, BODY)]
    for secret in (SECRET, old):
        verify(secret, headers, BODY, now=TIMESTAMP)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": '{"test": 2432232315}'}, "No matching signature found"),
        ({"secret": "whsec_" + base64.b64encode(b"x" * 24).decode()}, "No matching signature found"),
        ({"now": TIMESTAMP + 301}, "Message timestamp too old"),
        ({"now": TIMESTAMP - 301}, "Message timestamp too new"),
        ({"drop": "webhook-signature"}, "Missing required headers"),
        ({"set": ("webhook-timestamp", "soon")}, "Invalid Signature Headers"),
        ({"set": ("webhook-signature", "v2,abc")}, "No matching signature found"),
    ],
)
def test_verify_rejects(change: dict[str, object], message: str) -> None:
    headers = signed_headers("webhook", [SECRET], MSG_ID, TIMESTAMP, BODY)
    if "drop" in change:
        del headers[str(change["drop"])]
    if "set" in change:
        name, value = change["set"]  # type: ignore[misc]
        headers[name] = value
    with pytest.raises(WebhookVerificationError, match=message):
        verify(
            str(change.get("secret", SECRET)),
            headers,
            str(change.get("body", BODY)),
            now=float(change.get("now", TIMESTAMP)),  # type: ignore[arg-type]
        )


def test_secrets_must_be_base64_keys() -> None:
    assert decode_secret("whsec_" + base64.b64encode(b"k" * 24).decode()) == b"k" * 24
    for bad in ("whsec_", "whsec_not base64!"):
        with pytest.raises(ValueError, match="webhook secret"):
            decode_secret(bad)
