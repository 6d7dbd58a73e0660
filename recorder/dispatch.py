"""Delivering SDK events to listeners, in the order they happened, one at a time.

The real SDK hands events across a process boundary, so a listener never runs inside the SDK's own
call stack. Here a queue and one delivery task play that part: listeners are called in emission order.
A coroutine listener runs as a task of its own, as a JavaScript listener's promise does, so the SDK
never waits on it (a `recording-ended` listener may `await upload_recording()` while the upload's own
events keep flowing). A listener that raises does not stop the SDK: it produces an `error` event. After
`shutdown` has been delivered nothing more is.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from recall_sim.recorder import events

__all__ = ["Dispatcher", "Listener"]

log = logging.getLogger("recall_sim.recorder")

Listener = Callable[[dict[str, Any]], Awaitable[None] | None]


class Dispatcher:
    def __init__(self) -> None:
        self.listeners: dict[str, list[Listener]] = {}
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._listener_tasks: set[asyncio.Task[None]] = set()
        #: every event handed to listeners, in order: (name, payload)
        self.delivered: list[tuple[str, dict[str, Any]]] = []

    def add(self, name: str, listener: Listener) -> None:
        self.listeners.setdefault(name, []).append(listener)

    def remove(self, name: str, listener: Listener) -> None:
        if listener in self.listeners.get(name, []):
            self.listeners[name].remove(listener)

    def remove_all(self, name: str | None = None) -> None:
        if name is None:
            self.listeners.clear()
        else:
            self.listeners.pop(name, None)

    def start(self) -> None:
        self._closed = False
        if self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._deliver(), name="sdk events")

    def emit(self, name: str, payload: dict[str, Any]) -> None:
        if self._closed or self._queue is None:
            return
        self._queue.put_nowait((name, payload))
        if name == events.SHUTDOWN:
            self._closed = True

    async def flush(self) -> None:
        """Wait until every event emitted so far has been delivered and its listeners have returned."""
        while True:
            if self._queue is not None and self._task is not None and not self._task.done():
                await self._queue.join()
            if not self._listener_tasks:
                return
            await asyncio.gather(*list(self._listener_tasks), return_exceptions=True)

    def halt(self) -> None:
        """Deliver nothing more, at once (the process is gone): queued events are dropped."""
        self._closed = True
        for task in [self._task, *self._listener_tasks]:
            if task is not None:
                task.cancel()
        self._task = None

    async def close(self) -> None:
        await self.flush()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _listener_failed(self, name: str, error: BaseException) -> None:
        log.warning("listener for %s raised %r", name, error)
        if name != events.ERROR:
            self.emit(events.ERROR, events.error("listener_error", f"{name} listener: {error!r}"))

    def _watch(self, name: str, awaitable: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await awaitable
            except Exception as error:
                self._listener_failed(name, error)

        task = asyncio.get_running_loop().create_task(run(), name=f"listener {name}")
        self._listener_tasks.add(task)
        task.add_done_callback(self._listener_tasks.discard)

    async def _deliver(self) -> None:
        assert self._queue is not None
        while True:
            name, payload = await self._queue.get()
            try:
                self.delivered.append((name, payload))
                for listener in list(self.listeners.get(name, [])):
                    try:
                        result = listener(payload)
                    except Exception as error:  # a listener's bug must not break the SDK
                        self._listener_failed(name, error)
                        continue
                    if inspect.isawaitable(result):
                        self._watch(name, result)
            finally:
                self._queue.task_done()
