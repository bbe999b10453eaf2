"""The events table: every statement that reads or writes it, on SQLite or PostgreSQL.

This module is the persistence adapter of the log and nothing else: the append rules live in
``ledger.domain.append_rules``, the order of their checks in ``ledger.service``. What it offers
is small: :class:`EventLog`, bound to one connection (head, stream versions, stored ids, get,
insert, and the counting rule in SQL), used alike by the service inside its write transaction,
by the projector inside that same transaction and by the readers; and :class:`EventStore`, the
engine-level readers the API layers call.

The table refuses UPDATE and DELETE (migration 0001): rows are only ever inserted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

import orjson
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Connection,
    Dialect,
    Engine,
    FromClause,
    Select,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.types import NullType

from ledger.domain.event_types import RETRACTION
from ledger.domain.hash_chain import GENESIS, Sealed, canonical_value
from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent, fold_order
from ledger.domain.visibility import Visibility
from ledger.store.driver import (
    MOST_ROWS,
    DriverStatement,
    driver_statement,
    rows_per_insert,
    rows_together,
)
from ledger.store.engine import reading, write_transaction
from ledger.store.event_rows import sqlite_events
from ledger.store.tables import EventDisputeRow, EventRow
from ledger.store.types import sqlite_instant

EVENTS = cast(Table, EventRow.__table__)
DISPUTES = cast(Table, EventDisputeRow.__table__)


@dataclass(frozen=True)
class Head:
    position: int
    hash: str
    recorded_at: datetime | None


def row_to_event(row: Mapping[Any, Any]) -> RecordedEvent:
    """The event of a row read as a mapping (``Result.mappings()``), never as a ``Row``: a
    ``Row``'s attribute first asks its class for the name (SQLAlchemy 2.1's compiled row), an
    ``AttributeError`` made and dropped per column, ~3,000 instructions each; seventeen columns
    an event made that 7% of the README's person query. A mapping's key is a dictionary
    lookup."""
    occurred_on = row["occurred_on"]
    return RecordedEvent(
        id=row["id"],
        position=row["position"],
        stream_id=row["stream_id"],
        version=row["version"],
        type=row["type"],
        schema_version=row["schema_version"],
        occurred_on=PartialDate.parse(occurred_on) if occurred_on else None,
        recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"],
        data=row["data"],
        sources=tuple(row["sources"]),
        hash=row["hash"],
        previous_hash=row["previous_hash"],
        restricted=bool(row["restricted"]),
        salt=row["salt"],
        note=row["note"],
        disputes=tuple(UUID(str(item)) for item in row["disputes"] or ()),
    )


def _disputes_json(disputes: tuple[UUID, ...]) -> str:
    """The ``disputes`` column's JSON list of ids (NULL, not an empty list, when the event
    disputes nothing)."""
    return canonical_value([str(item) for item in disputes])


def _values(sealed: Sealed) -> tuple[Any, ...]:
    """The row of one event, in the table's column order (``_COLUMNS``), as Python values."""
    event = sealed.event
    occurred = event.occurred_on
    return (
        event.position,
        event.id,
        event.stream_id,
        event.version,
        event.type,
        event.schema_version,
        occurred.text if occurred else None,
        occurred.first_day if occurred else None,
        occurred.last_day if occurred else None,
        event.recorded_at,
        event.recorded_by,
        sealed.data_json,
        sealed.sources_json,
        event.restricted,
        event.salt,
        event.retracts,
        event.hash,
        event.previous_hash,
        event.note,
        _disputes_json(event.disputes) if event.disputes else None,
    )


@lru_cache(maxsize=4096)
def _sqlite_days(text: str) -> tuple[str, str]:
    """The sort bounds of the partial date written ``text`` as SQLite binds days (ISO text),
    kept: ``date.isoformat`` goes through ``PyUnicode_FromFormat`` (3,000 instructions a day,
    a sixth of a row), and the events of a call mostly share a few dates."""
    occurred = PartialDate.parse(text)
    return occurred.first_day.isoformat(), occurred.last_day.isoformat()


def _sqlite_row(sealed: Sealed, instants: dict[datetime, str]) -> tuple[int, tuple[Any, ...]]:
    """The row of one event as SQLAlchemy's column types bind it on SQLite, straight from the
    event (a test holds it to ``_values`` bound by the column types): UUIDs as 32 hex digits,
    days as ISO text, the record instant as naive UTC text with microseconds (converted once
    per instant: an append call has one), booleans as 0/1, and a missing ``disputes`` as the
    JSON ``null`` the JSON type writes for None.

    Returned as which of the optional groups (``_OPTIONAL``) the event fills, one bit each, and
    the values of the columns ``_sqlite_columns`` names for them: an empty group is left out of
    the row rather than bound as None (see ``_OPTIONAL``)."""
    event, data_json, sources_json = sealed
    # Unpacked at once: a named tuple's field read goes through its class, each of them.
    (
        event_id,
        position,
        stream_id,
        version,
        type_name,
        schema_version,
        occurred,
        at,
        recorded_by,
        _,
        _,
        digest,
        previous,
        restricted,
        salt,
        note,
        disputes,
    ) = event
    instant = instants.get(at)
    if instant is None:
        instant = instants[at] = sqlite_instant(at)
    row: tuple[Any, ...] = (
        position,
        event_id.int.to_bytes(16).hex(),  # UUID.hex, without its call and %-formatting
        stream_id,
        version,
        type_name,
        schema_version,
        instant,
        recorded_by,
        data_json,
        sources_json,
        1 if restricted else 0,
        digest,
        previous,
        _disputes_json(disputes) if disputes else "null",
    )
    filled = 0
    if occurred is not None:
        text = occurred.text
        first, last = _sqlite_days(text)
        row += (text, first, last)
        filled = 1
    if salt is not None:
        row += (salt,)
        filled |= 2
    if type_name == RETRACTION:  # RecordedEvent.retracts asked of retractions only
        row += (cast(UUID, event.retracts).hex,)
        filled |= 4
    if note is not None:
        row += (note,)
        filled |= 8
    return filled, row


def filter_only(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition`` as a truth test, which no index can serve: the planner applies it to the
    rows the other conditions found. For a bound that keeps (nearly) every row, such as
    "below this append's first position" or "ends at or after this instant", on a database
    without statistics yet (a fresh one filled faster than autovacuum looks): the planner took
    such a range for selective and walked the whole primary key, or a listing index, for it
    (7 ms per call at 100,000 events, 13 ms at 20,000 state rows)."""
    return condition.is_(true())


#: the events table again, as the retractions a counting event must not have: one alias for
#: every statement (each new alias builds its twenty proxy columns again)
_RETRACTIONS = aliased(EVENTS, name="retraction")


def counting(
    known_at: datetime | ColumnElement[Any],
    visibility: Visibility,
    *,
    newest: bool = False,
    events: FromClause = EVENTS,
) -> Select[Any]:
    """The contract's counting rule (``ledger.domain.counting``) in SQL, written once: events
    recorded by ``known_at`` (an instant, or a bound parameter of a statement kept for reuse),
    no retraction, not retracted by then, restricted ones only in the full view. Callers narrow
    it by stream and valid time. ``newest``: ``known_at`` is the instant of the append being
    written, which every stored event is recorded by, so that bound is a truth test only
    (``filter_only``): the generic plan of the prepared statement on PostgreSQL walked all of
    ``ix_events_recorded_at`` for it (2.3 ms a call at 100,000 events, growing with the log).
    ``events``: the events table, or an alias of it the caller narrows by."""
    retraction = _RETRACTIONS
    recorded = events.c.recorded_at <= known_at
    query = select(events).where(
        filter_only(recorded) if newest else recorded,
        events.c.type != RETRACTION,
        ~exists().where(retraction.c.retracts == events.c.id, retraction.c.recorded_at <= known_at),
    )
    if visibility is Visibility.PUBLIC:
        query = query.where(events.c.restricted.is_(False))
    return query


def _json_array(values: Sequence[str]) -> str:
    """A JSON array of values as the column stores them, bound as one parameter on SQLite and
    read back as rows by ``json_each``: one statement however many values, as ``= ANY(array)``
    is on PostgreSQL. A statement with one parameter per value (an expanding ``IN``) was built,
    its values bound one by one and the statement parsed again at every call: 1.5 ms of an
    append of 500 events, to find none of them stored."""
    return orjson.dumps(list(values)).decode()


#: On SQLite the ids' rows joined to the events by a seek each on the unique index of ids: as
#: ``id IN (SELECT value FROM json_each(…))`` the list was first copied into a temporary index
#: (127 against 25 us for 500 ids none of which is stored). The ids come as ``orjson`` writes
#: UUIDs, hyphenated, and are compared without their hyphens, as the column holds them: written
#: by ``orjson`` in C, a list costs a third of one formatted in Python.
_IDS = func.json_each(bindparam("ids", type_=String())).table_valued("value")
_STORED_IN = select(EVENTS).join_from(
    _IDS, EVENTS, EVENTS.c.id == func.replace(_IDS.c.value, "-", "")
)
_STORED_ANY = select(EVENTS).where(
    EVENTS.c.id == any_(bindparam("ids", type_=ARRAY(EVENTS.c.id.type)))
)
_VERSIONS = select(EVENTS.c.stream_id, func.max(EVENTS.c.version)).group_by(EVENTS.c.stream_id)
_VERSIONS_ANY = _VERSIONS.where(
    EVENTS.c.stream_id == any_(bindparam("streams", type_=ARRAY(String())))
)
#: On SQLite, each stream's version is one seek to its last entry of (stream_id, version): the
#: grouped form above read every entry of every stream named (160 against 28 us for 25 streams
#: of 100 events). A stream without events gets NULL.
_STREAM = literal_column("value", String())
_VERSIONS_IN = select(
    _STREAM,
    select(func.max(EVENTS.c.version)).where(EVENTS.c.stream_id == _STREAM).scalar_subquery(),
).select_from(func.json_each(bindparam("streams", type_=String())))

#: Built once: built at every append it cost 0.3 ms of CPU a call, six times the statement.
_HEAD = (
    select(EVENTS.c.position, EVENTS.c.hash, EVENTS.c.recorded_at)
    .order_by(EVENTS.c.position.desc())
    .limit(1)
)
#: The head position and the latest record time (:meth:`EventStore.latest`); also read by
#: ``ledger.graphql.loop_head`` through a connection of its own.
LATEST = select(
    select(func.max(EVENTS.c.position)).scalar_subquery(),
    select(func.max(EVENTS.c.recorded_at)).scalar_subquery(),
)


@lru_cache(maxsize=64)
def _counting_since(undated: tuple[bool, ...]) -> Select[Any]:
    """The statement of ``EventLog.counting_since`` for streams read from their first event
    (``undated``) or from a day, built once per shape: building it anew on every append cost
    more than running it."""
    streams = []
    for index, whole in enumerate(undated):
        stream = EVENTS.c.stream_id == bindparam(f"stream_{index}", type_=EVENTS.c.stream_id.type)
        day = bindparam(f"day_{index}", type_=EVENTS.c.occurred_latest.type)
        streams.append(stream if whole else and_(stream, EVENTS.c.occurred_latest >= day))
    known_at = bindparam("known_at", type_=EVENTS.c.recorded_at.type)
    before = bindparam("before", type_=EVENTS.c.position.type)
    return counting(known_at, Visibility.FULL, newest=True).where(
        filter_only(EVENTS.c.position < before), or_(*streams)
    )


#: On SQLite the streams read whole and those read from a day come as two JSON parameters (an
#: array of ids; an array of [id, day]) joined to the events by a seek each on (stream, latest
#: day): one statement whatever the number of streams, its text compiled once and run through
#: the driver, its rows decoded by ``event_rows``. Built as a statement per number of streams
#: and run by SQLAlchemy, binding its two parameters per stream and processing each row's twenty
#: columns cost ten times the SQLite work of an append after a stream's history.
_WHOLE = func.json_each(bindparam("whole", type_=String())).table_valued("value").alias("whole")
_DATED = func.json_each(bindparam("dated", type_=String())).table_valued("value").alias("dated")


def _counting_since_json() -> CompoundSelect[Any]:
    known_at = bindparam("known_at", type_=EVENTS.c.recorded_at.type)
    before = bindparam("before", type_=EVENTS.c.position.type)
    counted = counting(known_at, Visibility.FULL, newest=True).where(
        filter_only(EVENTS.c.position < before)
    )
    return union_all(
        counted.join_from(_WHOLE, EVENTS, EVENTS.c.stream_id == _WHOLE.c.value),
        counted.join_from(
            _DATED,
            EVENTS,
            and_(
                EVENTS.c.stream_id == func.json_extract(_DATED.c.value, "$[0]"),
                EVENTS.c.occurred_latest >= func.json_extract(_DATED.c.value, "$[1]"),
            ),
        ),
    )


@lru_cache(maxsize=4)
def _compiled_counting_since(dialect: Dialect) -> DriverStatement:
    return driver_statement(_counting_since_json(), dialect)


#: The events table's columns in its order, each typed so that SQLAlchemy hands on the value the
#: driver returned (``EventLog.fetch`` on SQLite).
_UNPROCESSED_COLUMNS = tuple(
    type_coerce(column, NullType()).label(column.name) for column in EVENTS.columns
)


def _by_fold_order(events: list[RecordedEvent]) -> list[RecordedEvent]:
    return sorted(events, key=RecordedEvent.fold_key)


class EventLog:
    """The events table as seen through one connection (and so one transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def fetch(self, query: Select[Any]) -> list[RecordedEvent]:
        """The events of ``query``, a ``SELECT events.*``. On SQLite its columns are read as the
        driver returns them and decoded by ``event_rows``: SQLAlchemy's processing of each row
        (its JSON, UUID and instant types, then ``row_to_event``) cost twice that, and a feed page
        or ``/healthz``'s chain check of the newest 100 events reads a hundred rows."""
        if self.connection.dialect.name == "sqlite":
            unprocessed = query.with_only_columns(*_UNPROCESSED_COLUMNS)
            rows = cast(Iterator[tuple[Any, ...]], iter(self.connection.execute(unprocessed)))
            return sqlite_events(rows)
        return [row_to_event(row) for row in self.connection.execute(query).mappings()]

    def _one_of(self, column: Any, values: Sequence[Any]) -> Any:
        """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter however many
        values, so a bulk append does not parse and plan a statement with hundreds of them."""
        if self.connection.dialect.name == "postgresql":
            return column == any_(bindparam("values", list(values), type_=ARRAY(column.type)))
        return column.in_(values)

    # --- what an append needs --------------------------------------------------------------

    def head(self) -> Head:
        row = self.connection.execute(_HEAD).first()
        if row is None:
            return Head(0, GENESIS, None)
        return Head(row.position, row.hash, row.recorded_at)

    def versions(self, stream_ids: Sequence[str]) -> dict[str, int]:
        """Current version of each stream that has events (absent: version 0)."""
        if not stream_ids:
            return {}
        streams = sorted(set(stream_ids))
        if self.connection.dialect.name == "postgresql":
            rows = self.connection.execute(_VERSIONS_ANY, {"streams": streams})
        else:
            rows = self.connection.execute(_VERSIONS_IN, {"streams": _json_array(streams)})
        return {stream_id: int(version) for stream_id, version in rows if version is not None}

    def stored(self, ids: Sequence[UUID]) -> dict[UUID, RecordedEvent]:
        """Built once per dialect, bound per call: every page of events a reader sees comes
        through here, and building the statement cost more than running it."""
        if not ids:
            return {}
        if self.connection.dialect.name == "postgresql":
            rows = self.connection.execute(_STORED_ANY, {"ids": list(ids)})
        else:  # the column's text on SQLite: 32 hex digits
            # as orjson writes them (text with hyphens, in C), which the statement drops
            rows = self.connection.execute(_STORED_IN, {"ids": orjson.dumps(ids).decode()})
        events = [row_to_event(row) for row in rows.mappings()]
        return {event.id: event for event in events}

    def get(self, event_id: UUID) -> RecordedEvent | None:
        return self.stored([event_id]).get(event_id)

    def existing_streams(self, stream_ids: Sequence[str]) -> set[str]:
        """Which of ``stream_ids`` hold events."""
        if not stream_ids:
            return set()
        query = (
            select(EVENTS.c.stream_id)
            .where(self._one_of(EVENTS.c.stream_id, stream_ids))
            .group_by(EVENTS.c.stream_id)
        )
        return set(self.connection.execute(query).scalars())

    def disputed(self, event_ids: Sequence[UUID]) -> dict[UUID, tuple[str, bool]]:
        """The stored events among ``event_ids``: each one's type and whether it is retracted.
        Two statements however many ids."""
        if not event_ids:
            return {}
        retracted = set(
            self.connection.execute(
                select(EVENTS.c.retracts).where(self._one_of(EVENTS.c.retracts, event_ids))
            ).scalars()
        )
        rows = self.connection.execute(
            select(EVENTS.c.id, EVENTS.c.type).where(self._one_of(EVENTS.c.id, event_ids))
        )
        return {row.id: (row.type, row.id in retracted) for row in rows}

    def retraction_of(self, event_id: UUID) -> UUID | None:
        """The id of the retraction naming ``event_id``, if one is stored."""
        found = self.connection.execute(
            select(EVENTS.c.id).where(EVENTS.c.retracts == event_id)
        ).scalar()
        return cast(UUID | None, found)

    def insert(self, events: Sequence[Sealed]) -> None:
        """The rows go through the bare driver, without SQLAlchemy's per-row bookkeeping: to
        SQLite by ``executemany`` of an INSERT of several rows (``rows_per_insert``; values
        bound as the column types bind them), to PostgreSQL by
        COPY, one round trip for the whole batch (a single row: one INSERT). All run in the
        caller's transaction."""
        disputes = [
            {"disputed_id": disputed, "disputing_id": item.event.id}
            for item in events
            for disputed in item.event.disputes
        ]
        if disputes:  # the index of which event disputes which, in the same transaction
            self.connection.execute(insert(DISPUTES), disputes)
        if self.connection.dialect.name == "sqlite":
            instants: dict[datetime, str] = {}
            shapes: dict[int, list[tuple[Any, ...]]] = {}
            for item in events:
                filled, row = _sqlite_row(item, instants)
                shapes.setdefault(filled, []).append(row)
            # One statement per shape, nearly always one: positions are the rows' keys, so the
            # order in which the shapes are inserted changes nothing that is stored.
            for filled, rows in shapes.items():
                size = rows_per_insert(len(rows), len(_sqlite_columns(filled)))
                statement = _sqlite_insert(filled, size)
                self.connection.exec_driver_sql(statement, rows_together(rows, size))
            return
        values = [_values(event) for event in events]
        if len(values) == 1:
            self.connection.exec_driver_sql(_INSERT_POSTGRES, values[0])
        else:
            driver = self.connection.connection.driver_connection
            assert driver is not None
            with driver.cursor() as cursor, cursor.copy(_COPY) as copy:
                for row in values:
                    copy.write_row(row)

    # --- what projections and readers need -------------------------------------------------

    def counting_since(
        self, days: Mapping[str, date | None], known_at: datetime, before_position: int
    ) -> dict[str, list[RecordedEvent]]:
        """Each stream's events stored below ``before_position`` that count at ``known_at`` in
        the full view and whose latest day is on or after ``days[stream]`` (None: every event),
        in fold order: what a re-fold of those streams reads back, in one statement."""
        if not days:
            return {}
        if self.connection.dialect.name == "sqlite":
            return self._counting_since_sqlite(days, known_at, before_position)
        query = _counting_since(tuple(day is None for day in days.values()))
        params: dict[str, Any] = {"known_at": known_at, "before": before_position}
        for index, (stream_id, day) in enumerate(days.items()):
            params[f"stream_{index}"] = stream_id
            params[f"day_{index}"] = day
        found: dict[str, list[RecordedEvent]] = {}
        for row in self.connection.execute(query, params).mappings():
            found.setdefault(row["stream_id"], []).append(row_to_event(row))
        return {stream_id: _by_fold_order(events) for stream_id, events in found.items()}

    def _counting_since_sqlite(
        self, days: Mapping[str, date | None], known_at: datetime, before_position: int
    ) -> dict[str, list[RecordedEvent]]:
        statement = _compiled_counting_since(self.connection.dialect)
        values = {
            "whole": _json_array([stream_id for stream_id, day in days.items() if day is None]),
            "dated": orjson.dumps(
                [(stream_id, day.isoformat()) for stream_id, day in days.items() if day is not None]
            ).decode(),
            "known_at": sqlite_instant(known_at),
            "before": before_position,
        }
        found: dict[str, list[RecordedEvent]] = {}
        for event in sqlite_events(statement.rows(self.connection, values)):
            found.setdefault(event.stream_id, []).append(event)
        return {stream_id: _by_fold_order(events) for stream_id, events in found.items()}

    def counting_at(
        self, stream_id: str, as_of: date, known_at: datetime, visibility: Visibility
    ) -> list[RecordedEvent]:
        """The stream's events counting at (as_of, known_at), in fold order."""
        query = counting(known_at, visibility).where(
            EVENTS.c.stream_id == stream_id,
            or_(EVENTS.c.occurred_latest.is_(None), EVENTS.c.occurred_latest <= as_of),
        )
        return _by_fold_order(self.fetch(query))

    def counting_ids(
        self, stream_ids: Sequence[str], as_of: date, known_at: datetime, visibility: Visibility
    ) -> dict[str, tuple[str, ...]]:
        """Ids of each stream's counting events in fold order, reading only the columns the
        fold order needs, not the events' data."""
        query = (
            counting(known_at, visibility)
            .with_only_columns(
                EVENTS.c.stream_id,
                EVENTS.c.id,
                EVENTS.c.occurred_latest,
                EVENTS.c.occurred_earliest,
                EVENTS.c.position,
            )
            .where(
                EVENTS.c.stream_id.in_(list(stream_ids)),
                or_(EVENTS.c.occurred_latest.is_(None), EVENTS.c.occurred_latest <= as_of),
            )
        )
        rows = sorted(
            self.connection.execute(query),
            key=lambda r: fold_order(r.occurred_latest, r.occurred_earliest, r.position),
        )
        ids: dict[str, list[str]] = {stream_id: [] for stream_id in stream_ids}
        for row in rows:
            ids[row.stream_id].append(str(row.id))
        return {stream_id: tuple(found) for stream_id, found in ids.items()}

    def retractions_of(
        self, event_ids: Sequence[UUID], known_at: datetime
    ) -> dict[str, RecordedEvent]:
        """Retractions recorded by ``known_at``, by the (string) id of the event they retract."""
        query = select(EVENTS).where(
            EVENTS.c.retracts.in_(list(event_ids)), EVENTS.c.recorded_at <= known_at
        )
        return {str(event.retracts): event for event in self.fetch(query)}

    def disputing(
        self, event_ids: Sequence[UUID], known_at: datetime, visibility: Visibility
    ) -> dict[str, list[RecordedEvent]]:
        """For each of ``event_ids``, the counting events recorded by ``known_at`` that dispute
        it, by position."""
        query = (
            counting(known_at, visibility)
            .add_columns(DISPUTES.c.disputed_id)
            .join(DISPUTES, DISPUTES.c.disputing_id == EVENTS.c.id)
            .where(DISPUTES.c.disputed_id.in_(list(event_ids)))
            .order_by(EVENTS.c.position)
        )
        found: dict[str, list[RecordedEvent]] = {}
        for row in self.connection.execute(query).mappings():
            found.setdefault(str(row["disputed_id"]), []).append(row_to_event(row))
        return found

    def stream(self, stream_id: str) -> list[RecordedEvent]:
        query = select(EVENTS).where(EVENTS.c.stream_id == stream_id).order_by(EVENTS.c.version)
        return self.fetch(query)

    def stream_ids(self, prefixes: Sequence[str], after: str = "", limit: int = 1000) -> list[str]:
        """A page of stream ids starting with one of ``prefixes``, in order, after ``after``."""
        query = (
            select(EVENTS.c.stream_id)
            .where(EVENTS.c.stream_id > after, _starting(prefixes))
            .group_by(EVENTS.c.stream_id)
            .order_by(EVENTS.c.stream_id)
            .limit(limit)
        )
        return list(self.connection.execute(query).scalars())

    def count_in(self, prefixes: Sequence[str]) -> int:
        """How many events the streams starting with one of ``prefixes`` hold."""
        query = select(func.count()).where(_starting(prefixes))
        return int(self.connection.execute(query).scalar_one())

    def orphan(self, table: Table) -> str | None:
        """A stream of ``table`` (a projection) that holds no events at all, if there is one."""
        found = self.connection.execute(
            select(table.c.stream_id)
            .where(~table.c.stream_id.in_(select(EVENTS.c.stream_id).distinct()))
            .limit(1)
        ).scalar()
        return None if found is None else str(found)


def _starting(prefixes: Sequence[str]) -> Any:
    return or_(*(EVENTS.c.stream_id.startswith(prefix) for prefix in prefixes))


_COLUMNS = tuple(column.name for column in EVENTS.columns)
_COPY = f"COPY events ({', '.join(_COLUMNS)}) FROM STDIN"
_INSERT_POSTGRES = (
    f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"  # noqa: S608
)

#: The columns an event may leave empty, in the groups an event fills together. On SQLite a
#: bound None costs the sqlite3 module an adapter look-up (3,300 instructions, as much as five
#: bound values), where a column left out of the INSERT is NULL for nothing (none of them has a
#: default): so ``_sqlite_row`` leaves out the groups an event does not fill.
_OPTIONAL = (
    ("occurred_on", "occurred_earliest", "occurred_latest"),
    ("salt",),
    ("retracts",),
    ("note",),
)
#: the columns every row fills, in ``_sqlite_row``'s order
_ALWAYS = tuple(name for name in _COLUMNS if not any(name in group for group in _OPTIONAL))


@lru_cache(maxsize=1 << len(_OPTIONAL))
def _sqlite_columns(filled: int) -> tuple[str, ...]:
    """The columns of a row of ``_sqlite_row`` that fills the groups of ``filled``."""
    groups = (group for bit, group in enumerate(_OPTIONAL) if filled & 1 << bit)
    return _ALWAYS + tuple(name for group in groups for name in group)


@lru_cache(maxsize=(1 << len(_OPTIONAL)) * MOST_ROWS)
def _sqlite_insert(filled: int, rows: int) -> str:
    """The INSERT of ``rows`` rows of the shape ``filled``, their values in row order."""
    columns = _sqlite_columns(filled)
    row = f"({', '.join('?' * len(columns))})"
    return f"INSERT INTO events ({', '.join(columns)}) VALUES {', '.join([row] * rows)}"  # noqa: S608


class EventStore:
    """The log at engine level: transactions for writers, one-shot reads for the API layers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def writing(self) -> Iterator[EventLog]:
        """The ledger's single writer transaction (see ``ledger.store.engine``)."""
        with write_transaction(self.engine) as connection:
            yield EventLog(connection)

    @contextmanager
    def reading(self) -> Iterator[EventLog]:
        """One snapshot for reads that must agree with each other."""
        with reading(self.engine) as connection:
            yield EventLog(connection)

    def head(self) -> Head:
        with self.reading() as log:
            return log.head()

    def latest(self) -> tuple[int, datetime | None]:
        """The head position and the latest record time of any event (imports keep the record
        times they carry): what a cached answer is keyed on. Two index seeks."""
        with reading(self.engine) as connection:
            row = connection.execute(LATEST).one()
        return int(row[0] or 0), row[1]

    def get(self, event_id: UUID) -> RecordedEvent | None:
        with self.reading() as log:
            return log.get(event_id)

    def get_many(self, event_ids: Sequence[UUID]) -> dict[UUID, RecordedEvent]:
        with self.reading() as log:
            return log.stored(event_ids)

    def stream_version(self, stream_id: str) -> int:
        with self.reading() as log:
            return log.versions([stream_id]).get(stream_id, 0)

    def read_stream(self, stream_id: str) -> list[RecordedEvent]:
        with self.reading() as log:
            return log.stream(stream_id)

    def read_feed(self, after: int = 0, limit: int = 100) -> list[RecordedEvent]:
        return self.query(after=after, limit=limit)

    def query(
        self, where: EventFilter | None = None, *, after: int = 0, limit: int | None = None
    ) -> list[RecordedEvent]:
        """Events matching ``where``, by position, after a position, at most ``limit``."""
        with self.reading() as log:
            return log.fetch((where or EventFilter()).select(after=after, limit=limit))

    def count(self, where: EventFilter | None = None) -> int:
        inner = (where or EventFilter()).select().subquery()
        with reading(self.engine) as connection:
            return int(connection.execute(select(func.count()).select_from(inner)).scalar_one())

    def occurred_span(self, known_at: datetime | None = None) -> tuple[date | None, date | None]:
        """The first and last day that the dated events recorded by ``known_at`` can mean: the
        range a time slider offers (retracted events included: they were recorded). An open end
        of an interval ('../2019-05', '2019-03-14/..') bounds nothing: its stored extreme day
        (``date.min``/``date.max``) is left out."""
        recorded = EVENTS.c.recorded_at <= known_at if known_at is not None else true()
        # One pass over the events recorded by then: no index orders the earliest days, so
        # they are all read anyway, and the latest days in the same pass.
        earliest = case((EVENTS.c.occurred_earliest > date.min, EVENTS.c.occurred_earliest))
        latest = case((EVENTS.c.occurred_latest < date.max, EVENTS.c.occurred_latest))
        with reading(self.engine) as connection:
            first, last = connection.execute(
                select(func.min(earliest), func.max(latest)).where(recorded)
            ).one()
        return first, last

    def iter_all(self, batch: int = 1000) -> Iterator[RecordedEvent]:
        """Every event in position order, fetched in batches: constant memory."""
        after = 0
        while True:
            page = self.read_feed(after, batch)
            if not page:
                return
            yield from page
            after = page[-1].position


@dataclass(frozen=True)
class EventFilter:
    """Events by stream, type, occurred range (overlapping it) and record time."""

    stream_id: str | None = None
    types: Sequence[str] | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None
    recorded_after: datetime | None = None
    recorded_until: datetime | None = None

    def select(self, *, after: int = 0, limit: int | None = None) -> Select[Any]:
        query = select(EVENTS).where(EVENTS.c.position > after)
        if self.stream_id is not None:
            query = query.where(EVENTS.c.stream_id == self.stream_id)
        if self.types:
            query = query.where(EVENTS.c.type.in_(list(self.types)))
        if self.occurred_from is not None:
            query = query.where(EVENTS.c.occurred_latest >= self.occurred_from)
        if self.occurred_to is not None:
            query = query.where(EVENTS.c.occurred_earliest <= self.occurred_to)
        if self.recorded_after is not None:
            query = query.where(EVENTS.c.recorded_at > self.recorded_after)
        if self.recorded_until is not None:
            query = query.where(EVENTS.c.recorded_at <= self.recorded_until)
        query = query.order_by(EVENTS.c.position)
        return query.limit(limit) if limit is not None else query
