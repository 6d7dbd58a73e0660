"""Where `recall-sim record`'s desktop app gets its upload token, as a real app does: given
(`--upload-token`), created with an API key as a backend would (`--api-key`), or asked of the partner's
own backend (`--token-url`), which creates the upload and answers with its token. And what the region
says about a token's workspace: the upload mode its recordings use.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx

from recall_sim.recorder.config import UploadMode

__all__ = ["TokenError", "TokenSource", "reported_mode", "tls_context"]

#: where a backend's answer may carry the token: Recall's own field name, and the sample apps' spellings
_TOKEN_FIELDS = ("upload_token", "uploadToken", "token")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification, built once: loading the CA bundle takes longer than the calls made
    between a meeting's detection and its first words."""
    return httpx.create_ssl_context()


class TokenError(Exception):
    """The upload token could not be had (the backend refused, or answered without one)."""


@dataclass
class TokenSource:
    """Where the desktop app gets its upload token when a meeting is detected."""

    base_url: str
    upload_token: str | None = None
    api_key: str | None = None
    token_url: str | None = None
    token_headers: dict[str, str] = field(default_factory=dict)
    recording_config: dict[str, Any] | None = None
    transport: httpx.AsyncBaseTransport | None = None

    def __post_init__(self) -> None:
        given = [s for s in (self.upload_token, self.api_key, self.token_url) if s]
        if len(given) != 1:
            raise ValueError("give exactly one of an upload token, an API key or a token URL")

    async def fetch(self, window: dict[str, Any]) -> str:
        if self.upload_token:
            return self.upload_token
        async with httpx.AsyncClient(transport=self.transport, timeout=30, verify=tls_context()) as http:
            if self.api_key:
                body = {"recording_config": self.recording_config} if self.recording_config else None
                response = await http.post(
                    f"{self.base_url.rstrip('/')}/api/v1/sdk_upload/",
                    json=body,
                    headers={"Authorization": f"Token {self.api_key}"},
                )
            else:
                assert self.token_url is not None
                response = await http.post(
                    self.token_url, json={"window": window}, headers=self.token_headers
                )
        if response.status_code >= 300:
            raise TokenError(f"{response.request.url} answered {response.status_code}: {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            raise TokenError(f"{response.request.url} did not answer JSON: {response.text[:200]}") from None
        for name in _TOKEN_FIELDS:
            if isinstance(answer, dict) and isinstance(answer.get(name), str):
                return str(answer[name])
        raise TokenError(f"{response.request.url} answered without an upload token: {response.text[:200]}")


async def reported_mode(
    base_url: str, token: str, transport: httpx.AsyncBaseTransport | None = None
) -> UploadMode:
    """The upload mode the region reports for the token's workspace (`seed` if it names none)."""
    async with httpx.AsyncClient(
        base_url=base_url, transport=transport, timeout=30, verify=tls_context()
    ) as http:
        response = await http.get("/ingest/v1/recording/", headers={"Authorization": f"UploadToken {token}"})
    reported = response.json().get("upload_mode") if response.status_code == 200 else None
    return "current" if reported == "current" else "seed"
