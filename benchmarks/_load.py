"""A closed-loop HTTP/1.1 load generator on asyncio streams: N keep-alive connections, each sending one
request, reading the whole response, and sending the next, for a fixed time after a warm-up.

It speaks just enough HTTP for the servers measured here (Content-Length or chunked bodies, a server
that closes the connection), so that its own cost per request stays well below theirs; `cpu_share`
says how busy it was, so a run where the generator itself was the bottleneck shows.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["LoadResult", "Request", "run_load"]


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self) -> bytes:
        parts = urlsplit(self.url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{self.method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float]
    statuses: Counter[int]
    response_bytes: int
    #: the generator's CPU time over wall time: near 1.0 means it, not the server, set the pace
    cpu_share: float

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        """The p-th percentile latency, in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, whether the server will close the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = closing = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and b"close" in value.lower():
            closing = True
    if not chunked:
        await reader.readexactly(length)
        return status, length, closing
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        await reader.readexactly(size + 2)
        total += size
        if size == 0:
            return status, total, closing


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _primed(host: str, port: int, raw: bytes) -> Connection:
    """A connection that has had one answer: a server's first request on it may pay one-off costs
    (a route analysed on first use, a module loaded), which no measured window should hold."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(raw)
    _, _, closing = await _read_response(reader)
    if closing:
        writer.close()
        reader, writer = await asyncio.open_connection(host, port)
    return reader, writer


async def _connection(
    connection: Connection,
    host: str,
    port: int,
    raw: bytes,
    warm_until: float,
    stop_at: float,
    result: LoadResult,
) -> None:
    reader, writer = connection
    try:
        while (started := time.perf_counter()) < stop_at:
            writer.write(raw)
            status, size, closing = await _read_response(reader)
            finished = time.perf_counter()
            if started >= warm_until and finished <= stop_at:
                result.latencies.append(finished - started)
                result.statuses[status] += 1
                result.response_bytes += size
            if closing:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def _run(request: Request, connections: int, seconds: float, warmup: float) -> LoadResult:
    parts = urlsplit(request.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    raw = request.encode()
    result = LoadResult(seconds, [], Counter(), 0, 0.0)
    primed = await asyncio.gather(*(_primed(host, port, raw) for _ in range(connections)))
    start = time.perf_counter()
    warm_until = start + warmup
    stop_at = warm_until + seconds
    cpu = time.process_time()
    await asyncio.gather(*(_connection(c, host, port, raw, warm_until, stop_at, result) for c in primed))
    result.cpu_share = (time.process_time() - cpu) / (time.perf_counter() - start)
    return result


def run_load(request: Request, *, connections: int, seconds: float, warmup: float = 1.0) -> LoadResult:
    """Send `request` over `connections` connections, each answered once first, for `warmup` + `seconds`;
    measure the last `seconds`."""
    return asyncio.run(_run(request, connections, seconds, warmup))
