"""The read model over the projection rows: every answer is an indexed lookup at a point.

A state at (asOf, knownAt) is the one row of its stream alive at that point on both axes. The
lookup first finds the stream's last version as known at ``knownAt`` (the row reaching the open
end of valid time), then walks back in valid time from ``min(asOf, its start)``: both are seeks
on composite indexes, so the cost grows with the log of the history, not with its length.
Lists filter the rows alive at the point on their denormalised columns.

Projected states carry no ``event_ids`` (a list of every counting event in every version would
grow with the square of history); the reader adds them with one query over the events, unless
asked not to (``events=False``), which is what a caller paging ``stream_events`` should do.

The statements a served request runs are built once per shape (table, visibility, how many
streams, which filters) with bound parameters for the point and the ids, and kept
(:class:`_Prepared`): building a SQLAlchemy statement and its cache key anew on every call cost
more than running it on an indexed table.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Column,
    ColumnElement,
    Date,
    Engine,
    Executable,
    FromClause,
    Integer,
    Select,
    String,
    Table,
    Text,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
)

from ledger.domain.errors import NotFound
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.search_text import fold_text, sort_key
from ledger.domain.states import PersonState, RecommendationState
from ledger.domain.statuses import CustodyStatus, ImplementationStatus
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.projections.kinds import PERSONS, RECOMMENDATIONS, Kind, kind_of
from ledger.projections.timeline import MIN_DAY, SHARED, clamp_day
from ledger.readmodel.api import (
    EventsPage,
    FoldKey,
    Page,
    PersonRead,
    PersonsRead,
    StreamDiff,
)
from ledger.readmodel.decoded import DecodedStates, state_text
from ledger.store.direct_read import DirectRead
from ledger.store.engine import once_per_request, reading, request_reads
from ledger.store.event_store import EVENTS, EventStore, counting, row_to_event
from ledger.store.tables import OPEN_VALID_END, RecommendationPersonRow
from ledger.store.types import UTCDateTime

LINKS: Table = RecommendationPersonRow.__table__  # type: ignore[assignment]
#: The events as the statements of pages name them: one letter, since
#: :meth:`ProjectedReadModel.person_read`'s statement names them some fifty times.
PAGED: FromClause = EVENTS.alias("e")
S = TypeVar("S", PersonState, RecommendationState)
#: The parts of :meth:`ProjectedReadModel.person_read`'s statement (a page of persons read with
#: their recommendations, :func:`_with_naming`, has the first two), and the columns besides the
#: events' that one part or another fills.
_STATE, _NAMING, _EVENTS = 0, 1, 2
#: The parts of :meth:`ProjectedReadModel._summary_rows`'s statement.
_CUSTODY, _IMPLEMENTATION = 0, 1
_PART_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("state", Text()),
    ("event_count", Integer()),
    ("code", String()),
    ("naming_stream", String()),
)


#: The point of a prepared statement: the clamped valid day of the state rows, the event's own
#: day (events are not clamped), the instant, the visibility.
AS_OF: BindParameter[Any] = bindparam("as_of", type_=Date())
DAY: BindParameter[Any] = bindparam("day", type_=Date())
KNOWN_AT: BindParameter[Any] = bindparam("known_at", type_=UTCDateTime())
VISIBILITY: BindParameter[Any] = bindparam("visibility", type_=String())
OFFSET: BindParameter[Any] = bindparam("offset")
LIMIT: BindParameter[Any] = bindparam("limit")


def _params(at: TimePoint, visibility: Visibility, **more: Any) -> dict[str, Any]:
    """The values of a prepared statement's point parameters at ``at`` (a resolved point)."""
    assert at.as_of is not None and at.known_at is not None
    return {
        "as_of": clamp_day(at.as_of),
        "day": at.as_of,
        "known_at": at.known_at,
        "visibility": visibility.value,
        **more,
    }


class _Prepared:
    """Statements by shape, built on first use and run on the driver's cursor
    (:class:`DirectRead`); bounded (least recently used go first), since a shape counts the
    streams of a batch. Shared by the server's threads."""

    ENTRIES = 256

    def __init__(self) -> None:
        self._statements: OrderedDict[Hashable, DirectRead] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, shape: Hashable, build: Callable[[], Executable]) -> DirectRead:
        with self._lock:
            found = self._statements.get(shape)
            if found is not None:
                self._statements.move_to_end(shape)
                return found
        built = DirectRead(build())
        with self._lock:
            self._statements[shape] = built
            while len(self._statements) > self.ENTRIES:
                self._statements.popitem(last=False)
        return built


def _scalar(rows: Sequence[Sequence[Any]]) -> Any:
    """The one value of a statement answering one row of one column (a count)."""
    if len(rows) != 1:
        raise ValueError(f"expected one row, got {len(rows)}")
    return rows[0][0]


def _shown(table: FromClause) -> ColumnElement[bool]:
    """The rows of the reader's view: its own, and those serving both views (a stream's versions
    from before its first restricted event, ``timeline.SHARED``)."""
    return table.c.visibility.in_([VISIBILITY, literal(SHARED)])


def _alive(table: FromClause) -> ColumnElement[bool]:
    return (
        (table.c.valid_from <= AS_OF)
        & (table.c.valid_to > AS_OF)
        & (table.c.recorded_from <= KNOWN_AT)
        & (table.c.recorded_to > KNOWN_AT)
    )


def _counting(visibility: Visibility) -> Select[Any]:
    """Events counting at the point (``KNOWN_AT``, ``DAY``): the store's counting rule, certain
    by the day."""
    return counting(KNOWN_AT, visibility).where(
        or_(EVENTS.c.occurred_latest.is_(None), EVENTS.c.occurred_latest <= DAY)
    )


class ProjectedReadModel:
    """Implements ``ledger.readmodel.api.ReadModel`` over the tables the projector maintains."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events = EventStore(engine)
        self._prepared = _Prepared()
        self._decoded = DecodedStates()

    @staticmethod
    def _resolve(at: TimePoint) -> TimePoint:
        return at.resolved()

    # --- single states ---------------------------------------------------------------------

    @staticmethod
    def _alive_row(table: FromClause, stream_id: BindParameter[Any]) -> Select[Any]:
        """The one state row of a stream alive at the point, found by two seeks: the stream's
        last version as known at ``knownAt``, then back in valid time from ``min(asOf, its
        start)`` (``MIN_DAY`` without one). The minimum is taken inside the first seek's
        subquery, so that the statement holds that subquery once, not once per use in a CASE:
        shorter to build, send and convert, and PostgreSQL runs one sub-plan instead of up to
        three."""
        as_of = AS_OF
        mine = (table.c.stream_id == stream_id) & _shown(table)
        known = (table.c.recorded_from <= KNOWN_AT) & (table.c.recorded_to > KNOWN_AT)
        start = table.c.valid_from
        bound = func.coalesce(
            select(case((start < as_of, start), else_=as_of))
            .where(mine, known, table.c.valid_to == literal_column(OPEN_VALID_END, Date()))
            .order_by(table.c.recorded_from.desc(), start.desc())
            .limit(1)
            .scalar_subquery(),
            MIN_DAY,
        )
        return (
            select(state_text(table), table.c.event_count)
            .where(mine, known, table.c.valid_from <= bound, table.c.valid_to > as_of)
            .order_by(table.c.valid_from.desc(), table.c.recorded_from.desc())
            .limit(1)
        )

    def _lookup(
        self, kind: Kind[S], stream_id: str, at: TimePoint, visibility: Visibility
    ) -> S | None:
        table = kind.table
        query = self._prepared.get(
            ("lookup", table.name),
            lambda: self._alive_row(table, bindparam("stream_id", type_=String())),
        )
        at = self._resolve(at)
        params = _params(at, visibility, stream_id=stream_id)
        with reading(self.engine) as connection:
            rows = query.rows(connection, params)
        row = rows[0] if rows else None
        return self._found(kind, stream_id, at, visibility, row)

    def _found(
        self,
        kind: Kind[S],
        stream_id: str,
        at: TimePoint,
        visibility: Visibility,
        row: Mapping[str, Any] | None,
    ) -> S | None:
        """The state of a lookup's row (``state``, ``event_count``; None: no row)."""
        if row is None:
            return None
        event_count = int(row["event_count"])
        kept = request_reads(self.engine)
        if kept is not None:  # what event_counts would read for this stream at this point
            kept[_counted(stream_id, at, visibility)] = event_count
        if event_count == 0:
            return None
        return self._decoded.decode(kind, row["state"])

    def person(
        self,
        stream_id: str,
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> PersonState | None:
        state = self._lookup(PERSONS, stream_id, at, visibility)
        if state is None or not events:
            return state
        return self._with_event_ids({stream_id: state}, at, visibility)[stream_id]

    def person_read(
        self,
        stream_id: str,
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        naming: bool = False,
        events: EventsPage | None = None,
    ) -> PersonRead:
        """One statement (UNION ALL) for what :meth:`person` (``events=False``),
        :meth:`recommendations_naming` and :meth:`event_pages` answer of one person: on
        PostgreSQL one round trip instead of three. The parts are told apart by a ``part``
        column, the columns one part lacks are NULL."""
        at = self._resolve(at)
        after, limit = events if events is not None else (None, 0)
        with_page, cursor = limit > 0, _cursor_kind(after)
        query = self._prepared.get(
            ("person_read", naming, with_page, cursor, visibility),
            lambda: self._person_read(naming, with_page, cursor, visibility),
        )
        params = _params(at, visibility, stream_id=stream_id, stream_0=stream_id)
        params.update(_page_params(after, limit))
        with reading(self.engine) as connection:
            rows = query.rows(connection, params)
        state_row, named, paged = None, [], []
        for row in rows:
            part = row["part"]
            if part == _STATE:
                state_row = row
            elif part == _NAMING:
                named.append(self._decoded.decode(RECOMMENDATIONS, row["state"]))
            else:
                paged.append(_page_entry(row))
        return PersonRead(
            state=self._found(PERSONS, stream_id, at, visibility, state_row),
            naming=named,
            events=sorted(paged, key=_fold_key)[:limit],
        )

    def _person_read(
        self, naming: bool, with_page: bool, cursor: str | None, visibility: Visibility
    ) -> Executable:
        """``with_page``: a page of events is read, after a cursor of kind ``cursor``.

        Kept under 4 kB on PostgreSQL (3.9 kB at most, instead of 8.3), since psycopg converts
        the parameters of a longer statement again at every call, which cost 7 % of the
        README's person query: the tables go by one-letter aliases (``PAGED`` for the
        events); the events' columns are there only with a page; only the first branch casts
        the NULLs of the columns it lacks (PostgreSQL resolves a UNION's column types from left
        to right, and SQLAlchemy reads the rows by that branch's types); on PostgreSQL a branch
        ordered and limited on its own is put in parentheses, where SQLite takes it only as a
        subquery to select from.
        """
        persons = PERSONS.table.alias("s")
        recommendations, links = RECOMMENDATIONS.table.alias("r"), LINKS.alias("l")
        stream_id = bindparam("stream_id", type_=String())
        named = list(_PART_COLUMNS)
        if with_page:
            named += [(column.name, column.type) for column in EVENTS.c]
        wrapped = self.engine.dialect.name == "sqlite"

        def part(number: int, first: bool, **given: ColumnElement[Any]) -> list[ColumnElement[Any]]:
            columns: list[ColumnElement[Any]] = [literal_column(str(number), Integer).label("part")]
            for name, type_ in named:
                found = given.get(name)
                if found is None:
                    columns.append((cast(null(), type_) if first else null()).label(name))
                elif isinstance(found, Column) and found.name == name:
                    columns.append(found)
                else:
                    columns.append(found.label(name))
            return columns

        def limited(query: Select[Any], number: int, **given: ColumnElement[Any]) -> Select[Any]:
            """A branch ordered and limited on its own."""
            query = query.with_only_columns(*part(number, not branches, **given))
            return query.subquery().select() if wrapped else query

        branches: list[Select[Any]] = []
        if with_page:
            for branch in self._event_page_branches(1, cursor, visibility):
                branches.append(limited(branch, _EVENTS, **dict(PAGED.c.items())))
        state = self._alive_row(persons, stream_id)
        branches.append(
            limited(state, _STATE, state=state_text(persons), event_count=persons.c.event_count)
        )
        if naming:
            branches.append(
                _naming_rows(
                    links.c.person_id == stream_id,
                    *part(
                        _NAMING,
                        False,
                        state=state_text(recommendations),
                        code=recommendations.c.code,
                        naming_stream=recommendations.c.stream_id,
                    ),
                    table=recommendations,
                    links=links,
                )
            )
        if len(branches) == 1:  # the state alone: a compound of one would order it twice
            return branches[0]
        return union_all(*branches).order_by(
            literal_column("part"), literal_column("code"), literal_column("naming_stream")
        )

    def recommendation(
        self,
        stream_id: str,
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> RecommendationState | None:
        state = self._lookup(RECOMMENDATIONS, stream_id, at, visibility)
        if state is None or not events:
            return state
        return self._with_event_ids({stream_id: state}, at, visibility)[stream_id]

    def _by_ids(
        self,
        kind: Kind[S],
        stream_ids: Sequence[str],
        at: TimePoint,
        visibility: Visibility,
        events: bool,
    ) -> dict[str, S]:
        if not stream_ids:
            return {}
        at = self._resolve(at)
        table = kind.table
        query = self._prepared.get(
            ("by_ids", table.name),
            lambda: select(table.c.stream_id, state_text(table)).where(
                self._one_of(table.c.stream_id, "ids"),
                _shown(table),
                table.c.event_count > 0,
                _alive(table),
            ),
        )
        params = _params(at, visibility, ids=list(stream_ids))
        with reading(self.engine) as connection:
            found = {
                row["stream_id"]: self._decoded.decode(kind, row["state"])
                for row in query.rows(connection, params)
            }
        return self._with_event_ids(found, at, visibility) if events else found

    def persons_by_ids(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> dict[str, PersonState]:
        return self._by_ids(PERSONS, stream_ids, at, visibility, events)

    def recommendations_by_ids(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> dict[str, RecommendationState]:
        return self._by_ids(RECOMMENDATIONS, stream_ids, at, visibility, events)

    def event_ids_of(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, tuple[str, ...]]:
        """Reads only the columns the fold order needs, not the events' data."""
        if not stream_ids:
            return {}
        at = self._resolve(at)
        assert at.as_of is not None and at.known_at is not None
        with self.events.reading() as log:
            return log.counting_ids(stream_ids, at.as_of, at.known_at, visibility)

    def event_pages(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        after: FoldKey | None,
        limit: int,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[tuple[FoldKey, RecordedEvent]]]:
        """Keyset pages: per stream, one branch for the undated events (by position) and one for
        the dated (by latest, earliest, position), each walking the stream's index from the
        cursor and stopping at ``limit``; all branches go in one UNION ALL statement, which reads
        the events themselves (a page is shown, so no second read by id)."""
        pages: dict[str, list[tuple[FoldKey, RecordedEvent]]] = {
            stream_id: [] for stream_id in stream_ids
        }
        if not pages or limit <= 0:
            return pages
        at = self._resolve(at)
        cursor = _cursor_kind(after)
        query = self._prepared.get(
            ("pages", len(pages), cursor, visibility),
            lambda: self._event_pages(len(pages), cursor, visibility),
        )
        params = _params(at, visibility, **_page_params(after, limit))
        params.update({f"stream_{index}": stream_id for index, stream_id in enumerate(pages)})
        with reading(self.engine) as connection:
            rows = query.rows(connection, params)
        for row in rows:
            pages[row["stream_id"]].append(_page_entry(row))
        return {stream_id: sorted(page, key=_fold_key)[:limit] for stream_id, page in pages.items()}

    @classmethod
    def _event_pages(cls, streams: int, cursor: str | None, visibility: Visibility) -> Executable:
        branches = [
            branch.subquery().select()
            for branch in cls._event_page_branches(streams, cursor, visibility)
        ]
        return union_all(*branches) if len(branches) > 1 else branches[0]

    @staticmethod
    def _event_page_branches(
        streams: int, cursor: str | None, visibility: Visibility
    ) -> list[Select[Any]]:
        """Each stream's page as one or two keyset walks (each ordered and limited: a
        compound statement takes them as subqueries)."""
        e = PAGED.c
        recorded = counting(KNOWN_AT, visibility, events=PAGED)
        # An event has both days or neither (a PartialDate has both): testing the latest day
        # alone lets both branches seek on the (stream_id, occurred_latest) index. Each branch
        # states its own half of _counting's "undated, or certain by the day" (no OR): then
        # PostgreSQL walks the index in order and stops at the page, even before ANALYZE has
        # seen how long the stream is, instead of fetching and sorting the whole stream.
        undated = e.occurred_latest.is_(None)
        dated_order = (e.occurred_latest, e.occurred_earliest, e.position)
        after_position = bindparam("after_position", type_=e.position.type)
        branches: list[Select[Any]] = []
        for index in range(streams):
            mine = recorded.where(e.stream_id == bindparam(f"stream_{index}", type_=String()))
            if cursor != "dated":
                first = mine.where(undated).order_by(e.position).limit(LIMIT)
                if cursor == "undated":
                    first = first.where(e.position > after_position)
                branches.append(first)
            second = mine.where(e.occurred_latest <= DAY).order_by(*dated_order).limit(LIMIT)
            if cursor == "dated":
                after_day = (
                    bindparam("after_latest", type_=Date()),
                    bindparam("after_earliest", type_=Date()),
                    after_position,
                )
                second = second.where(tuple_(*dated_order) > tuple_(*after_day))
            branches.append(second)
        return branches

    def event_counts(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, int]:
        """The ``event_count`` of each stream's state row alive at the point: no event is read.
        Each stream's row is found by the seek :meth:`_lookup` makes; one UNION ALL for all."""
        counts = dict.fromkeys(stream_ids, 0)
        at = self._resolve(at)
        tables: list[Table] = []
        params = _params(at, visibility)
        kept = request_reads(self.engine) or {}
        for stream_id in counts:
            known = kept.get(_counted(stream_id, at, visibility))
            if known is not None:  # this request's lookup of the stream read it already
                counts[stream_id] = known
                continue
            kind = kind_of(stream_id)
            if kind is not None:
                params[f"stream_{len(tables)}"] = stream_id
                tables.append(kind.table)
        if not tables:
            return counts
        shape = tuple(table.name for table in tables)
        query = self._prepared.get(("counts", shape), lambda: self._event_counts(tables))
        with reading(self.engine) as connection:
            for row in query.rows(connection, params):
                counts[row["stream_id"]] = int(row["event_count"])
        return counts

    def _event_counts(self, tables: list[Table]) -> Executable:
        branches = [
            self._alive_row(table, bindparam(f"stream_{index}", type_=String()))
            .with_only_columns(table.c.stream_id, table.c.event_count)
            .subquery()
            .select()
            for index, table in enumerate(tables)
        ]
        return union_all(*branches) if len(branches) > 1 else branches[0]

    def _with_event_ids(
        self, states: dict[str, S], at: TimePoint, visibility: Visibility
    ) -> dict[str, S]:
        ids = self.event_ids_of(list(states), at, visibility=visibility)
        return {
            stream_id: replace(state, event_ids=ids[stream_id])
            for stream_id, state in states.items()
        }

    # --- timelines -------------------------------------------------------------------------

    def _versions(
        self, kind: Kind[S], stream_ids: Sequence[str], at: TimePoint, visibility: Visibility
    ) -> dict[str, list[tuple[date, S]]]:
        found: dict[str, list[tuple[date, S]]] = {stream_id: [] for stream_id in stream_ids}
        if not found:
            return found
        at = self._resolve(at)
        table = kind.table
        query = self._prepared.get(
            ("versions", table.name),
            lambda: (
                select(table.c.stream_id, table.c.valid_from, state_text(table))
                .where(
                    self._one_of(table.c.stream_id, "ids"),
                    _shown(table),
                    table.c.recorded_from <= KNOWN_AT,
                    table.c.recorded_to > KNOWN_AT,
                    table.c.valid_from <= AS_OF,
                )
                .order_by(table.c.stream_id, table.c.valid_from)
            ),
        )
        with self.engine.connect() as connection:
            rows = query.rows(connection, _params(at, visibility, ids=list(found)))
            for row in rows:
                state = self._decoded.decode(kind, row["state"])
                found[row["stream_id"]].append((row["valid_from"], state))
        return found

    def person_versions(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[tuple[date, PersonState]]]:
        return self._versions(PERSONS, stream_ids, at, visibility)

    def recommendation_versions(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[tuple[date, RecommendationState]]]:
        return self._versions(RECOMMENDATIONS, stream_ids, at, visibility)

    def events_on_days(
        self,
        days: Sequence[tuple[str, date]],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[tuple[str, date], list[RecordedEvent]]:
        found: dict[tuple[str, date], list[RecordedEvent]] = {key: [] for key in days}
        if not found:
            return found
        at = self._resolve(at)
        dated = sorted({day for _, day in found if day != MIN_DAY})
        on_days: ColumnElement[bool] = EVENTS.c.occurred_latest.in_(dated)
        if any(day == MIN_DAY for _, day in found):
            on_days = or_(on_days, EVENTS.c.occurred_latest.is_(None))
        query = _counting(visibility).where(
            EVENTS.c.stream_id.in_(sorted({stream_id for stream_id, _ in found})), on_days
        )
        with self.engine.connect() as connection:
            events = sorted(
                map(row_to_event, connection.execute(query, _params(at, visibility)).mappings()),
                key=RecordedEvent.fold_key,
            )
        for event in events:
            key = (event.stream_id, event.latest or MIN_DAY)
            if key in found:
                found[key].append(event)
        return found

    # --- lists and counts ------------------------------------------------------------------

    def _page(
        self,
        kind: Kind[S],
        shape: Hashable | None,
        query: Callable[[], Select[Any]],
        order: Sequence[Any],
        params: dict[str, Any],
        at: TimePoint,
        visibility: Visibility,
        events: bool,
        naming: bool = False,
    ) -> tuple[Page[S], dict[str, list[RecommendationState]]]:
        """One page of ``query`` (by ``order``) and how many rows it has in all; the statements
        kept by ``shape`` (None: built for this call only, as a search is). ``naming`` (a page
        of persons): with the recommendations naming each person of the page, read by the
        page's statement (:meth:`_with_naming`); else no person has any.

        On PostgreSQL the page carries the count (``count(*) OVER ()``, taken over every row
        the query finds before the page is cut): one round trip instead of two, the count
        statement running only for an empty page. SQLite keeps two statements: there the
        window took longer than both together (measured on the shared machine)."""

        counted = self.engine.dialect.name == "postgresql"

        def count() -> Executable:
            return select(func.count()).select_from(query().subquery())

        def page() -> Executable:
            found = query()
            if counted:
                found = found.add_columns(func.count().over().label("total"))
            found = found.order_by(*order).offset(OFFSET).limit(LIMIT)
            return _with_naming(found, order, counted) if naming else found

        if shape is None:
            counting, paging = DirectRead(count(), once=True), DirectRead(page(), once=True)
        else:
            counting = self._prepared.get(("count", shape), count)
            paging = self._prepared.get(("page", shape, naming), page)
        named: dict[str, list[RecommendationState]] = {}
        with reading(self.engine) as connection:
            total = None if counted else _scalar(counting.tuples(connection, params))
            rows = paging.rows(connection, params)
            states: dict[str, S] = {}
            listed: list[Mapping[str, Any]] = []
            for row in rows:
                stream_id, state = row["stream_id"], row["state"]
                if naming and row["part"] == _NAMING:
                    named[stream_id].append(self._decoded.decode(RECOMMENDATIONS, state))
                else:
                    states[stream_id] = self._decoded.decode(kind, state)
                    named[stream_id] = []
                    listed.append(row)
            if total is None:
                total = (
                    listed[0]["total"] if listed else _scalar(counting.tuples(connection, params))
                )
        if events:
            states = self._with_event_ids(states, at, visibility)
        found = Page(items=list(states.values()), offset=params["offset"], total_count=int(total))
        return found, named

    def persons(
        self,
        at: TimePoint,
        *,
        search: str | None = None,
        custody_statuses: Sequence[CustodyStatus] | None = None,
        article: str | None = None,
        offset: int = 0,
        limit: int = 20,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
        naming: bool = False,
    ) -> PersonsRead:
        """The page and, asked for with ``naming``, :meth:`recommendations_naming` of its
        persons in the same statement: on PostgreSQL one round trip instead of two."""
        at = self._resolve(at)
        table = PERSONS.table
        searched = bool(search and fold_text(search))
        params = _params(at, visibility, offset=offset, limit=limit)
        if custody_statuses:
            params["statuses"] = [s.value for s in custody_statuses]

        def query() -> Select[Any]:
            found = select(table.c.stream_id, state_text(table)).where(
                _shown(table), table.c.event_count > 0, _alive(table)
            )
            if custody_statuses:
                found = found.where(self._one_of(table.c.custody_status, "statuses"))
            if search and searched:
                found = found.where(
                    table.c.search_text.contains(fold_text(search), autoescape=True)
                )
            if article is not None:
                found = found.where(
                    table.c.articles.contains(f" {article.strip()} ", autoescape=True)
                )
            return found

        # a search's text is in its statement: those are built per call
        shape = None if searched or article is not None else ("persons", bool(custody_statuses))
        order = (table.c.sort_name, table.c.stream_id)
        found, named = self._page(
            PERSONS, shape, query, order, params, at, visibility, events, naming
        )
        return PersonsRead(page=found, naming=named)

    def _one_of(self, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
        """``column`` is one of the list bound as ``name``: on PostgreSQL ``= ANY`` of one array
        parameter, so that the statement is the same for any number of values (compiled once,
        run on the driver's cursor, planned once by the server, as in ``EventLog._one_of``); on
        SQLite an expanding ``IN``."""
        if self.engine.dialect.name == "sqlite":
            return column.in_(bindparam(name, expanding=True))
        return column == any_(bindparam(name, type_=ARRAY(String())))

    def _recommendations_at(self, addressed: bool) -> Select[Any]:
        """Recommendations alive at the point; ``addressed``: to one of ``addressees``."""
        table = RECOMMENDATIONS.table
        query = select(table.c.stream_id, state_text(table)).where(
            _shown(table), table.c.event_count > 0, _alive(table)
        )
        if not addressed:
            return query
        return query.where(self._one_of(table.c.addressee, "addressees"))

    def _addressees_like(
        self, addressee: str, visibility: Visibility, read: Iterable[str] | None = None
    ) -> list[str]:
        """The stored spellings of ``addressee``, ignoring case and accents ("kazakhstan").

        Judged against every recommendation the caller may see, at any point: one not yet
        addressed at the queried point counts zero, one never addressed at all is refused, so
        that a misspelling is not answered with a silent zero. ``read``: the addressees a
        statement of the caller's has just read with its own answer; kept for the rest of the
        request unless the request has read them already.
        """
        known = once_per_request(
            self.engine,
            ("addressees", visibility),
            (lambda: sorted(read)) if read is not None else lambda: self._addressees(visibility),
        )
        wanted = sort_key(addressee)
        matching = [name for name in known if sort_key(name) == wanted]
        if not matching:
            listed = ", ".join(f"'{name}'" for name in known) or "none yet"
            # The input is not echoed: an answer never repeats what it cannot confirm.
            raise NotFound(
                f"no recommendation has this addressee; addressees: {listed}", ["addressee"]
            )
        return matching

    def _addressees(self, visibility: Visibility) -> list[str]:
        """Every addressee the caller may see, sorted; read once per served request."""
        table = RECOMMENDATIONS.table
        query = self._prepared.get(
            "addressees",
            lambda: (
                select(table.c.addressee).where(_shown(table), table.c.event_count > 0).distinct()
            ),
        )
        with reading(self.engine) as connection:
            rows = query.tuples(connection, {"visibility": visibility.value})
            return sorted(str(name) for (name,) in rows)

    def recommendations(
        self,
        at: TimePoint,
        *,
        search: str | None = None,
        statuses: Sequence[ImplementationStatus] | None = None,
        addressee: str | None = None,
        offset: int = 0,
        limit: int = 20,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> Page[RecommendationState]:
        at = self._resolve(at)
        table = RECOMMENDATIONS.table
        searched = bool(search and fold_text(search))
        params = _params(at, visibility, offset=offset, limit=limit)
        if addressee is not None:
            params["addressees"] = self._addressees_like(addressee, visibility)
        if statuses:
            params["statuses"] = [s.value for s in statuses]

        def query() -> Select[Any]:
            found = self._recommendations_at(addressee is not None)
            if statuses:
                found = found.where(self._one_of(table.c.status, "statuses"))
            if search and searched:
                found = found.where(
                    table.c.search_text.contains(fold_text(search), autoescape=True)
                )
            return found

        shape = None if searched else ("recommendations", addressee is not None, bool(statuses))
        order = (table.c.code, table.c.stream_id)
        found, _naming = self._page(
            RECOMMENDATIONS, shape, query, order, params, at, visibility, events
        )
        return found

    def recommendations_naming(
        self,
        person_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[RecommendationState]]:
        """One query for any number of persons (the GraphQL data loaders batch on it)."""
        at = self._resolve(at)
        naming: dict[str, list[RecommendationState]] = {p: [] for p in person_ids}
        if not person_ids:
            return naming
        query = self._prepared.get("naming", self._naming)
        params = _params(at, visibility, ids=list(person_ids))
        with reading(self.engine) as connection:
            for row in query.rows(connection, params):
                naming[row["person_id"]].append(self._decoded.decode(RECOMMENDATIONS, row["state"]))
        return naming

    def _naming(self) -> Executable:
        """The recommendations naming any of ``ids`` (:meth:`_one_of`; on SQLite the expanding
        ``IN`` is what it plans best: the alive recommendations, then a seek on the links for
        each id; a ``json_each`` list was planned no better for a page and worse for a lone
        person)."""
        table = RECOMMENDATIONS.table
        naming = self._one_of(LINKS.c.person_id, "ids")
        return _naming_rows(naming, LINKS.c.person_id, state_text(table)).order_by(
            table.c.code, table.c.stream_id
        )

    def implementation_summary(
        self,
        at: TimePoint,
        *,
        addressee: str | None = None,
        visibility: Visibility = Visibility.PUBLIC,
        custody: bool = False,
    ) -> dict[ImplementationStatus, int]:
        """To an addressee: one statement reads the counts by addressee and status with the
        addressees themselves (every one the caller may see, as :meth:`_addressees` reads them),
        so that matching the spelling costs no round trip of its own. ``custody``: in a served
        request, the same statement reads the custody summary at the same point too, kept for
        the request's :meth:`custody_summary` (a report asks both: one round trip fewer)."""
        at = self._resolve(at)
        kept = request_reads(self.engine)
        custody_key = _custody_counted(at, visibility)
        custody = custody and kept is not None and custody_key not in kept
        rows = self._summary_rows(at, visibility, addressee is not None, custody)
        if kept is not None and custody:
            kept[custody_key] = _custody_counts(
                (status, count) for part, _name, status, count in rows if part == _CUSTODY
            )
        counts = dict.fromkeys(ImplementationStatus, 0)
        by_addressee = [row[1:] for row in rows if row[0] == _IMPLEMENTATION]
        matching: set[str | None] = {None}
        if addressee is not None:
            names = {str(name) for name, _status, _count in by_addressee}
            matching = set(self._addressees_like(addressee, visibility, read=names))
        for name, status, count in by_addressee:
            if name in matching:
                counts[ImplementationStatus(status)] += count
        return counts

    def _summary_rows(
        self, at: TimePoint, visibility: Visibility, addressed: bool, custody: bool
    ) -> list[tuple[int, str | None, str, int]]:
        """(part, addressee, status, count): the recommendations alive at the point by status
        (part 1), by addressee too if ``addressed`` (then every addressee and status of the
        caller's view at any point, those with none alive counting 0; else the addressee is
        None), and with ``custody`` the persons by custody status (part 0, no addressee)."""
        table = RECOMMENDATIONS.table

        def build() -> Executable:
            part = literal_column(str(_IMPLEMENTATION), Integer).label("part")
            if addressed:
                count = func.count().filter(_alive(table))
                found = (
                    select(part, table.c.addressee, table.c.status, count.label("count"))
                    .where(_shown(table), table.c.event_count > 0)
                    .group_by(table.c.addressee, table.c.status)
                )
            else:
                found = (
                    select(
                        part,
                        cast(null(), String()).label("addressee"),
                        table.c.status,
                        func.count().label("count"),
                    )
                    .where(_shown(table), table.c.event_count > 0, _alive(table))
                    .group_by(table.c.status)
                )
            if not custody:
                return found
            return union_all(found, _custody_rows(literal_column(str(_CUSTODY), Integer), null()))

        query = self._prepared.get(("summary", addressed, custody), build)
        with reading(self.engine) as connection:
            rows = query.tuples(connection, _params(at, visibility))
        return [(int(part), name, str(status), int(count)) for part, name, status, count in rows]

    def custody_summary(
        self, at: TimePoint, *, visibility: Visibility = Visibility.PUBLIC
    ) -> dict[CustodyStatus, int]:
        """What this request's :meth:`implementation_summary` read with its own counts, if it
        did (``custody``), else read here and kept for the request, so that an
        implementation summary asked after it does not read it again."""
        at = self._resolve(at)
        query = self._prepared.get("custody", _custody_rows)

        def read() -> dict[CustodyStatus, int]:
            with reading(self.engine) as connection:
                return _custody_counts(query.tuples(connection, _params(at, visibility)))

        return dict(once_per_request(self.engine, _custody_counted(at, visibility), read))

    # --- events ----------------------------------------------------------------------------

    def stream_events(self, stream_id: str, at: TimePoint) -> list[RecordedEvent]:
        at = self._resolve(at)
        assert at.as_of is not None and at.known_at is not None
        with self.events.reading() as log:
            return log.counting_at(stream_id, at.as_of, at.known_at, Visibility.FULL)

    def diff(self, stream_id: str, before: TimePoint, after: TimePoint) -> StreamDiff:
        """For auditors comparing two report dates: what started and what stopped counting."""
        old = self.stream_events(stream_id, before)
        new = self.stream_events(stream_id, after)
        old_ids = {event.id for event in old}
        new_ids = {event.id for event in new}
        return StreamDiff(
            started=[event for event in new if event.id not in old_ids],
            stopped=[event for event in old if event.id not in new_ids],
        )

    def retractions_of(
        self, event_ids: Sequence[str], known_at: TimePoint
    ) -> dict[str, RecordedEvent]:
        at = self._resolve(known_at)
        assert at.known_at is not None
        targets = _uuids(event_ids)
        if not targets:
            return {}
        with self.events.reading() as log:
            return log.retractions_of(targets, at.known_at)

    def disputing(
        self,
        event_ids: Sequence[str],
        known_at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[RecordedEvent]]:
        at = self._resolve(known_at)
        assert at.known_at is not None
        targets = _uuids(event_ids)
        if not targets:
            return {}
        with self.events.reading() as log:
            return log.disputing(targets, at.known_at, visibility)


def _counted(stream_id: str, at: TimePoint, visibility: Visibility) -> Hashable:
    """The key under which a request keeps a stream's ``event_count`` at a point."""
    return ("event_count", stream_id, at, visibility)


def _custody_counted(at: TimePoint, visibility: Visibility) -> Hashable:
    """The key under which a request keeps the custody summary at a point."""
    return ("custody_summary", at, visibility)


def _custody_rows(*leading: ColumnElement[Any]) -> Select[Any]:
    """(``leading``, custody status, how many persons alive at the point have it) in the
    caller's view: :meth:`ProjectedReadModel.custody_summary`, and its part of
    :meth:`ProjectedReadModel._summary_rows`."""
    table = PERSONS.table
    return (
        select(*leading, table.c.custody_status, func.count())
        .where(_shown(table), table.c.event_count > 0, _alive(table))
        .group_by(table.c.custody_status)
    )


def _custody_counts(rows: Iterable[Sequence[Any]]) -> dict[CustodyStatus, int]:
    """Every custody status with its count of (status, count) rows, 0 where none."""
    counts = dict.fromkeys(CustodyStatus, 0)
    for status, count in rows:
        counts[CustodyStatus(status)] = int(count)
    return counts


def _fold_key(entry: tuple[FoldKey, RecordedEvent]) -> FoldKey:
    return entry[0]


def _page_entry(row: Mapping[str, Any]) -> tuple[FoldKey, RecordedEvent]:
    """An event of a page read with its place in fold order (a mapping: see ``row_to_event``)."""
    key = FoldKey.of(row["occurred_latest"], row["occurred_earliest"], row["position"])
    return key, row_to_event(row)


def _cursor_kind(after: FoldKey | None) -> str | None:
    """The kind of an events page's cursor, which picks the page's statement: None (no
    cursor), "dated" or "undated"."""
    return None if after is None else "dated" if after.dated else "undated"


def _naming_rows(
    naming: ColumnElement[bool],
    *columns: ColumnElement[Any],
    table: FromClause = RECOMMENDATIONS.table,
    links: FromClause = LINKS,
) -> Select[Any]:
    """``columns`` of the recommendations alive at the point that name the persons ``naming``
    picks, in the caller's view (``recommendations_naming`` and ``person_read`` alike);
    ``table`` and ``links``: the recommendations' and the links' tables, or aliases of them
    that ``naming`` and ``columns`` name."""
    return (
        select(*columns)
        .select_from(links.join(table, table.c.id == links.c.state_id))
        .where(naming, _shown(table), table.c.event_count > 0, _alive(table))
    )


def _with_naming(page: Select[Any], order: Sequence[Any], counted: bool) -> Executable:
    """A page of persons (``page``, ordered by ``order``: state columns, the stream id last)
    with, in the same statement, the recommendations naming each of its persons.

    The page is a common table expression both branches read (PostgreSQL and SQLite
    materialise it: the page is found once); a ``part`` column tells the rows apart; the whole
    is ordered as the page, then each person's recommendations as
    :meth:`ProjectedReadModel.recommendations_naming` orders them (code, stream id).
    ``counted``: the page carries its ``total``."""
    table = RECOMMENDATIONS.table
    keys = [column.name for column in order if column.name != "stream_id"]
    found = page.add_columns(*(column for column in order if column.name in keys)).cte("page")
    totals = ["total"] if counted else []
    listed = select(
        literal_column(str(_STATE), Integer).label("part"),
        found.c.stream_id,
        found.c.state,
        *(found.c[name] for name in [*totals, *keys]),
        cast(null(), String()).label("code"),
        cast(null(), String()).label("naming_stream"),
    )
    naming = _naming_rows(
        LINKS.c.person_id == found.c.stream_id,
        literal_column(str(_NAMING), Integer).label("part"),
        LINKS.c.person_id.label("stream_id"),
        state_text(table).label("state"),
        *(null().label(name) for name in [*totals, *keys]),
        table.c.code,
        table.c.stream_id.label("naming_stream"),
    )
    return union_all(listed, naming).order_by(
        *(literal_column(name) for name in ["part", *keys, "stream_id", "code", "naming_stream"])
    )


def _page_params(after: FoldKey | None, limit: int) -> dict[str, Any]:
    """The parameters of an events page: its size and the cursor it starts after."""
    if after is None:
        return {"limit": limit}
    return {
        "limit": limit,
        "after_latest": after.latest,
        "after_earliest": after.earliest,
        "after_position": after.position,
    }


def _uuids(values: Sequence[str]) -> list[UUID]:
    """The values that are UUIDs (an id that is not cannot name a stored event)."""
    found = []
    for value in values:
        try:
            found.append(UUID(str(value)))
        except ValueError:
            continue
    return found
