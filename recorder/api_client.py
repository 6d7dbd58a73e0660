"""An httpx client that reads cookies only from responses that set one.

httpx hands every response to its cookie jar, wrapping request and response in urllib's types first,
whether or not a `Set-Cookie` header came back: about a millisecond per request in a scenario, where
Recall's API (authenticated by a header, as every Recall client is) never sets a cookie. This client skips
the wrapping when there is nothing to read; a response that does set a cookie is handled as httpx would.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["AsyncApiClient"]


class _SetCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


class AsyncApiClient(httpx.AsyncClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._set_cookies = _SetCookies(kwargs.get("cookies"))

    @property
    def cookies(self) -> httpx.Cookies:
        return self._set_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._set_cookies = _SetCookies(cookies)
