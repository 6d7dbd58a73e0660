"""The SDK's and the scenario backend's HTTP client: cookies are read only from responses that set one,
and one that does is kept and sent back as httpx would."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from recall_sim.recorder.api_client import AsyncApiClient


async def _plain(request: Request) -> Response:
    return JSONResponse({"cookie": request.headers.get("cookie")})


async def _sets(request: Request) -> Response:
    response = JSONResponse({})
    response.set_cookie("session", "abc")
    return response


APP = Starlette(routes=[Route("/plain", _plain), Route("/sets", _sets)])


def test_cookies_are_read_only_from_responses_that_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    original = httpx.Cookies.extract_cookies

    def counted(self: httpx.Cookies, response: httpx.Response) -> None:
        read.append(response.request.url.path)
        original(self, response)

    monkeypatch.setattr(httpx.Cookies, "extract_cookies", counted)

    async def exchange() -> list[object]:
        transport = httpx.ASGITransport(app=APP)
        async with AsyncApiClient(transport=transport, base_url="http://region.test") as client:
            before = (await client.get("/plain")).json()["cookie"]
            await client.get("/sets")
            after = (await client.get("/plain")).json()["cookie"]
            return [before, after, client.cookies.get("session")]

    assert asyncio.run(exchange()) == [None, "session=abc", "abc"]
    assert read == ["/sets"]
