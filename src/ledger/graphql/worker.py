"""GraphQL executes in a worker thread with an event loop of its own, never on the server's.

The resolvers read the database synchronously. On the server's event loop a slow or hung
database would stall every other request, ``/healthz`` included, and no deadline could fire.
In a worker the server's loop stays free: when the request is cancelled (deadline, client
gone), the wait for the worker is abandoned at once and the worker's own task is cancelled,
which stops the execution at its next await (DataLoader batches); a statement already running
is stopped by the database's statement timeout.

Each worker thread keeps its event loop for the operations it runs, one after the other: a new
loop per operation (a selector and a socket pair, opened and closed) cost more than a small
query's reads. The loop is closed when its thread ends.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class _ThreadLoop:
    """A worker thread's own event loop, closed when the thread ends and this is collected."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        self.loop.close()


_THREAD = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    held: _ThreadLoop | None = getattr(_THREAD, "held", None)
    if held is None or held.loop.is_closed():
        held = _THREAD.held = _ThreadLoop()
    return held.loop


def _finish_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancels what an operation left behind (a batch scheduled when it was cancelled), so that
    nothing of it runs during the next operation on this loop."""
    leftovers = asyncio.all_tasks(loop)
    if leftovers:
        for task in leftovers:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


class _Worker:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Future[Any] | None = None
        self.cancelled = False

    def run(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        loop = _thread_loop()
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
            _finish_leftovers(loop)
            asyncio.set_event_loop(None)

    def cancel(self) -> None:
        with self.lock:
            self.cancelled = True
            if self.loop is not None and self.task is not None:
                self.loop.call_soon_threadsafe(self.task.cancel)


async def off_the_loop(
    work: Callable[[], Coroutine[Any, Any, T]], threads: ThreadPoolExecutor | None = None
) -> T:
    """``await work()``, run on a worker thread's own loop; cancelling this cancels that.
    ``threads`` bounds how many run at once (others wait their turn; None: the loop's default
    executor). The work sees the caller's context variables, as a thread started here would."""
    worker = _Worker()
    context = contextvars.copy_context()
    try:
        return await asyncio.get_running_loop().run_in_executor(
            threads, context.run, worker.run, work
        )
    except BaseException:
        worker.cancel()
        raise
