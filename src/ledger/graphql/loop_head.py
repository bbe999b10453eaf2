"""The ledger's head read on the server's event loop (PostgreSQL), so that an answer kept in the
answer cache is served without a worker thread.

A cached answer is keyed on the head, read afresh after the request arrived: an append through
any process must make every older answer unreachable at once (a client that wrote through one
worker and reads through another sees its write). Read on a worker thread, as an operation's
reads are, a cache hit cost a hand-off to the thread, a pooled connection and its liveness ping,
the read, and a hand-off back: each wake-up of the thread waits for the interpreter lock, which
the event loop's thread holds while it serves the other connections (up to the 5 ms switch
interval per hand-off). At eight connections on two cores those waits were the tail: at two
workers on PostgreSQL a cached answer's p99 was 6-8 times its p50, while the uncached answers,
three times as long, stayed within 3.

Here each process keeps one connection of its own, driven by psycopg's asyncio interface, and
reads the head with the store's statement. A read that starts after a request arrived sees every
append committed before it, which is all freshness asks. So a request shares the read in flight
while that read has not yet sent its statement (requests arriving in one turn of the loop share
one read: a task's first step runs only on the loop's next turn), and otherwise waits for the
next read, which starts once that one ends and serves all of them. At most one read is in
flight per process, and a request waits for two at most.

Anything that goes wrong (no connection, a failed read, one slower than the statement timeout)
answers None and the request takes the worker thread's path, which reads the head there and
reports a failing database as every request does. The connection is then opened again by a later
request, no sooner than a second after the failure.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Engine

from ledger.store.engine import Timeouts
from ledger.store.event_store import LATEST
from ledger.store.types import UTCDateTime

log = logging.getLogger(__name__)

#: Seconds after a failure before a request tries to connect again.
RETRY_SECONDS = 1.0

Latest = tuple[int, datetime | None]
#: The record time as the store reads it: an aware instant in UTC.
_RECORDED_AT = UTCDateTime()


class LoopHead:
    """One process's head reader; used from one event loop at a time (a new loop, as a second
    test client of the same app brings, starts over with a new connection)."""

    def __init__(self, engine: Engine, timeouts: Timeouts) -> None:
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._statement = str(LATEST.compile(dialect=engine.dialect))
        self._dialect = engine.dialect
        self._timeouts = timeouts
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._running: asyncio.Task[Latest] | None = None
        #: The running read has sent (or is about to send) its statement: too late to share.
        self._sent = False
        self._next: asyncio.Future[Latest] | None = None
        self._retry_at = 0.0

    async def latest(self) -> Latest | None:
        """The head position and latest record time, read after this call began; None when the
        read could not be made."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._connection, self._running, self._next = loop, None, None, None
        waited: asyncio.Future[Latest]
        if self._running is None:
            waited = self._start()
        elif not self._sent:  # its statement will run after this request arrived
            waited = self._running
        else:  # in flight since before this request: the next read is the one to wait for
            if self._next is None:
                self._next = loop.create_future()
            waited = self._next
        try:
            return await asyncio.shield(waited)
        except Exception:
            return None

    def _start(self) -> asyncio.Task[Latest]:
        task = asyncio.get_running_loop().create_task(self._read())
        self._running, self._sent = task, False
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Latest]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None and not isinstance(error, _Resting):
            # seen here, whether or not a request still waits for it (its deadline may have
            # passed): the requests take the worker thread's path meanwhile
            log.warning("reading the head on the event loop failed: %r", error)
        if self._running is not task:  # left over from an earlier loop
            return
        self._running = None
        waiting, self._next = self._next, None
        if waiting is not None:
            self._start().add_done_callback(lambda read: _settle(waiting, read))

    async def _read(self) -> Latest:
        try:
            connection = await self._connected()
            self._sent = True
            return await self._query(connection)
        except BaseException:
            self._retry_at = asyncio.get_running_loop().time() + RETRY_SECONDS
            await self._drop()
            raise

    async def _query(self, connection: psycopg.AsyncConnection[Any]) -> Latest:
        async with asyncio.timeout(self._timeouts.statement or None):
            cursor = await connection.execute(self._statement)
            row = await cursor.fetchone()
        assert row is not None  # two aggregates: always one row
        return int(row[0] or 0), _RECORDED_AT.process_result_value(row[1], self._dialect)

    async def _connected(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        if asyncio.get_running_loop().time() < self._retry_at:
            raise _Resting
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,  # each read its own snapshot, taken when it runs
            connect_timeout=max(2, round(self._timeouts.connect)),  # libpq: whole seconds
        )
        await connection.execute(
            f"SET statement_timeout = {round(self._timeouts.statement * 1000)}"
        )
        self._connection = connection
        return connection

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):
                await connection.close()

    async def close(self) -> None:
        """Ends the read in flight and closes the connection (the app's shutdown)."""
        running = self._running
        if running is not None and self._loop is asyncio.get_running_loop():
            running.cancel()
            with suppress(BaseException):
                await running
        self._running = self._next = None
        await self._drop()


class _Resting(Exception):
    """The reader failed less than :data:`RETRY_SECONDS` ago: no new connection yet."""


def _settle(waiting: asyncio.Future[Latest], read: asyncio.Task[Latest]) -> None:
    if waiting.done():
        return
    if read.cancelled():
        waiting.cancel()
    elif (error := read.exception()) is not None:
        waiting.set_exception(error)
    else:
        waiting.set_result(read.result())
