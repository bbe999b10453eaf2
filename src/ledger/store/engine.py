"""Engines for both databases, with one way to open a serialised write transaction.

Writers are serialised so that global positions are gap-free and in commit order (a feed reader
that saw position N never later finds a new event below N). Sequences would hand out numbers
outside commit order, so positions are assigned as ``head + 1`` inside a transaction that holds:

* on PostgreSQL, a transaction-level advisory lock (``pg_advisory_xact_lock``), released at
  commit or rollback — the design of the ``eventsourcing`` library's recorders. Its key is
  the ledger's constant with the schema the events table lives in, so that ledgers in
  different schemas of one database do not wait for each other (the tests run that way);
* on SQLite, the database's write lock taken up front with ``BEGIN IMMEDIATE``.

Statement parameters are kept out of error messages and logs (``hide_parameters``): they can
hold restricted event data.

Readers never take these locks: WAL (SQLite) and MVCC (PostgreSQL) give them a snapshot. A served
request holds one pooled connection for all its reads (:func:`request_connection`) in autocommit,
so a read costs one statement: on PostgreSQL one round trip, without the BEGIN, ROLLBACK and
liveness ping of a connection checked out per statement; on SQLite without the BEGIN and COMMIT
each block of reads cost (the driver runs in SQLite's own autocommit mode, and the ledger issues
BEGIN itself, so it simply does not).

Every wait is bounded (:class:`Timeouts`): opening a connection, waiting for one from the pool,
a statement, a lock (the writer lock included). A database that hangs makes a request fail
with a timeout the HTTP layer answers as 503, instead of holding a worker for ever.
"""

from __future__ import annotations

import select
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from ledger.domain.errors import LedgerError
from ledger.store.tables import Base
from ledger.store.types import json_deserializer, json_serializer

WRITER_LOCK_KEY = 0x1ED6E4  # arbitrary, constant: the ledger's single writer lock
_IMMEDIATE = "ledger_immediate"
#: A served request's reads on SQLite: no BEGIN, each statement is its own transaction.
_AUTOCOMMIT_READS = "ledger_autocommit_reads"
SUPPORTED = "sqlite:///ledger.db (a file) or postgresql+psycopg://user@host/db"
#: The drivers the ledger ships with; a bare ``postgresql://`` means psycopg here, not psycopg2.
_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


class UnsupportedDatabase(LedgerError):
    code = "UNSUPPORTED_DATABASE"


def database_url(url: str) -> URL:
    """The URL with the ledger's own driver, or a refusal saying which URLs work."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(
            f"LEDGER_DATABASE_URL '{url}' is not a database URL: use {SUPPORTED}"
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        shown = parsed.render_as_string(hide_password=True)
        raise UnsupportedDatabase(
            f"LEDGER_DATABASE_URL '{shown}' names {parsed.drivername}, which the ledger does"
            f" not run on: use {SUPPORTED}"
        )
    return parsed.set(drivername=driver)


_AFTER_COMMIT = "ledger_after_commit"
_REQUEST_CONNECTION: ContextVar[Connection | None] = ContextVar(
    "ledger_request_connection", default=None
)
_REQUEST_READS: ContextVar[dict[Hashable, Any] | None] = ContextVar(
    "ledger_request_reads", default=None
)
T = TypeVar("T")


@dataclass(frozen=True)
class Timeouts:
    """Seconds; a statement timeout of 0 means none (long batch work from the command line)."""

    connect: float = 5.0
    statement: float = 10.0
    lock: float = 5.0
    pool: float = 5.0


def make_engine(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> Engine:
    timeouts = timeouts or Timeouts()
    parsed = database_url(url)
    if parsed.get_backend_name() == "sqlite":
        # an in-memory database has one connection per thread, no pool to wait for
        in_memory = parsed.database in (None, "", ":memory:")
        if in_memory:  # pool sizes do not apply either
            kwargs.pop("pool_size", None)
            kwargs.pop("max_overflow", None)
        engine = create_engine(
            parsed,
            connect_args={"timeout": timeouts.lock},
            **({} if in_memory else {"pool_timeout": timeouts.pool}),
            hide_parameters=True,
            json_serializer=json_serializer,
            json_deserializer=json_deserializer,
            **kwargs,
        )
        _configure_sqlite(engine, timeouts)
        return engine
    engine = create_engine(
        parsed,
        # libpq counts whole seconds, at least 2
        connect_args={"connect_timeout": max(2, round(timeouts.connect))},
        pool_timeout=timeouts.pool,
        hide_parameters=True,
        json_serializer=json_serializer,
        json_deserializer=json_deserializer,
        **kwargs,
    )
    _configure_postgres(engine, timeouts)
    return engine


def _configure_postgres(engine: Engine, timeouts: Timeouts) -> None:
    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if not still_open(dbapi_connection):
            raise DisconnectionError("the server closed this pooled connection")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Session settings, committed so that they outlive this first transaction. Instants
        # come back in UTC whatever the server's own zone: psycopg then gives them
        # ``datetime.UTC`` itself, which ``UTCDateTime`` passes as they are, instead of a
        # ``ZoneInfo`` of the server's zone (Debian's "Etc/UTC") to convert from on every row.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {round(timeouts.statement * 1000)}")
            cursor.execute(f"SET lock_timeout = {round(timeouts.lock * 1000)}")
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()


def still_open(dbapi_connection: Any) -> bool:
    """Whether a pooled PostgreSQL connection may still be used, asked without a round trip.

    An idle connection has nothing to read: the server has answered everything it was sent. So
    if its socket is readable, the server has since spoken on its own, which an idle client
    connection hears from it when it goes away: a restart or termination (an error, then the
    end of the stream), a proxy or the kernel closing it (the end of the stream). A liveness
    ping (``pool_pre_ping``) asked the server instead, one round trip per checkout: on every
    served request, a quarter of a small query's round trips. What neither tells apart, a peer
    gone without a word, the statement's own timeout bounds. Anything else unexpected there (a
    notice) costs only a fresh connection.
    """
    if dbapi_connection.closed:
        return False
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)


def _configure_sqlite(engine: Engine, timeouts: Timeouts) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={round(timeouts.lock * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(_AUTOCOMMIT_READS, False):
            return
        immediate = options.get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the ledger's writer lock; commits on success, rolls back on error.

    Callbacks registered with :func:`after_commit` run once the commit has succeeded."""
    with engine.connect() as connection:
        if is_sqlite(engine):
            connection = connection.execution_options(**{_IMMEDIATE: True})
        try:
            with connection.begin():
                if not is_sqlite(engine):
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                        {"key": WRITER_LOCK_KEY},
                    )
                yield connection
        finally:
            callbacks: list[Callable[[], None]] = connection.info.pop(_AFTER_COMMIT, [])
        for callback in callbacks:
            callback()


def after_commit(connection: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` when the write transaction of ``connection`` has committed (never if it
    rolls back): what readers of other connections are told must already be visible to them."""
    connection.info.setdefault(_AFTER_COMMIT, []).append(callback)


@contextmanager
def request_connection(engine: Engine) -> Iterator[None]:
    """Holds one pooled connection for the reads made in this context (one served request), in
    autocommit: each statement reads what is committed when it runs. (SQLite's is not set through
    SQLAlchemy's isolation level, whose reset at check-in would undo the driver setting the
    engine's connect hook made.)"""
    with engine.connect() as connection:
        if is_sqlite(engine):
            connection = connection.execution_options(**{_AUTOCOMMIT_READS: True})
        else:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        token = _REQUEST_CONNECTION.set(connection)
        reads = _REQUEST_READS.set({})
        try:
            yield
        finally:
            _REQUEST_READS.reset(reads)
            _REQUEST_CONNECTION.reset(token)


def reads_in_autocommit(connection: Connection) -> bool:
    """Whether each read of ``connection`` is its own transaction (a served request's,
    :func:`request_connection`), rather than one SQLAlchemy begins on first use."""
    options = connection.get_execution_options()
    return bool(options.get(_AUTOCOMMIT_READS)) or options.get("isolation_level") == "AUTOCOMMIT"


def request_reads(engine: Engine) -> dict[Hashable, Any] | None:
    """What the served request (:func:`request_connection`) on ``engine`` has read so far and
    keeps, by key; None outside one. For reads that one answer would otherwise repeat."""
    kept = _REQUEST_READS.get()
    held = _REQUEST_CONNECTION.get()
    return kept if kept is not None and held is not None and held.engine is engine else None


def once_per_request(engine: Engine, key: Hashable, read: Callable[[], T]) -> T:
    """``read()`` made once per served request (the report summary's two root fields resolve
    the same addressee); outside a request, every call reads. A read that raises is not kept."""
    kept = request_reads(engine)
    if kept is None:
        return read()
    if key not in kept:
        kept[key] = read()
    value: T = kept[key]
    return value


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection to read with: the request's own if one is held, else one from the pool.

    The request's connection is in autocommit, so a read after a write of the same request sees
    that write, as with a fresh connection. Its reads are not each wrapped in a transaction of
    SQLAlchemy's (begun and committed around every read before): in the driver's autocommit no
    BEGIN or COMMIT reaches the database either way, so the first read begins one that lasts as
    long as the request holds the connection. A read that fails ends it, as each read's own did,
    so that after a lost connection the request's next read connects afresh.
    """
    held = _REQUEST_CONNECTION.get()
    if held is None or held.engine is not engine:
        with engine.connect() as connection:
            yield connection
        return
    try:
        yield held
    except BaseException:
        if held.in_transaction():
            held.rollback()
        raise


def analyze(engine: Engine) -> None:
    """Refresh PostgreSQL's planner statistics of the ledger's tables.

    Run after every bulk change (migrate, load, rebuild, import): until autovacuum gets round to
    it, freshly filled tables have none, and the planner then walks a listing index over every
    open row for the projector's per-stream lookups (7 ms instead of 0.01 ms a statement).
    SQLite plans these lookups by its indexes alone and needs nothing.
    """
    if is_sqlite(engine):
        return
    with engine.begin() as connection:
        connection.exec_driver_sql(f"ANALYZE {', '.join(sorted(Base.metadata.tables))}")
