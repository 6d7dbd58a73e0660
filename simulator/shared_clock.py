"""The region's clock when several processes serve it from one store (PostgreSQL): one origin (the
machine's time, the region's time, the scale) and one running total of advances, both in the store.

Every process follows them (`RealClock.follow`), so all read the same time at the same scale; an advance
made through any process adds to the total at once, and the others pick it up when they next look (the
scheduler's poll, every 0.2 s).
"""

from __future__ import annotations

from recall_sim.seams import RealClock
from recall_sim.simulator.store import Store

__all__ = ["SharedClock"]

ORIGIN = "clock_origin"
ADVANCED = "clock_advanced"


class SharedClock(RealClock):
    def __init__(self, store: Store, scale: float = 1.0) -> None:
        super().__init__(scale)
        self.store = store
        origin = store.get_meta(ORIGIN)
        if origin is None:
            # The first process of the region: its clock, at its scale, is everyone's.
            wall, at = self.origin()
            origin = {"wall": wall, "at": at, "scale": self.scale}
            store.put_meta(ORIGIN, origin)
        self._origin_doc = origin
        self.refresh(first=True)

    def refresh(self, *, first: bool = False) -> None:
        """Catch up with the advances other processes made."""
        origin = self._origin_doc
        advanced = float(self.store.get_meta(ADVANCED) or 0.0)
        self.follow(float(origin["wall"]), float(origin["at"]), float(origin["scale"]), advanced, first=first)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        total = self.store.add_to_meta(ADVANCED, seconds)
        origin = self._origin_doc
        self.follow(float(origin["wall"]), float(origin["at"]), float(origin["scale"]), total)
