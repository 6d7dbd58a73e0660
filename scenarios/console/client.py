"""The one way the console commands reach a region: HTTP to its control plane, with a person's errors.

A region that is not running, a refused request or a bad value ends the command with one or two lines on
stderr naming the problem and the fix, and exit code 1 (2 for a bad flag, as click does): never a
traceback.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn, Optional

import httpx
import typer

__all__ = ["DEFAULT_BASE_URL", "BaseUrl", "ConsoleClient", "WorkspaceId", "body_of", "fail", "not_running"]

DEFAULT_BASE_URL = "http://127.0.0.1:8080"

#: `--base-url`, shared by every console command; `RECALL_SIM_BASE_URL` sets it for a whole shell or CI job
BaseUrl = Annotated[
    str, typer.Option(envvar="RECALL_SIM_BASE_URL", help="The region's base URL", show_envvar=True)
]


#: `--workspace`, for the commands that act on one workspace's webhooks (listen, trigger)
WorkspaceId = Annotated[
    Optional[str],  # noqa: UP045 (typer reads the annotation at run time)
    typer.Option("--workspace", help="Workspace id (default: the one `recall-sim serve` started with)"),
]


def body_of(**fields: Any) -> dict[str, Any]:
    """A control-plane request body of the fields given: one left None takes the region's default."""
    return {name: value for name, value in fields.items() if value is not None}


def fail(message: str, fix: str | None = None, *, code: int = 1) -> NoReturn:
    """End the command: the problem, then the fix, on stderr."""
    typer.echo(f"Error: {message}", err=True)
    if fix:
        typer.echo(fix, err=True)
    raise typer.Exit(code)


def not_running(base_url: str) -> str:
    return f"no region answers at {base_url}"


_START_ONE = "Start one with `recall-sim serve`, or point --base-url (RECALL_SIM_BASE_URL) at yours."


def reason(response: httpx.Response) -> str:
    """What the region said, in one line."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and set(body) == {"detail"}:
        return str(body["detail"])
    if isinstance(body, dict) and body:
        # A field-keyed validation error, as Recall's API gives them (nested for lists and objects).
        return "; ".join(f"{field}: {message}" for field, message in _field_errors(body, ""))
    return json.dumps(body)[:300]


def _field_errors(errors: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(errors, dict):
        return [
            pair
            for key, value in errors.items()
            for pair in _field_errors(value, f"{path}.{key}" if path else key)
        ]
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [(path, " ".join(errors))]
    return [(path, json.dumps(errors))]


class ConsoleClient:
    """A synchronous client of one region's control plane (`/_simulator/...`)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            fail(f"--base-url {base_url!r} is not an http(s) URL", "Use e.g. http://127.0.0.1:8080.", code=2)
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __enter__(self) -> ConsoleClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (), **kwargs: Any) -> httpx.Response:
        """The response to `method path`; a refused connection or an unexpected status ends the command."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.ConnectError:
            fail(not_running(self.base_url), _START_ONE)
        except httpx.TimeoutException:
            fail(f"{self.base_url} did not answer {method} {path} in time", "Is the region overloaded?")
        except httpx.HTTPError as error:
            fail(f"{method} {path} to {self.base_url} failed: {error}", _START_ONE)
        if response.is_success or response.status_code in ok:
            return response
        if response.status_code == 404 and path.startswith("/_simulator") and "{" not in path:
            probe = self.http.get("/_simulator/health")
            if probe.status_code != 200:
                fail(f"{self.base_url} is not a recall-sim region (no /_simulator/health)", _START_ONE)
        fail(f"{method} {path}: {response.status_code} {reason(response)}")

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        response = self.request("POST", path, json=body, **kwargs)
        return response.json() if response.content else None

    def delete(self, path: str, **kwargs: Any) -> None:
        self.request("DELETE", path, **kwargs)
