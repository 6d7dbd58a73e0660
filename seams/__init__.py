"""The seams that make recall-sim deterministic: the clock, the event loop on virtual time, randomness.

`simulator` and `recorder` both build on this package and on nothing of each other's.
"""

from recall_sim.seams.clock import DEFAULT_EPOCH, Clock, RealClock, VirtualClock, isoformat, machine_timestamp
from recall_sim.seams.loop import VirtualLoopDeadlock, VirtualTimeEventLoop, run_virtual
from recall_sim.seams.rng import Randomness, RandomStream, entropy_seed

__all__ = [
    "DEFAULT_EPOCH",
    "Clock",
    "RandomStream",
    "Randomness",
    "RealClock",
    "VirtualClock",
    "VirtualLoopDeadlock",
    "VirtualTimeEventLoop",
    "entropy_seed",
    "isoformat",
    "machine_timestamp",
    "run_virtual",
]
