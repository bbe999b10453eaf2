"""Statements compiled once and run through the bare driver, their parameters bound as given.

For the statements of an append that SQLAlchemy's execution cost several times the database's
work for (on SQLite: the projector's reads of stored rows and earlier events, and its UPDATE of
the rows it ends): the caller builds the statement with SQLAlchemy, compiles it here once per
dialect, and binds each parameter as the driver takes it (on SQLite: text for days and instants,
as ``ledger.store.types.sqlite_instant`` writes them). Literals of the statement keep their
compiled values. The rows come back as the driver's tuples.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
