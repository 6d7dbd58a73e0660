"""A webhook receiver for benchmarks: a bare Starlette app that reads each POST's body and answers 204,
served by uvicorn with the settings `recall-sim serve` uses (simulator/serve.py).

    python benchmarks/_receiver.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from recall_sim.simulator.serve import bind_socket


async def receive(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


async def health(_: Request) -> Response:
    return Response(b"ok")


def main() -> None:
    sock = bind_socket("127.0.0.1", int(sys.argv[1]))
    app = Starlette(routes=[Route("/hook", receive, methods=["POST"]), Route("/health", health)])
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
