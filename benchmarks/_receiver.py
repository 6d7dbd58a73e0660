"""The benchmarks' webhook receiver in a process of its own: the shipped receiver (scenarios.receiver),
with no secret to check and 204 for each POST to /hook, served by uvicorn with the settings
`recall-sim serve` uses (simulator/serve.py); `GET /health` answers once it listens.

    python benchmarks/_receiver.py PORT
"""

from __future__ import annotations

import sys

import uvicorn

from recall_sim.scenarios.receiver import WebhookReceiver
from recall_sim.simulator.serve import bind_socket


def main() -> None:
    sock = bind_socket("127.0.0.1", int(sys.argv[1]))
    receiver = WebhookReceiver(path="/hook", status=204)
    config = uvicorn.Config(
        receiver, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
