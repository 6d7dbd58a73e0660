"""The region's HTTP surface: routers, dependencies, pagination, rate limits, idempotency, faults."""
