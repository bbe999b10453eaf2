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
from collections.abc import Callable, Coroutine, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class _ThreadLoop:
    """A worker thread's own event loop, closed when the thread ends and this is collected, and
    the tasks made on it since an operation began (its task factory notes each): what an
    operation left behind is looked for among those. ``asyncio.all_tasks`` walked every task of
    the process, those of the server's loop too, ~60,000 instructions an operation at c=1
    (about 1% of the README's person query) and more the more connections are open."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        made: list[asyncio.Task[Any]] = []

        def noted(
            loop: asyncio.AbstractEventLoop,
            coro: Generator[Any, None, T] | Coroutine[Any, Any, T],
            /,
            context: contextvars.Context | None = None,
        ) -> asyncio.Task[T]:
            task = asyncio.Task(coro, loop=loop, context=context)
            made.append(task)
            return task

        # a closure over the list alone: the loop holds no reference back to this holder
        self.loop.set_task_factory(noted)
        self.made = made

    def unfinished(self) -> list[asyncio.Task[Any]]:
        """The tasks made since the last call that have not finished."""
        unfinished = [task for task in self.made if not task.done()]
        self.made.clear()
        return unfinished

    def __del__(self) -> None:
        self.loop.close()


_THREAD = threading.local()


def _thread_loop() -> _ThreadLoop:
    held: _ThreadLoop | None = getattr(_THREAD, "held", None)
    if held is None or held.loop.is_closed():
        held = _THREAD.held = _ThreadLoop()
    return held


def _finish_leftovers(held: _ThreadLoop) -> None:
    """Cancels what an operation left behind (a batch scheduled when it was cancelled), so that
    nothing of it runs during the next operation on this loop."""
    leftovers = held.unfinished()
    if leftovers:
        for task in leftovers:
            task.cancel()
        held.loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


class _Worker:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Future[Any] | None = None
        self.cancelled = False

    def run(self, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        held = _thread_loop()
        loop = held.loop
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
            _finish_leftovers(held)
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
