"""GraphQL executes in a worker thread with an event loop of its own, never on the server's.

The resolvers read the database synchronously. On the server's event loop a slow or hung
database would stall every other request, ``/healthz`` included, and no deadline could fire.
In a worker the server's loop stays free: when the request is cancelled (deadline, client
gone), the wait for the worker is abandoned at once and the worker's own task is cancelled,
which stops the execution at its next await (DataLoader batches); a statement already running
is stopped by the database's statement timeout.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class _Worker:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Future[Any] | None = None
        self.cancelled = False

    def run(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = asyncio.new_event_loop()
        try:
            asyncio.set_event_loop(loop)
            with self.lock:
                if self.cancelled:
                    raise asyncio.CancelledError
                self.loop = loop
                task: asyncio.Task[T] = loop.create_task(work())
                self.task = task
            return loop.run_until_complete(task)
        finally:
            with self.lock:
                self.loop = None
            asyncio.set_event_loop(None)
            loop.close()

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            if self.loop is not None and self.task is not None:
                self.loop.call_soon_threadsafe(self.task.cancel)


async def off_the_loop(
    work: Callable[[], Coroutine[Any, Any, T]], limiter: anyio.CapacityLimiter | None = None
) -> T:
    """``await work()``, run on a worker thread's own loop; cancelling this cancels that.
    ``limiter`` bounds how many run at once (others wait their turn)."""
    worker = _Worker()
    try:
        return await anyio.to_thread.run_sync(
            worker.run, work, abandon_on_cancel=True, limiter=limiter
        )
    except BaseException:
        worker.cancel()
        raise
