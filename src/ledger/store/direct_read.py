"""Read statements compiled once per dialect and run on the driver's cursor.

A served read sends one statement built once per shape (``ledger.readmodel.projected``), yet
``Connection.execute`` redid for every call what only the statement decides: the compiled
cache's lookup, an execution context, the result's metadata from the cursor's description
(psycopg makes an object per column for it) and a row object per row. For the README's person
query on PostgreSQL that was half the read's CPU: 374 µs through ``Connection.execute``, 192 µs
here, for the same 9 rows (``time.process_time`` over 3,000 calls, one held connection).

Here the statement is compiled once per dialect, the type conversions SQLAlchemy would apply are
taken from the statement's types once, and a call binds, executes and fetches through the
DBAPI cursor of the SQLAlchemy connection given. A statement whose parameters are rendered at
execution (an expanding ``IN``) goes through ``Connection.execute`` as before, and so does every
statement of an engine whose cursor executions are listened to (a statement log, tracing): the
listeners get SQLAlchemy's execution context, which a direct read does not make.

A connection that is not reading in autocommit (outside a served request) is begun first, as
SQLAlchemy's execution begins it, so that its reads share one snapshot as before. Failures keep
SQLAlchemy's shape: a driver error is raised as the ``sqlalchemy.exc.DBAPIError``
subclass ``Connection.execute`` would raise, with parameters hidden, and a lost connection is
invalidated so that the pool does not hand it out again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import SelectBase

from ledger.store.engine import reads_in_autocommit

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    text: str
    #: parameter names in the driver's order (a positional paramstyle: SQLite's ``?``); None
    #: where the driver binds by name (psycopg's ``%(name)s``)
    positions: tuple[str, ...] | None
    compiled: SQLCompiler
    binds: Mapping[str, Processor]
    #: the names the driver knows a parameter by where they differ from SQLAlchemy's (most
    #: statements have none)
    escaped: Mapping[str, str]
    keys: tuple[str, ...]
    #: (column index, conversion) for the result columns whose type converts the driver's value
    results: tuple[tuple[int, Processor], ...]


class DirectRead:
    """A read statement, run on the driver's cursor where it can be (see the module)."""

    def __init__(self, statement: Executable, *, once: bool = False) -> None:
        """``once``: a statement built for one call (a search's), left to ``Connection.execute``
        and its compiled cache rather than compiled here for nothing."""
        self.statement = statement
        self._once = once
        self._compiled: dict[str, _Compiled | None] = {}
        self._lock = threading.Lock()

    def rows(
        self, connection: Connection, params: Mapping[str, Any]
    ) -> Sequence[Mapping[str, Any]]:
        """The rows, each by column name (as ``Result.mappings()`` reads them)."""
        compiled = self._compiled_for(connection)
        if compiled is None:
            return cast(
                Sequence[Mapping[str, Any]],
                connection.execute(self.statement, params).mappings().all(),
            )
        keys = compiled.keys
        return [dict(zip(keys, row, strict=True)) for row in _fetched(connection, compiled, params)]

    def tuples(self, connection: Connection, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
        """The rows, each as its values in column order."""
        compiled = self._compiled_for(connection)
        if compiled is None:
            return connection.execute(self.statement, params).all()
        return _fetched(connection, compiled, params)

    def _compiled_for(self, connection: Connection) -> _Compiled | None:
        dispatch = connection.dispatch
        if self._once or dispatch.before_cursor_execute or dispatch.after_cursor_execute:
            return None
        dialect = connection.dialect
        name = dialect.name
        if name not in self._compiled:
            built = _compile(self.statement, dialect)
            with self._lock:
                self._compiled.setdefault(name, built)
        return self._compiled[name]


def _compile(statement: Executable, dialect: Dialect) -> _Compiled | None:
    """The statement compiled for ``dialect``; None where only ``Connection.execute`` can run
    it (parameters rendered at execution; not a SELECT)."""
    if not isinstance(statement, SelectBase):
        return None
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params or compiled.literal_execute_params:
        return None
    binds: dict[str, Processor] = {}
    for name, bind in compiled.binds.items():
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds[name] = processor
    keys = tuple(statement.selected_columns.keys())
    results = []
    for index, column in enumerate(statement.selected_columns):
        processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if processor is not None:
            results.append((index, processor))
    positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
    escaped = dict(compiled.escaped_bind_names)
    return _Compiled(compiled.string, positions, compiled, binds, escaped, keys, tuple(results))


def _fetched(
    connection: Connection, compiled: _Compiled, params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    if not connection.in_transaction() and not reads_in_autocommit(connection):
        # what SQLAlchemy's execution begins on first use (SQLite: the engine's BEGIN), so that
        # the reads of one connection outside a served request share a snapshot as before
        connection.begin()
    values = compiled.compiled.construct_params(params, escape_names=False)
    for name, processor in compiled.binds.items():
        if name in values:
            values[name] = processor(values[name])
    bound: Any = values
    if compiled.positions is not None:
        bound = tuple(values[name] for name in compiled.positions)
    elif compiled.escaped:
        bound = {compiled.escaped.get(name, name): value for name, value in values.items()}
    dialect = connection.dialect
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(compiled.text, bound)
        rows: Sequence[Sequence[Any]] = cursor.fetchall()
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, dbapi_connection, cursor)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            compiled.text,
            None,
            error,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=dialect,
        ) from error
    finally:
        cursor.close()
    if not compiled.results:
        return rows
    converted = []
    for row in rows:
        values_of = list(row)
        for index, processor in compiled.results:
            values_of[index] = processor(values_of[index])
        converted.append(tuple(values_of))
    return converted
