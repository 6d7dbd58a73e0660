"""Every id, key, token and secret the region hands out, drawn from the seeded `ids` and `secrets` streams."""

from __future__ import annotations

import base64
import string

from recall_sim.seams import Randomness

__all__ = ["Ids"]

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


class Ids:
    def __init__(self, randomness: Randomness) -> None:
        self._ids = randomness.stream("ids")
        self._secrets = randomness.stream("secrets")

    def uuid(self) -> str:
        return str(self._ids.uuid4())

    def api_key(self) -> str:
        """40 hex characters, the shape of Recall's (Django REST Framework) tokens."""
        return self._secrets.token_hex(20)

    def upload_token(self) -> str:
        """A UUID, as Recall's upload tokens are (the seed's example: `96472e47-a78c-4774-a9a2-...`),
        drawn from the secrets stream: the token is the desktop app's only credential."""
        return str(self._secrets.uuid4())

    def webhook_secret(self) -> str:
        """`whsec_` + base64 of 24 random bytes, as Svix makes them."""
        return "whsec_" + base64.b64encode(self._secrets.token_bytes(24)).decode("ascii")

    def signing_key(self) -> bytes:
        return self._secrets.token_bytes(32)

    def message_id(self) -> str:
        """`msg_` + 27 base62 characters, the shape of Svix message ids (KSUIDs)."""
        value = self._ids.getrandbits(160)
        chars = []
        for _ in range(27):
            value, digit = divmod(value, 62)
            chars.append(_BASE62[digit])
        return "msg_" + "".join(reversed(chars))

    def prefixed(self, prefix: str) -> str:
        """A short opaque id such as `ep_...` or `atmpt_...` for the region's own objects."""
        return f"{prefix}_{self._ids.token_hex(12)}"
