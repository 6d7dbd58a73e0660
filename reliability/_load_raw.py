"""One HTTP/1.1 request written byte for byte on a socket, for what an HTTP client refuses to send
(NUL bytes in a header, a Content-Length the body does not match, a negative or non-numeric one)."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

__all__ = ["RawAnswer", "raw_request"]


class RawAnswer:
    """The status line's code (0 when the server closed without answering) and the head's bytes."""

    def __init__(self, status: int, head: bytes) -> None:
        self.status = status
        self.head = head


def raw_request(
    base_url: str,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    *,
    timeout: float = 5.0,
    hang_up: bool = False,
) -> RawAnswer:
    """Send exactly these bytes (no Content-Length is added) and read the answer's head. The socket
    stays open for writing, so a server still waiting for a promised body shows as a timeout (status 0).
    `hang_up`: close the connection right after sending, as a client that dies mid-body does."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = f"{method} {path} HTTP/1.1\r\n".encode() + f"Host: {host}:{port}\r\n".encode()
    head += b"".join(name + b": " + value + b"\r\n" for name, value in headers) + b"Connection: close\r\n\r\n"
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head + body)
        if hang_up:
            return RawAnswer(0, b"")
        received = b""
        try:
            while b"\r\n" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            return RawAnswer(0, received)
    line = received.split(b"\r\n", 1)[0].split()
    status = int(line[1]) if len(line) >= 2 and line[1].isdigit() else 0
    return RawAnswer(status, received)
