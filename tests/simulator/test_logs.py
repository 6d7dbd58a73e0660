"""Credentials kept out of the server's logs: the redaction filter, and a served region using it."""

from __future__ import annotations

import logging

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from recall_sim.simulator import Settings
from recall_sim.simulator.logs import REDACTED, RedactCredentials, redact
from recall_sim.simulator.serve import served


def test_redact_hides_query_tokens_authorization_values_and_secrets() -> None:
    cases = {
        '"GET /api/v1/download/video_mixed?token=eyJh.c2ln HTTP/1.1"': (
            f'"GET /api/v1/download/video_mixed?token={REDACTED} HTTP/1.1"'
        ),
        "/ingest/v1/realtime?x=1&token=abc": f"/ingest/v1/realtime?x=1&token={REDACTED}",
        "'query_string': b'token=abc.def'": f"'query_string': b'token={REDACTED}'",
        "(b'authorization', b'Token 0123abcd')": f"(b'authorization', b'{REDACTED}')",
        "(b'authorization', b'0123abcd')": f"(b'authorization', b'{REDACTED}')",
        "Authorization: UploadToken tok_1": f"Authorization: UploadToken {REDACTED}",
        "secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw": f"secret whsec_{REDACTED}",
    }
    for raw, cleaned in cases.items():
        assert redact(raw) == cleaned, raw
    # Messages that only talk about tokens are left alone.
    assert redact("Upload token has expired.") == "Upload token has expired."


def test_the_filter_keeps_uvicorns_access_arguments_in_place() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/api/v1/download/audio_mixed?token=abc.def", "1.1", 200),
        None,
    )
    assert RedactCredentials().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == f'127.0.0.1:5 - "GET /api/v1/download/audio_mixed?token={REDACTED} HTTP/1.1" 200 OK'


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.served
def test_a_served_access_log_names_no_signature() -> None:
    with served(Settings(seed=9), log_level="info", access_log=True) as region:
        handler = _Lines()
        access = logging.getLogger("uvicorn.access")
        access.addHandler(handler)
        try:
            with httpx.Client(base_url=region.base_url, timeout=10) as client:
                forged = client.get("/api/v1/download/video_mixed", params={"token": "c2VjcmV0.c2ln"})
                assert forged.status_code == 403
        finally:
            access.removeHandler(handler)
    assert any("/api/v1/download/video_mixed?token=" in line for line in handler.lines), handler.lines
    assert not any("c2VjcmV0" in line or "c2ln" in line for line in handler.lines), handler.lines
