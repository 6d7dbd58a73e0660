"""The one place that draws randomness.

A :class:`Randomness` holds one seed and hands out independent named streams (``ids``, ``tokens``,
``jitter``, ``faults``, ``media``...). Each draw hashes ``(seed, stream name, draw number)``, so:

- adding a draw to one subsystem never shifts another's values;
- the state of every stream is one integer, cheap to persist, so a simulator restarted on its data
  directory continues its id sequence instead of repeating it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from typing import TypeVar

__all__ = ["RandomStream", "Randomness", "entropy_seed"]

T = TypeVar("T")

_FLOAT_BITS = 53


def entropy_seed() -> int:
    """A fresh seed from the operating system, for a served simulator started without ``--seed``."""
    return secrets.randbits(63)


class RandomStream:
    """A deterministic stream of random values, identified by (seed, name)."""

    def __init__(self, seed: int | str, name: str, position: int = 0) -> None:
        self._prefix = f"{seed}\x1f{name}\x1f".encode()
        self.name = name
        self.position = position

    def _block(self) -> bytes:
        digest = hashlib.sha256(self._prefix + str(self.position).encode()).digest()
        self.position += 1
        return digest

    def getrandbits(self, bits: int) -> int:
        if bits <= 0:
            return 0
        out = b""
        while len(out) * 8 < bits:
            out += self._block()
        return int.from_bytes(out, "big") >> (len(out) * 8 - bits)

    def random(self) -> float:
        """A float in [0, 1)."""
        return self.getrandbits(_FLOAT_BITS) / (1 << _FLOAT_BITS)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def randbelow(self, n: int) -> int:
        """An int in [0, n), without modulo bias."""
        if n <= 0:
            raise ValueError("n must be positive")
        bits = n.bit_length()
        while True:
            value = self.getrandbits(bits)
            if value < n:
                return value

    def randint(self, low: int, high: int) -> int:
        """An int in [low, high], both ends included."""
        return low + self.randbelow(high - low + 1)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.randbelow(len(options))]

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def token_bytes(self, n: int) -> bytes:
        return self.getrandbits(n * 8).to_bytes(n, "big")

    def token_hex(self, n: int) -> str:
        return self.token_bytes(n).hex()

    def token_urlsafe(self, n: int) -> str:
        return base64.urlsafe_b64encode(self.token_bytes(n)).rstrip(b"=").decode("ascii")

    def uuid4(self) -> uuid.UUID:
        """A version-4 UUID drawn from this stream (the only way ids are made)."""
        return uuid.UUID(int=self.getrandbits(128), version=4)


class Randomness:
    """One seed, many independent named streams; their positions can be saved and restored."""

    def __init__(self, seed: int | str, positions: Mapping[str, int] | None = None) -> None:
        self.seed = seed
        self._streams: dict[str, RandomStream] = {}
        for name, position in (positions or {}).items():
            self._streams[name] = RandomStream(seed, name, position)

    def stream(self, name: str) -> RandomStream:
        if name not in self._streams:
            self._streams[name] = RandomStream(self.seed, name)
        return self._streams[name]

    def positions(self) -> dict[str, int]:
        """Every stream's position, to persist next to the state those draws produced."""
        return {name: s.position for name, s in sorted(self._streams.items())}

    def restore(self, positions: Mapping[str, int]) -> None:
        for name, position in positions.items():
            self.stream(name).position = position

    def derive(self, name: str) -> Randomness:
        """A child Randomness with its own seed, for a subsystem that owns its streams."""
        return Randomness(f"{self.seed}/{name}")
