"""The read model over the projection rows: every answer is an indexed lookup at a point.

A state at (asOf, knownAt) is the one row of its stream alive at that point on both axes. The
lookup first finds the stream's last version as known at ``knownAt`` (the row reaching the open
end of valid time), then walks back in valid time from ``min(asOf, its start)``: both are seeks
on composite indexes, so the cost grows with the log of the history, not with its length.
Lists filter the rows alive at the point on their denormalised columns.

Projected states carry no ``event_ids`` (a list of every counting event in every version would
grow with the square of history); the reader adds them with one query over the events, unless
asked not to (``events=False``), which is what a caller paging ``stream_events`` should do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    Table,
    case,
    func,
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
from ledger.projections.timeline import MAX_DAY, MIN_DAY, clamp_day
from ledger.readmodel.api import FoldKey, Page, StreamDiff
from ledger.store.engine import reading
from ledger.store.event_store import EVENTS, EventStore, counting, row_to_event
from ledger.store.tables import RecommendationPersonRow

LINKS: Table = RecommendationPersonRow.__table__  # type: ignore[assignment]
S = TypeVar("S", PersonState, RecommendationState)


def _alive(table: Table, at: TimePoint) -> ColumnElement[bool]:
    assert at.as_of is not None and at.known_at is not None
    as_of = clamp_day(at.as_of)
    return (
        (table.c.valid_from <= as_of)
        & (table.c.valid_to > as_of)
        & (table.c.recorded_from <= at.known_at)
        & (table.c.recorded_to > at.known_at)
    )


def _counting(at: TimePoint, *, visibility: Visibility) -> Select[Any]:
    """Events counting at ``at``: the store's counting rule, certain by ``as_of``."""
    assert at.as_of is not None and at.known_at is not None
    return counting(at.known_at, visibility).where(
        or_(EVENTS.c.occurred_latest.is_(None), EVENTS.c.occurred_latest <= at.as_of)
    )


class ProjectedReadModel:
    """Implements ``ledger.readmodel.api.ReadModel`` over the tables the projector maintains."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.events = EventStore(engine)

    @staticmethod
    def _resolve(at: TimePoint) -> TimePoint:
        return at.resolved()

    # --- single states ---------------------------------------------------------------------

    def _alive_row(
        self, table: Table, stream_id: str, at: TimePoint, visibility: Visibility
    ) -> Select[Any]:
        """The one state row of a stream alive at ``at`` (a resolved point), found by two seeks:
        the stream's last version as known at ``knownAt``, then back in valid time from
        ``min(asOf, its start)``."""
        assert at.as_of is not None and at.known_at is not None
        as_of = clamp_day(at.as_of)
        mine = (table.c.stream_id == stream_id) & (table.c.visibility == visibility)
        known = (table.c.recorded_from <= at.known_at) & (table.c.recorded_to > at.known_at)
        last_start = (
            select(table.c.valid_from)
            .where(mine, known, table.c.valid_to == MAX_DAY)
            .order_by(table.c.recorded_from.desc(), table.c.valid_from.desc())
            .limit(1)
            .scalar_subquery()
        )
        bound = case((last_start < as_of, last_start), (last_start.is_(None), MIN_DAY), else_=as_of)
        return (
            select(table.c.state, table.c.event_count)
            .where(mine, known, table.c.valid_from <= bound, table.c.valid_to > as_of)
            .order_by(table.c.valid_from.desc(), table.c.recorded_from.desc())
            .limit(1)
        )

    def _lookup(
        self, kind: Kind[S], stream_id: str, at: TimePoint, visibility: Visibility
    ) -> S | None:
        query = self._alive_row(kind.table, stream_id, self._resolve(at), visibility)
        with reading(self.engine) as connection:
            row = connection.execute(query).first()
        if row is None or row.event_count == 0:
            return None
        return kind.decode(row.state)

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
        query = select(table.c.stream_id, table.c.state).where(
            table.c.stream_id.in_(list(stream_ids)),
            table.c.visibility == visibility,
            table.c.event_count > 0,
            _alive(table, at),
        )
        with reading(self.engine) as connection:
            found = {row.stream_id: kind.decode(row.state) for row in connection.execute(query)}
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
    ) -> dict[str, list[tuple[FoldKey, str]]]:
        """Keyset pages: per stream, one branch for the undated events (by position) and one for
        the dated (by latest, earliest, position), each walking the stream's index from the
        cursor and stopping at ``limit``; all branches go in one UNION ALL statement."""
        pages: dict[str, list[tuple[FoldKey, str]]] = {stream_id: [] for stream_id in stream_ids}
        if not pages or limit <= 0:
            return pages
        at = self._resolve(at)
        e = EVENTS.c
        counting = _counting(at, visibility=visibility).with_only_columns(
            e.stream_id, e.id, e.occurred_latest, e.occurred_earliest, e.position
        )
        # An event has both days or neither (a PartialDate has both): testing the latest day
        # alone lets both branches seek on the (stream_id, occurred_latest) index.
        undated = e.occurred_latest.is_(None)
        dated_order = (e.occurred_latest, e.occurred_earliest, e.position)
        branches = []
        for stream_id in pages:
            mine = counting.where(e.stream_id == stream_id)
            if after is None or not after.dated:
                first = mine.where(undated).order_by(e.position).limit(limit)
                if after is not None:
                    first = first.where(e.position > after.position)
                branches.append(first.subquery().select())
            second = mine.where(~undated).order_by(*dated_order).limit(limit)
            if after is not None and after.dated:
                cursor = (after.latest, after.earliest, after.position)
                second = second.where(tuple_(*dated_order) > tuple_(*cursor))
            branches.append(second.subquery().select())
        query = union_all(*branches) if len(branches) > 1 else branches[0]
        with reading(self.engine) as connection:
            rows = connection.execute(query).all()
        for row in rows:
            key = FoldKey.of(row.occurred_latest, row.occurred_earliest, row.position)
            pages[row.stream_id].append((key, str(row.id)))
        return {stream_id: sorted(page)[:limit] for stream_id, page in pages.items()}

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
        branches = []
        for stream_id in counts:
            kind = kind_of(stream_id)
            if kind is not None:
                found = self._alive_row(kind.table, stream_id, at, visibility)
                branches.append(
                    found.with_only_columns(kind.table.c.stream_id, kind.table.c.event_count)
                    .subquery()
                    .select()
                )
        if not branches:
            return counts
        query = union_all(*branches) if len(branches) > 1 else branches[0]
        with reading(self.engine) as connection:
            for row in connection.execute(query):
                counts[row.stream_id] = int(row.event_count)
        return counts

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
        assert at.as_of is not None and at.known_at is not None
        table = kind.table
        query = (
            select(table.c.stream_id, table.c.valid_from, table.c.state)
            .where(
                table.c.stream_id.in_(list(found)),
                table.c.visibility == visibility,
                table.c.recorded_from <= at.known_at,
                table.c.recorded_to > at.known_at,
                table.c.valid_from <= clamp_day(at.as_of),
            )
            .order_by(table.c.stream_id, table.c.valid_from)
        )
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                found[row.stream_id].append((row.valid_from, kind.decode(row.state)))
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
        query = _counting(at, visibility=visibility).where(
            EVENTS.c.stream_id.in_(sorted({stream_id for stream_id, _ in found})), on_days
        )
        with self.engine.connect() as connection:
            events = sorted(
                (row_to_event(row) for row in connection.execute(query)),
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
        query: Select[Any],
        order: Sequence[Any],
        at: TimePoint,
        offset: int,
        limit: int,
        visibility: Visibility,
        events: bool,
    ) -> Page[S]:
        with reading(self.engine) as connection:
            total = connection.execute(
                select(func.count()).select_from(query.subquery())
            ).scalar_one()
            rows = connection.execute(query.order_by(*order).offset(offset).limit(limit))
            states = {row.stream_id: kind.decode(row.state) for row in rows}
        if events:
            states = self._with_event_ids(states, at, visibility)
        return Page(items=list(states.values()), offset=offset, total_count=int(total))

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
    ) -> Page[PersonState]:
        at = self._resolve(at)
        table = PERSONS.table
        query = select(table.c.stream_id, table.c.state).where(
            table.c.visibility == visibility, table.c.event_count > 0, _alive(table, at)
        )
        if custody_statuses:
            query = query.where(table.c.custody_status.in_([s.value for s in custody_statuses]))
        if search and fold_text(search):
            query = query.where(table.c.search_text.contains(fold_text(search), autoescape=True))
        if article is not None:
            query = query.where(table.c.articles.contains(f" {article.strip()} ", autoescape=True))
        order = (table.c.sort_name, table.c.stream_id)
        return self._page(PERSONS, query, order, at, offset, limit, visibility, events)

    def _recommendations_at(
        self, at: TimePoint, visibility: Visibility, addressee: str | None
    ) -> Select[Any]:
        table = RECOMMENDATIONS.table
        query = select(table.c.stream_id, table.c.state).where(
            table.c.visibility == visibility, table.c.event_count > 0, _alive(table, at)
        )
        if addressee is None:
            return query
        return query.where(table.c.addressee.in_(self._addressees_like(addressee, visibility)))

    def _addressees_like(self, addressee: str, visibility: Visibility) -> list[str]:
        """The stored spellings of ``addressee``, ignoring case and accents ("kazakhstan").

        Judged against every recommendation the caller may see, at any point: one not yet
        addressed at the queried point counts zero, one never addressed at all is refused, so
        that a misspelling is not answered with a silent zero.
        """
        table = RECOMMENDATIONS.table
        query = (
            select(table.c.addressee)
            .where(table.c.visibility == visibility, table.c.event_count > 0)
            .distinct()
        )
        with self.engine.connect() as connection:
            known = sorted(str(name) for name in connection.scalars(query))
        wanted = sort_key(addressee)
        matching = [name for name in known if sort_key(name) == wanted]
        if not matching:
            listed = ", ".join(f"'{name}'" for name in known) or "none yet"
            # The input is not echoed: an answer never repeats what it cannot confirm.
            raise NotFound(
                f"no recommendation has this addressee; addressees: {listed}", ["addressee"]
            )
        return matching

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
        query = self._recommendations_at(at, visibility, addressee)
        if statuses:
            query = query.where(table.c.status.in_([s.value for s in statuses]))
        if search and fold_text(search):
            query = query.where(table.c.search_text.contains(fold_text(search), autoescape=True))
        order = (table.c.code, table.c.stream_id)
        return self._page(RECOMMENDATIONS, query, order, at, offset, limit, visibility, events)

    def recommendations_naming(
        self,
        person_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[RecommendationState]]:
        """One query for any number of persons (the GraphQL data loaders batch on it)."""
        at = self._resolve(at)
        table = RECOMMENDATIONS.table
        naming: dict[str, list[RecommendationState]] = {p: [] for p in person_ids}
        if not person_ids:
            return naming
        query = (
            select(LINKS.c.person_id, table.c.state)
            .join(table, table.c.id == LINKS.c.state_id)
            .where(
                LINKS.c.person_id.in_(list(person_ids)),
                table.c.visibility == visibility,
                table.c.event_count > 0,
                _alive(table, at),
            )
            .order_by(table.c.code, table.c.stream_id)
        )
        with reading(self.engine) as connection:
            for row in connection.execute(query):
                naming[row.person_id].append(RECOMMENDATIONS.decode(row.state))
        return naming

    def implementation_summary(
        self,
        at: TimePoint,
        *,
        addressee: str | None = None,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[ImplementationStatus, int]:
        at = self._resolve(at)
        table = RECOMMENDATIONS.table
        subquery = (
            self._recommendations_at(at, visibility, addressee)
            .add_columns(table.c.status)
            .subquery()
        )
        counts = dict.fromkeys(ImplementationStatus, 0)
        query = select(subquery.c.status, func.count()).group_by(subquery.c.status)
        with reading(self.engine) as connection:
            for status, count in connection.execute(query):
                counts[ImplementationStatus(status)] = int(count)
        return counts

    def custody_summary(
        self, at: TimePoint, *, visibility: Visibility = Visibility.PUBLIC
    ) -> dict[CustodyStatus, int]:
        at = self._resolve(at)
        table = PERSONS.table
        query = (
            select(table.c.custody_status, func.count())
            .where(table.c.visibility == visibility, table.c.event_count > 0, _alive(table, at))
            .group_by(table.c.custody_status)
        )
        counts = dict.fromkeys(CustodyStatus, 0)
        with reading(self.engine) as connection:
            for status, count in connection.execute(query):
                counts[CustodyStatus(status)] = int(count)
        return counts

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


def _uuids(values: Sequence[str]) -> list[UUID]:
    """The values that are UUIDs (an id that is not cannot name a stored event)."""
    found = []
    for value in values:
        try:
            found.append(UUID(str(value)))
        except ValueError:
            continue
    return found
