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

Here each process keeps one connection of its own with the store's statement prepared on it. A
read that starts after a request arrived sees every append committed before it, which is all
freshness asks. So the requests handled in one turn of the loop wait for one read, sent on the
loop's next turn; requests arriving while it is in flight wait for the next, sent as soon as that
one is answered, which serves all of them. At most one read is in flight per process, and a
request waits for two at most.

The read goes through psycopg's libpq wrapper (``psycopg.pq``) with the connection's socket
watched by the loop for as long as it is open, rather than through the connection's asyncio
cursor, which registers and unregisters the socket and steps a generator for every statement:
measured apart, a read cost 143-155 us of the process's CPU through the cursor and 63-79 us
through the wrapper, and at eight connections on two workers a process sends a read for every
two or three answers it serves. The row is still loaded by psycopg's own adapters.

Anything that goes wrong (no connection, a failed read, one slower than the statement timeout)
answers None and the request takes the worker thread's path, which reads the head there and
reports a failing database as every request does. The connection is then opened again by a later
request, no sooner than a second after the failure.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg import pq
from psycopg.adapt import Transformer
from sqlalchemy import Engine

from ledger.store.engine import Timeouts
from ledger.store.event_store import LATEST
from ledger.store.types import UTCDateTime

log = logging.getLogger(__name__)

#: Seconds after a failure before a request tries to connect again.
RETRY_SECONDS = 1.0

Latest = tuple[int, datetime | None]
#: What a read ends in: the head, or why there is none.
Outcome = Latest | BaseException
#: The record time as the store reads it: an aware instant in UTC.
_RECORDED_AT = UTCDateTime()
#: The name the head's statement is prepared under on the reader's connection.
_PREPARED = b"ledger_head"


class Wire(Protocol):
    """A connection that runs the head's statement, one at a time, and tells the reader what
    became of it through the callback it was opened with."""

    def send(self) -> None: ...

    def close(self) -> None: ...


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
        self._wire: Wire | None = None
        self._connecting: asyncio.Task[None] | None = None
        #: Arrived, their read not sent yet.
        self._waiting: list[asyncio.Future[Latest]] = []
        #: The read in flight answers these.
        self._answering: list[asyncio.Future[Latest]] = []
        self._in_flight = False
        #: A send is scheduled for the loop's next turn.
        self._due = False
        self._deadline: asyncio.TimerHandle | None = None
        self._retry_at = 0.0

    async def latest(self) -> Latest | None:
        """The head position and latest record time, read after this call began; None when the
        read could not be made."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._close_wire()
            self._loop, self._connecting, self._waiting, self._answering = loop, None, [], []
            self._in_flight = self._due = False
        waiter: asyncio.Future[Latest] = loop.create_future()
        self._waiting.append(waiter)
        if not (self._due or self._in_flight or self._connecting):
            self._due = True
            loop.call_soon(self._send)
        try:
            return await waiter
        except Exception:
            return None

    def _send(self) -> None:
        self._due = False
        if self._in_flight or self._connecting or not self._waiting:
            return
        loop = self._running_loop()
        if self._wire is None:
            if loop.time() < self._retry_at:
                _settle(self._take_waiting(), _Resting())
            else:
                self._connecting = loop.create_task(self._connect())
            return
        self._answering = self._take_waiting()
        self._in_flight = True
        if self._timeouts.statement:
            self._deadline = loop.call_later(self._timeouts.statement, self._expired)
        try:
            self._wire.send()
        except Exception as error:
            self._answered(error)

    def _answered(self, outcome: Outcome) -> None:
        """The wire's callback: the read in flight ended, or the connection broke while idle."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if isinstance(outcome, BaseException):
            # seen here, whether or not a request still waits for it (its deadline may have
            # passed): the requests take the worker thread's path meanwhile
            log.warning("reading the head on the event loop failed: %r", outcome)
            self._failed()
        if self._in_flight:
            self._in_flight = False
            answering, self._answering = self._answering, []
            _settle(answering, outcome)
            self._send()

    def _expired(self) -> None:
        self._deadline = None
        self._answered(TimeoutError(f"no head within {self._timeouts.statement} s"))

    async def _connect(self) -> None:
        try:
            self._wire = await self._open(self._answered)
        except Exception as error:
            log.warning("reading the head on the event loop failed: %r", error)
            self._failed()
            _settle(self._take_waiting(), error)
        finally:
            self._connecting = None
        self._send()

    async def _open(self, answered: Callable[[Outcome], None]) -> Wire:
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,  # each read its own snapshot, taken when it runs
            connect_timeout=max(2, round(self._timeouts.connect)),  # libpq: whole seconds
            # which process's reader a connection in pg_stat_activity is, unless the URL names it
            fallback_application_name=f"ledger head reader {os.getpid()}",
        )
        wire = _PreparedWire(connection, self._running_loop(), self._loaded, answered)
        try:
            async with asyncio.timeout(self._timeouts.statement or None):
                await connection.execute(
                    f"SET statement_timeout = {round(self._timeouts.statement * 1000)}"
                )
                await wire.prepare(self._statement)
        except BaseException:
            wire.close()
            raise
        return wire

    def _loaded(self, row: tuple[Any, ...]) -> Latest:
        return int(row[0] or 0), _RECORDED_AT.process_result_value(row[1], self._dialect)

    def _failed(self) -> None:
        self._retry_at = self._running_loop().time() + RETRY_SECONDS
        self._close_wire()

    def _take_waiting(self) -> list[asyncio.Future[Latest]]:
        waiting, self._waiting = self._waiting, []
        return waiting

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None  # set by the first request
        return self._loop

    def _close_wire(self) -> None:
        wire, self._wire = self._wire, None
        if wire is not None:
            wire.close()

    async def close(self) -> None:
        """Fails the reads waiting and closes the connection (the app's shutdown)."""
        if self._connecting is not None and self._loop is asyncio.get_running_loop():
            self._connecting.cancel()
            await asyncio.gather(self._connecting, return_exceptions=True)
        self._connecting = None
        _settle([*self._waiting, *self._answering], _Resting())
        self._waiting, self._answering, self._in_flight = [], [], False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._close_wire()


class _PreparedWire:
    """The head's prepared statement on a connection whose socket the loop watches for as long
    as it is open: sending a read is two calls into libpq, and its answer is read when the socket
    becomes readable."""

    def __init__(
        self,
        connection: psycopg.AsyncConnection[Any],
        loop: asyncio.AbstractEventLoop,
        loaded: Callable[[tuple[Any, ...]], Latest],
        answered: Callable[[Outcome], None],
    ) -> None:
        self._connection = connection
        self._pgconn = connection.pgconn
        self._socket = self._pgconn.socket
        self._loop = loop
        self._loaded = loaded
        self._answered = answered
        self._transformer = Transformer(connection)
        self._result: pq.abc.PGresult | None = None
        #: While the statement is being prepared: its outcome, for :meth:`prepare` to await.
        self._preparing: asyncio.Future[pq.abc.PGresult | None] | None = None

    async def prepare(self, statement: str) -> None:
        """Prepares the statement at the protocol level (not with SQL's ``PREPARE``), which a
        pooler in transaction mode, PgBouncer 1.21 and later, keeps track of; then watches the
        socket."""
        self._preparing = self._loop.create_future()
        self._loop.add_reader(self._socket, self._readable)
        self._pgconn.nonblocking = 1
        self._pgconn.send_prepare(_PREPARED, statement.encode())
        self._flush()
        result = await self._preparing
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            raise self._error(result)

    def send(self) -> None:
        self._pgconn.send_query_prepared(_PREPARED, None, result_format=pq.Format.BINARY)
        self._flush()

    def _flush(self) -> None:
        if self._pgconn.flush():  # the rest goes once the socket can take it
            self._loop.add_writer(self._socket, self._writable)

    def _writable(self) -> None:
        try:
            if not self._pgconn.flush():
                self._loop.remove_writer(self._socket)
        except psycopg.Error as error:
            self._failed(error)

    def _readable(self) -> None:
        try:
            self._pgconn.consume_input()
            while not self._pgconn.is_busy():
                result = self._pgconn.get_result()
                if result is None:  # the command's results are all in
                    self._ended()
                    return
                self._result = result
        except psycopg.Error as error:
            self._failed(error)

    def _ended(self) -> None:
        result, self._result = self._result, None
        preparing, self._preparing = self._preparing, None
        if preparing is not None:
            if not preparing.done():
                preparing.set_result(result)
        elif result is None:  # readable with no statement sent: the server closed, say
            if self._pgconn.status != pq.ConnStatus.OK:
                self._answered(psycopg.OperationalError("the head reader's connection closed"))
        elif result.status != pq.ExecStatus.TUPLES_OK:
            self._answered(self._error(result))
        else:
            self._transformer.set_pgresult(result)
            self._answered(self._loaded(self._transformer.load_row(0, tuple)))

    def _failed(self, error: psycopg.Error) -> None:
        preparing, self._preparing = self._preparing, None
        if preparing is None:
            self._answered(error)
        elif not preparing.done():
            preparing.set_exception(error)

    def _error(self, result: pq.abc.PGresult | None) -> psycopg.Error:
        if result is None:
            return psycopg.OperationalError("no answer to preparing the head's statement")
        return psycopg.errors.error_from_result(result, self._connection.info.encoding)

    def close(self) -> None:
        self._loop.remove_reader(self._socket)
        self._loop.remove_writer(self._socket)
        # what AsyncConnection.close does, without a coroutine: the caller is a loop callback
        self._pgconn.finish()


class _Resting(Exception):
    """The reader failed less than :data:`RETRY_SECONDS` ago, or is closing: no read now."""


def _settle(waiters: list[asyncio.Future[Latest]], outcome: Outcome) -> None:
    for waiter in waiters:
        if waiter.done():  # its request was cancelled
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)
