"""GraphQL queries and mutations run off the event loop, in a bounded pool of threads.

The resolvers read the database with blocking calls. Run on the event loop, one slow query would
stall every other request of the process (eight concurrent clients got less throughput than one).
Each operation therefore executes in a worker thread that keeps an event loop of its own, so the
DataLoaders still gather a page's keys and answer them with one batch call, while the server's loop
stays free to accept, parse and answer other requests. A CapacityLimiter bounds the operations
executing at once (``LEDGER_GRAPHQL_THREADS``), and each holds one pooled database connection for
all its reads (:func:`ledger.store.engine.request_connection`), so the pool is sized to match.

Rewriting every resolver as ``async`` over an async driver was the alternative; the README says
why the thread pool was kept. Subscriptions are untouched: they run on the async path.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request, Response
from strawberry.fastapi import GraphQLRouter
from strawberry.types import ExecutionResult

from ledger.graphql.context import LedgerContext
from ledger.store.engine import request_connection

T = TypeVar("T")
_thread_loops = threading.local()


def _run_in_thread_loop(make: Callable[[], Awaitable[T]]) -> T:
    """Runs a coroutine to completion on this worker thread's own, long-lived event loop."""
    loop: asyncio.AbstractEventLoop | None = getattr(_thread_loops, "loop", None)
    if loop is None:
        loop = _thread_loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(make())


class ThreadedGraphQLRouter(GraphQLRouter[LedgerContext, None]):
    def __init__(self, *args: Any, threads: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._threads = threads
        self._limiter: anyio.CapacityLimiter | None = None

    def _capacity(self) -> anyio.CapacityLimiter:
        """Made on first use: a limiter belongs to the event loop that serves the requests."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._threads)
        return self._limiter

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: LedgerContext,
        root_value: None,
        request_data: Any,
    ) -> ExecutionResult:
        run = super().execute_single

        async def execute() -> ExecutionResult:
            with request_connection(context.ledger.engine):
                return await run(
                    request=request,
                    request_adapter=request_adapter,
                    sub_response=sub_response,
                    context=context,
                    root_value=root_value,
                    request_data=request_data,
                )

        return await anyio.to_thread.run_sync(
            _run_in_thread_loop, execute, limiter=self._capacity()
        )
