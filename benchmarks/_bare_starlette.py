"""A bare Starlette app answering the two benchmarked operations with fixed JSON, served by uvicorn with the
settings `recall-sim serve` uses (simulator/serve.py): the ceiling of the stack the simulator runs on.

    python benchmarks/_bare_starlette.py PORT SDK_UPLOAD_JSON RECORDING_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from recall_sim.simulator.serve import bind_socket


def app(sdk_upload: Any, recording: Any) -> Starlette:
    async def create(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse(sdk_upload, status_code=201)

    async def retrieve(_: Request) -> JSONResponse:
        return JSONResponse(recording)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/api/v1/sdk_upload/", create, methods=["POST"]),
            Route("/api/v1/recording/{id}/", retrieve, methods=["GET"]),
            Route("/_simulator/health", health, methods=["GET"]),
        ]
    )


def main() -> None:
    port, sdk_upload, recording = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    sock = bind_socket("127.0.0.1", port)
    config = uvicorn.Config(
        app(json.loads(sdk_upload.read_text()), json.loads(recording.read_text())),
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
