"""Statements compiled once and run through the bare driver, their parameters bound as given.

For the statements of an append that SQLAlchemy's execution cost several times the database's
work for (on SQLite: the projector's reads of stored rows and earlier events, and its UPDATE of
the rows it ends): the caller builds the statement with SQLAlchemy, compiles it here once per
dialect, and binds each parameter as the driver takes it (on SQLite: text for days and instants,
as ``ledger.store.types.sqlite_instant`` writes them). Literals of the statement keep their
compiled values. The rows come back as the driver's tuples.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

from sqlalchemy import ClauseElement, Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class DriverStatement:
    """A compiled statement: its text, and its positional parameters by name."""

    text: str
    names: tuple[str, ...]
    literals: Mapping[str, Any]

    def run(self, connection: Connection, values: Mapping[str, Any]) -> None:
        """Run with ``values`` (by parameter name, as the driver binds them)."""
        connection.exec_driver_sql(self.text, self._params(values))

    def rows(self, connection: Connection, values: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
        """The rows of a query run with ``values``, as the driver returns them."""
        result = connection.exec_driver_sql(self.text, self._params(values))
        return cast(Iterator[tuple[Any, ...]], iter(result))

    def _params(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] if name in values else self.literals[name] for name in self.names)


def driver_statement(statement: ClauseElement, dialect: Dialect) -> DriverStatement:
    """``statement`` compiled for ``dialect``, whose parameters must be positional (SQLite)."""
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
    if compiled.positiontup is None:
        raise ValueError(f"{dialect.name} binds by name, not by position")
    names = tuple(compiled.positiontup)
    literals = {name: compiled.binds[name].effective_value for name in names}
    return DriverStatement(compiled.string, names, literals)


#: The most values one INSERT binds: SQLite's own bound before 3.32 (SQLITE_MAX_VARIABLE_NUMBER,
#: 32,766 since), which a build may still keep.
MOST_VALUES = 999
#: The most rows one INSERT of ``rows_per_insert`` carries: past a few dozen, the statement's
#: program grows (and is kept by the driver's statement cache) for no further saving.
MOST_ROWS = 64


def rows_per_insert(count: int, columns: int) -> int:
    """How many rows each INSERT of an append carries on SQLite (the events', the state
    rows'): the largest divisor of ``count`` within ``MOST_ROWS`` rows and ``MOST_VALUES``
    values, so that one executemany of the same statement writes them all (one statement per
    call, as before). Each execution of a statement opens and closes a cursor on the table and
    each of its indexes and resets the statement, and the driver binds and steps it: a row at a
    time, that was a fifth of the events' insert's instructions (67,300 against 54,400 per row
    of bench/append.py's workload under callgrind for 50 rows per INSERT). A count with no such
    divisor but 1 (a prime past 64) is inserted a row at a time, as before."""
    most = min(count, MOST_ROWS, MOST_VALUES // columns)
    return next(size for size in range(most, 0, -1) if count % size == 0)


def rows_together(rows: Sequence[tuple[Any, ...]], size: int) -> Sequence[tuple[Any, ...]]:
    """``rows`` as the parameters of an INSERT of ``size`` rows each, in row order."""
    if size == 1:
        return rows
    return [
        tuple(chain.from_iterable(rows[start : start + size]))
        for start in range(0, len(rows), size)
    ]
