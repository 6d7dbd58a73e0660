"""The HTTP client of one delivery attempt: httpx's, without its cookie jar.

httpx hands every response to the client's cookie jar, wrapping request and response in urllib's types
first, whether or not a `Set-Cookie` header came back: about half a millisecond per attempt. An attempt's
client sends one request and is closed (Svix opens a connection per attempt and keeps no state between
attempts), so a cookie a receiver sets could never be sent back: there is nothing to read it for.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["AttemptClient"]


class _Unread(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        """A receiver's `Set-Cookie` reaches no later request of this client: there is none."""


class AttemptClient(httpx.AsyncClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._unread = _Unread()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._unread

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        self._unread = _Unread(cookies)
