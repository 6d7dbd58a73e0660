"""Failing examples shared between machines: with RECALL_SIM_EXAMPLES=redis://host:port/db, Hypothesis
saves every failure it finds in that Redis (`hypothesis.extra.redis.RedisExampleDatabase`) and every run,
on any machine, tries the saved ones first. Used by `recall-sim scenario fuzz` and the pytest plugin.

A derandomized search (the `ci` profile) uses no database at all, so a run with RECALL_SIM_EXAMPLES set
searches at random: what it finds, every other run then replays first.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis.database import ExampleDatabase

__all__ = ["ENV", "PROFILE", "example_database", "use_shared_examples"]

ENV = "RECALL_SIM_EXAMPLES"
PROFILE = "recall-sim-shared-examples"
#: keys of this project's examples in a Redis others may use too
KEY_PREFIX = b"recall-sim:hypothesis:"


class ExamplesMisconfigured(ValueError):
    pass


def example_database() -> ExampleDatabase | None:
    """The database RECALL_SIM_EXAMPLES names, or None when it is unset."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ExamplesMisconfigured(f"{ENV}={url!r} is not a Redis URL: use redis://host:port/db")
    try:
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase
    except ImportError:
        raise ExamplesMisconfigured(
            f"{ENV} needs the redis package: pip install 'recall-sim[redis]'"
        ) from None
    return RedisExampleDatabase(redis.Redis.from_url(url), key_prefix=KEY_PREFIX)


def use_shared_examples() -> bool:
    """Load, over the current Hypothesis profile, one that saves to and replays from RECALL_SIM_EXAMPLES.
    False (and nothing changed) when it is unset."""
    database = example_database()
    if database is None:
        return False
    settings.register_profile(PROFILE, parent=settings.default, database=database, derandomize=False)
    settings.load_profile(PROFILE)
    return True
