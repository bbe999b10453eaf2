"""Keeps the projection rows in step with the log, inside each append's own transaction.

Called by the service (``ledger.service.handlers.Projection``) after the events are inserted:
a reader sees its own write, and a failed append leaves no projection change behind. Events of
one record instant are projected together, at a fixed number of statements whatever the number
of streams they touch: one read of the affected streams' stored rows per table, one read of
their earlier counting events, and one write of each kind (close, reopen, delete, insert) per
table. Each stream is then re-folded in memory from the earliest day the fresh events touch:
once, into rows serving both views, while the stream holds no restricted event (public = full);
after that per view (the public rows never fold a restricted event), once for both when they
would fold the same events from the same state. The first restricted event of a stream ends
its shared rows (see ``timeline``): such a stream is re-read and re-folded whole, once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from sqlalchemy import (
    ARRAY,
    JSON,
    BindParameter,
    Connection,
    Date,
    Dialect,
    Executable,
    Integer,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    update,
)

from ledger.domain.event_types import RETRACTION
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.visibility import Visibility
from ledger.projections.kinds import Kind, kind_of
from ledger.projections.timeline import (
    MIN_DAY,
    OPEN_END,
    SHARED,
    Encoded,
    Span,
    Version,
    day_of,
    encode,
    refold,
    revise,
    version_columns,
)
from ledger.store.driver import (
    MOST_ROWS,
    DriverStatement,
    driver_statement,
    rows_per_insert,
    rows_together,
)
from ledger.store.event_store import EventLog, filter_only
from ledger.store.tables import RecommendationPersonRow
from ledger.store.types import JsonText, UTCDateTime, sqlite_instant, sqlite_instant_value

LINKS: Table = RecommendationPersonRow.__table__  # type: ignore[assignment]


class StoredRow(NamedTuple):
    """A row of ``_stored_rows``: a stored state version, its state as the stored text."""

    id: int
    stream_id: str
    visibility: str
    valid_from: date
    valid_to: date
    recorded_from: datetime
    recorded_to: datetime
    event_count: int
    state: str


#: a state version to store: stream, the views it serves (a ``Visibility`` value or ``SHARED``),
#: encoded span, recorded from, recorded to
Stored = tuple[str, str, Encoded[Any], datetime, datetime]


@dataclass
class Changes:
    """What one append does to one projection table, gathered over every stream it touches."""

    closed: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    #: the versions to insert, as ``state_rows`` takes them
    inserted: list[Stored] = field(default_factory=list)


#: an event's record instant, read in C
_RECORDED_AT = attrgetter("recorded_at")


class Projector:
    """The projections, as the service's ``Projection`` (``ledger.service.handlers``)."""

    def on_append(self, log: EventLog, events: Sequence[RecordedEvent]) -> None:
        for at, batch in groupby(events, key=_RECORDED_AT):
            project(log, at, list(batch))


def project(log: EventLog, at: datetime, fresh: Sequence[RecordedEvent]) -> None:
    """Project the events recorded at ``at`` (all of them already inserted)."""
    grouped: dict[str, list[RecordedEvent]] = defaultdict(list)
    for event in fresh:
        grouped[event.stream_id].append(event)
    by_stream = {s: events for s, events in grouped.items() if kind_of(s) is not None}
    # ``retracts`` asked of retractions only: a property call per event cost more than the test
    targets = log.stored(
        [
            target
            for e in fresh
            if e.type == RETRACTION and e.stream_id in by_stream and (target := e.retracts)
        ]
    )
    days = {
        stream_id: found
        for stream_id, events in by_stream.items()
        if (found := _affected_days(events, targets))
    }
    if not days:
        return
    # A restricted event may end a stream's shared rows, which re-folds it from the start.
    earliest = {
        stream_id: MIN_DAY
        if any(event.restricted for event in by_stream[stream_id])
        else min(found.values())
        for stream_id, found in days.items()
    }
    earlier = log.counting_since(
        {stream_id: None if day == MIN_DAY else day for stream_id, day in earliest.items()},
        at,
        before_position=min(event.position for event in fresh),
    )
    by_kind: dict[Kind[Any], list[str]] = defaultdict(list)
    for stream_id in days:
        kind = kind_of(stream_id)
        assert kind is not None
        by_kind[kind].append(stream_id)
    for kind, stream_ids in by_kind.items():
        stored = _stored_rows(log.connection, kind.table, at, {s: earliest[s] for s in stream_ids})
        changes = Changes()
        for stream_id in stream_ids:
            _refold(
                kind,
                stream_id,
                at,
                days[stream_id],
                earlier.get(stream_id, []),
                by_stream[stream_id],
                stored.get(stream_id, []),
                changes,
            )
        _write(log.connection, kind, at, changes)


def _affected_days(
    fresh: Sequence[RecordedEvent], targets: Mapping[UUID, RecordedEvent]
) -> dict[Visibility, date]:
    """The earliest day each visibility's history changes from (absent: it does not change).
    One pass: the public view is changed by the events it shows, the full view by all."""
    public: date | None = None
    full: date | None = None
    shows = Visibility.PUBLIC.shows
    for event in fresh:
        target = event.retracts if event.type == RETRACTION else None
        found = event if target is None else targets.get(target)
        if found is None:
            continue
        day = day_of(found)
        if full is None or day < full:
            full = day
        if (public is None or day < public) and shows(found):
            public = day
    days: dict[Visibility, date] = {}
    if public is not None:
        days[Visibility.PUBLIC] = public
    if full is not None:
        days[Visibility.FULL] = full
    return days


#: the instant of an append, in the statements kept below
AT: BindParameter[Any] = bindparam("at", type_=UTCDateTime())


@lru_cache(maxsize=8)
def _stored_arrays(table: Table) -> Select[Any]:
    """``_stored_rows`` on PostgreSQL: the streams and their days as two arrays joined to the
    table, one statement whatever the number of streams. An OR of a condition per stream was
    built, and planned by the server, for each number of streams, and bound two parameters per
    stream. Each stream's rows are a subquery of its own (LATERAL), which the planner can only
    run as a seek per stream: joined plainly, without statistics yet, it scanned the whole
    table for them."""
    streams = (
        func.unnest(
            bindparam("streams", type_=ARRAY(String())), bindparam("days", type_=ARRAY(Date()))
        )
        .table_valued("stream", "day")
        .render_derived()
    )
    columns = [
        cast(column, Text).label("state") if column.name == "state" else column
        for column in version_columns(table)
    ]
    stored = (
        select(table.c.id, table.c.stream_id, *columns)
        .where(
            table.c.stream_id == streams.c.stream,
            filter_only(table.c.recorded_to >= AT),
            or_(table.c.recorded_to == AT, table.c.valid_to >= streams.c.day),
        )
        .offset(literal_column("0"))  # a subquery with an OFFSET is not merged into the join
        .lateral("stored")
    )
    return select(stored).select_from(streams.join(stored, true()))


@lru_cache(maxsize=8)
def _stored_json(table: Table, dialect: Dialect) -> DriverStatement:
    """``_stored_rows`` on SQLite: the streams and their days as one JSON parameter, and each
    stream's rows read from a floor in valid time, by a seek on the per-stream index of valid
    days instead of a walk of the stream's whole history. The floor is where each view's last
    alive row before the day starts (the row a re-fold starts from; the earlier of the two
    views', a view of the shared rows being one of them): every row the re-fold reads starts
    there or later, and every alive row starting earlier ends before the day. Compiled once
    per table, run through the driver (see ``_stored_sqlite``)."""
    stream = func.json_extract(_STREAMS.c.value, "$[0]")
    day = func.json_extract(_STREAMS.c.value, "$[1]")

    def floor(view: str) -> Any:
        inner = table.alias("floor")
        found = (
            select(inner.c.valid_from)
            .where(
                inner.c.stream_id == stream,
                inner.c.valid_from < day,
                inner.c.recorded_to == _OPEN,
                inner.c.visibility.in_([literal(SHARED), literal(view)]),
            )
            .order_by(inner.c.valid_from.desc())
            .limit(1)
            .scalar_subquery()
        )
        return func.coalesce(found, MIN_DAY.isoformat())

    columns = [
        cast(column, Text).label("state") if column.name == "state" else column
        for column in version_columns(table)
    ]
    query = select(table.c.id, table.c.stream_id, *columns).join_from(
        _STREAMS,
        table,
        and_(
            table.c.stream_id == stream,
            table.c.valid_from
            >= func.min(floor(Visibility.FULL.value), floor(Visibility.PUBLIC.value)),
        ),
    )
    query = query.where(
        filter_only(table.c.recorded_to >= _AT_TEXT),
        or_(table.c.recorded_to == _AT_TEXT, table.c.valid_to >= day),
    )
    return driver_statement(query, dialect)


_STREAMS = func.json_each(bindparam("streams", type_=String())).table_valued("value")
#: instants bound as the text SQLite stores (``sqlite_instant``)
_AT_TEXT = bindparam("at_text", type_=String())
_OPEN = bindparam("open_text", type_=String())


def _stored_sqlite(
    connection: Connection, table: Table, at: datetime, days: Mapping[str, date]
) -> dict[str, list[StoredRow]]:
    """``_stored_rows`` on SQLite, its rows decoded from the driver's texts (each distinct day
    and instant once)."""
    statement = _stored_json(table, connection.dialect)
    values = {
        "streams": orjson.dumps([(s, day.isoformat()) for s, day in days.items()]).decode(),
        "at_text": sqlite_instant(at),
        "open_text": sqlite_instant(OPEN_END),
    }
    parsed_days: dict[str, date] = {}
    instants: dict[str, datetime] = {}

    def day_of_text(text: str) -> date:
        found = parsed_days.get(text)
        if found is None:
            found = parsed_days[text] = date.fromisoformat(text)
        return found

    def instant_of_text(text: str) -> datetime:
        found = instants.get(text)
        if found is None:
            found = instants[text] = sqlite_instant_value(text)
        return found

    rows: dict[str, list[StoredRow]] = defaultdict(list)
    for (
        row_id,
        stream_id,
        view,
        valid_from,
        valid_to,
        recorded_from,
        recorded_to,
        count,
        state,
    ) in statement.rows(connection, values):
        rows[stream_id].append(
            StoredRow(
                row_id,
                stream_id,
                view,
                day_of_text(valid_from),
                day_of_text(valid_to),
                instant_of_text(recorded_from),
                instant_of_text(recorded_to),
                count,
                state,
            )
        )
    return rows


def _stored_rows(
    connection: Connection, table: Table, at: datetime, days: Mapping[str, date]
) -> dict[str, list[StoredRow]]:
    """Each stream's rows a re-fold from ``days[stream]`` may change: the open ones reaching that
    day or later, and those an earlier append of this very instant closed. One statement. As
    record time never runs backwards, a row ends at ``at`` or is open (``OPEN_END``) exactly when
    ``recorded_to >= at``, a condition for the per-stream index's rows only (``filter_only``:
    without statistics the planner walked the listing index's every open row for it). The
    state comes back as the text it was stored as: ``state_rows`` stores the canonical document
    (``timeline.document``), which is what tells an unchanged version from a changed one, so it
    is neither parsed nor encoded again (only the state a re-fold starts from is parsed)."""
    if connection.dialect.name == "sqlite":
        return _stored_sqlite(connection, table, at, days)
    params = {"streams": list(days), "days": list(days.values()), "at": at}
    rows: dict[str, list[StoredRow]] = defaultdict(list)
    for row in connection.execute(_stored_arrays(table), params):
        rows[row.stream_id].append(StoredRow(*row))
    return rows


def _views(
    at: datetime,
    days: Mapping[Visibility, date],
    fresh: Sequence[RecordedEvent],
    stored: Sequence[StoredRow],
    changes: Changes,
) -> dict[str, tuple[Visibility, date]]:
    """The row sets a re-fold writes (each a ``Visibility`` value, or ``SHARED``), with the view
    whose events each folds and the day it re-folds from. A stream's first restricted event
    ends every shared row still alive here (closed, or deleted when this very instant made it)
    and starts both views' partitions afresh."""
    shared = [row for row in stored if row.visibility == SHARED and row.recorded_to == OPEN_END]
    restricted = any(event.restricted for event in fresh)
    if shared and restricted:
        changes.closed += [row.id for row in shared if row.recorded_from < at]
        changes.deleted += [row.id for row in shared if row.recorded_from >= at]
        return {visibility.value: (visibility, MIN_DAY) for visibility in Visibility}
    if shared or not (stored or restricted):
        return {SHARED: (Visibility.FULL, days[Visibility.FULL])}
    return {visibility.value: (visibility, day) for visibility, day in days.items()}


def _refold(
    kind: Kind[Any],
    stream_id: str,
    at: datetime,
    days: Mapping[Visibility, date],
    earlier: Sequence[RecordedEvent],
    fresh: Sequence[RecordedEvent],
    stored: Sequence[StoredRow],
    changes: Changes,
) -> None:
    """Re-fold one stream per row set and record the revision of its rows in ``changes``."""
    retracted = {e.retracts for e in fresh if e.type == RETRACTION}
    folded: dict[tuple[Any, ...], list[Encoded[Any]]] = {}
    views = _views(at, days, fresh, stored, changes)
    for view, (visibility, day) in views.items():
        rows = [row for row in stored if row.visibility == view]
        alive = [row for row in rows if row.recorded_to == OPEN_END]
        before = max(
            (row for row in alive if row.valid_from < day),
            key=lambda row: row.valid_from,
            default=None,
        )
        start = before.valid_from if before is not None else MIN_DAY
        whole = day == MIN_DAY
        shows = visibility.shows
        events = [
            event
            for event in (*earlier, *fresh)
            if (whole or ((on := event.occurred_on) is not None and on.last_day >= day))
            and event.type != RETRACTION
            and shows(event)
            and not (retracted and event.id in retracted)
        ]
        events.sort(key=RecordedEvent.fold_key)
        versions = [_version(row) for row in rows if row.valid_from >= start]
        count, start_text = (0, None) if before is None else (before.event_count, before.state)
        # Both views' rows from the same inputs (no restricted event involved): one fold. (A
        # single row set needs no key.)
        key = (start, count, start_text, *(event.id for event in events)) if len(views) > 1 else ()
        new = folded.get(key)
        if new is None:
            known = None
            if before is None:
                state = kind.empty(stream_id)
            else:
                state = _decoded(kind.decode, before.state)
                known = (state, before.state)
            spans = refold(start, state, count, events, kind.apply, kind.bound)
            new = folded[key] = encode(spans, kind.encode, known)
        revision = revise(
            at,
            [version for version in versions if version.recorded_to == OPEN_END],
            [version for version in versions if version.recorded_to != OPEN_END],
            new,
        )
        changes.closed += [row.id for row in revision.closed if row.id is not None]
        changes.reopened += [row.id for row in revision.reopened if row.id is not None]
        changes.deleted += [row.id for row in revision.deleted if row.id is not None]
        changes.inserted += [(stream_id, view, item, at, OPEN_END) for item in revision.inserted]


@lru_cache(maxsize=4096)
def _decoded(decode: Callable[[dict[str, Any]], Any], text: str) -> Any:
    """The state a stored text holds, decoded once for many appends: a stream's next append
    starts from the last row this one writes, whose state is most often the same text (an
    event that changes nothing but the count). States are immutable, so one can be shared."""
    return decode(json.loads(text))


def _version(row: StoredRow) -> Version:
    return Version(
        row.id,
        row.valid_from,
        row.valid_to,
        row.recorded_from,
        row.recorded_to,
        row.event_count,
        row.state,
    )


#: the ids of ``_changes``' statements, as one array
IDS: BindParameter[Any] = bindparam("ids", type_=ARRAY(Integer()))


@lru_cache(maxsize=8)
def _changes(table: Table) -> tuple[Executable, Executable, Executable]:
    """The statements that end rows (at ``at``: closed, or ``OPEN_END``: reopened) and delete
    them with their links, built once per table, on PostgreSQL; the ids as one array
    (``= ANY``): an expanding ``IN`` was rendered again at every call, a parameter per id, in
    chunks under the server's limit of parameters."""
    ending = update(table).where(table.c.id == any_(IDS)).values(recorded_to=AT)
    unlinking = delete(LINKS).where(LINKS.c.state_id == any_(IDS))
    return ending, unlinking, delete(table).where(table.c.id == any_(IDS))


#: the ids of ``_ending_json``'s statements, as one JSON array
_IDS_JSON = func.json_each(bindparam("ids", type_=String())).table_valued("value")


@lru_cache(maxsize=8)
def _ending_json(
    table: Table, dialect: Dialect
) -> tuple[DriverStatement, DriverStatement, DriverStatement]:
    """``_changes`` on SQLite, compiled once per table and run through the driver, the ids as
    one JSON parameter: an expanding ``IN`` rendered the statement again at every call, and
    its instant went through two type layers, for an UPDATE of a few rows."""
    ids = table.c.id.in_(select(_IDS_JSON.c.value))
    ending = update(table).where(ids).values(recorded_to=bindparam("at_text", type_=String()))
    unlinking = delete(LINKS).where(LINKS.c.state_id.in_(select(_IDS_JSON.c.value)))
    return (
        driver_statement(ending, dialect),
        driver_statement(unlinking, dialect),
        driver_statement(delete(table).where(ids), dialect),
    )


def _write_sqlite(connection: Connection, table: Table, at: datetime, changes: Changes) -> None:
    ending, unlinking, deleting = _ending_json(table, connection.dialect)
    for ids, instant in ((changes.closed, at), (changes.reopened, OPEN_END)):
        if ids:
            ending.run(connection, {"at_text": sqlite_instant(instant), "ids": _id_array(ids)})
    if changes.deleted:
        deleted = {"ids": _id_array(changes.deleted)}
        unlinking.run(connection, deleted)
        deleting.run(connection, deleted)


def _id_array(ids: list[int]) -> str:
    return orjson.dumps(ids).decode()


def _write(connection: Connection, kind: Kind[Any], at: datetime, changes: Changes) -> None:
    if connection.dialect.name == "sqlite":
        _write_sqlite(connection, kind.table, at, changes)
    else:
        _end(connection, kind.table, at, changes)
    inserted = changes.inserted
    rows = state_rows(kind, inserted, texts=texts_for(connection, kind))
    # the spans name the links: a kind without links needs none
    spans = [] if kind.links is None else [item.span for _, _, item, _, _ in inserted]
    insert_rows(connection, kind, rows, spans)


def _end(connection: Connection, table: Table, at: datetime, changes: Changes) -> None:
    ending, unlinking, deleting = _changes(table)
    for ids, instant in ((changes.closed, at), (changes.reopened, OPEN_END)):
        if ids:
            connection.execute(ending, {"ids": ids, "at": instant})
    if changes.deleted:
        connection.execute(unlinking, {"ids": changes.deleted})
        connection.execute(deleting, {"ids": changes.deleted})


#: the columns every state row starts with, in the order of ``StateRows.values``
_VERSION = (
    "stream_id",
    "visibility",
    "valid_from",
    "valid_to",
    "recorded_from",
    "recorded_to",
    "event_count",
    "state",
)


@dataclass(frozen=True)
class StateRows:
    """State rows to insert: the column names, then each row's values in that order (tuples,
    not a dictionary per row: the drivers take them as they are). ``texts``: the days and
    instants are already the text SQLite stores."""

    names: tuple[str, ...]
    values: list[tuple[Any, ...]]
    texts: bool = False


def state_rows(kind: Kind[Any], versions: Iterable[Stored], *, texts: bool = False) -> StateRows:
    """The rows of state versions (for appends and rebuilds alike), the kind's columns of each
    state computed once: a span folded once for both visibilities, and the spans whose state an
    event left as it was, share the very same state object. ``texts``: each day and instant as
    the text SQLite stores (``date.isoformat``, ``sqlite_instant``), each distinct one converted
    once per call, for the driver to take as it is: converting the built rows column by column
    through the types' bind processors cost more than building them."""
    columns: dict[int, tuple[Any, ...]] = {}
    days: dict[date, str] = {}
    instants: dict[datetime, str] = {}
    names: tuple[str, ...] = _VERSION
    values = []
    for stream_id, view, (span, text), recorded_from, recorded_to in versions:
        valid_from, valid_to, state, count = span
        found = columns.get(id(state))
        if found is None:
            named = kind.columns(state)
            names = (*_VERSION, *named)
            found = columns[id(state)] = tuple(named.values())
        if texts:
            values.append(
                (
                    stream_id,
                    view,
                    days.get(valid_from) or days.setdefault(valid_from, valid_from.isoformat()),
                    days.get(valid_to) or days.setdefault(valid_to, valid_to.isoformat()),
                    instants.get(recorded_from)
                    or instants.setdefault(recorded_from, sqlite_instant(recorded_from)),
                    instants.get(recorded_to)
                    or instants.setdefault(recorded_to, sqlite_instant(recorded_to)),
                    count,
                    text,
                    *found,
                )
            )
        else:
            values.append(
                (
                    stream_id,
                    view,
                    valid_from,
                    valid_to,
                    recorded_from,
                    recorded_to,
                    count,
                    text,
                    *found,
                )
            )
    return StateRows(names, values, texts)


def texts_for(connection: Connection, kind: Kind[Any]) -> bool:
    """Whether ``kind``'s state rows go to ``connection`` as texts (``state_rows``): on SQLite,
    for a kind whose rows have no links (those go through SQLAlchemy's typed INSERT)."""
    return connection.dialect.name == "sqlite" and kind.links is None


def insert_rows(
    connection: Connection, kind: Kind[Any], rows: StateRows, spans: list[Span[Any]]
) -> None:
    """Insert state rows, all in one statement; a recommendation's rows also get their person
    links (in a second). Rows without links go through the bare driver, without SQLAlchemy's
    per-row bookkeeping: COPY on PostgreSQL, on SQLite ``executemany`` of an INSERT of several
    rows (``rows_per_insert``) of the texts ``state_rows`` gives."""
    if not rows.values:
        return
    links = [] if kind.links is None else [kind.links(span.state) for span in spans]
    if not any(links):
        _insert_plain(connection, kind.table, rows)
        return
    state = rows.names.index("state")
    named = [
        {**dict(zip(rows.names, row, strict=True)), "state": JsonText(row[state])}
        for row in rows.values
    ]
    ids = connection.execute(
        insert(kind.table).returning(kind.table.c.id, sort_by_parameter_order=True), named
    ).scalars()
    pairs = [
        {"state_id": state_id, "person_id": person_id}
        for state_id, persons in zip(ids, links, strict=True)
        for person_id in persons
    ]
    connection.execute(insert(LINKS), pairs)


def _insert_plain(connection: Connection, table: Table, rows: StateRows) -> None:
    names = tuple(table.c[name].name for name in rows.names)  # a name no column has fails here
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(_copy_types(table, connection.dialect, names))
            for row in rows.values:
                copy.write_row(row)
        return
    if rows.texts:
        size = rows_per_insert(len(rows.values), len(names))
        statement = _text_statement(table, names, size)
        connection.exec_driver_sql(statement, rows_together(rows.values, size))
        return
    statement, order, processors = _plain_statement(table, connection.dialect, names)
    # Column by column, with no Python loop per row: the record instants repeat on every row
    # (one or two per append) and a row's valid days are its neighbours' too, so each distinct
    # value is converted once per call.
    transposed = list(zip(*rows.values, strict=True))
    columns: list[Iterable[Any]] = [transposed[index] for index in order]
    for index, process in processors:
        columns[index] = map(cache(process), columns[index])
    connection.exec_driver_sql(statement, list(zip(*columns, strict=True)))


@lru_cache(maxsize=4 * MOST_ROWS)
def _text_statement(table: Table, names: tuple[str, ...], rows: int) -> str:
    """The positional INSERT of ``rows`` rows of ``names`` into ``table`` on SQLite, its
    parameters in the order of ``names``, row after row: rows of texts (``state_rows``) go to
    the driver as they are, several to a statement (``rows_per_insert``)."""
    row = f"({', '.join('?' * len(names))})"
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES {', '.join([row] * rows)}"  # noqa: S608


@lru_cache(maxsize=8)
def _plain_statement(
    table: Table, dialect: Dialect, names: tuple[str, ...]
) -> tuple[str, list[int], list[tuple[int, Callable[[Any], Any]]]]:
    """The positional INSERT of ``names`` into ``table``, where each of its parameters is in a
    row of ``names``, and the column types' own bind processors by parameter, built once:
    compiling it costs more than running it for a small append."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(names))
    parameters = list(compiled.positiontup or ())
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for index, name in enumerate(parameters):
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            continue  # the state comes encoded: the driver takes the text as it is
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((index, process))
    return str(compiled), [names.index(name) for name in parameters], processors


@lru_cache(maxsize=8)
def _copy_types(table: Table, dialect: Dialect, names: tuple[str, ...]) -> list[str]:
    """The PostgreSQL type of each column of a binary COPY, as the table declares it, without
    its length ('VARCHAR(200)': varchar). Binary rows cost the client and the server less than
    text ones to write and to read (7.0 against 9.3 us a state row, wall). The state comes
    encoded, and goes as the text it is: json's binary form is its text (a json dumper would
    encode the text again, as a JSON string)."""
    return [
        "text"
        if isinstance(table.c[name].type, JSON)
        else table.c[name].type.compile(dialect=dialect).partition("(")[0].lower()
        for name in names
    ]
