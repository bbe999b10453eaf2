"""Keeps the projection rows in step with the log, inside each append's own transaction.

Registered as the event store's ``AppendListener``: a reader sees its own write, and a failed
append leaves no projection change behind. Events of one record instant are handled together,
per stream and per visibility (public rows never fold a restricted event; full rows fold all).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from itertools import groupby
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Select, Table, delete, exists, insert, select, update
from sqlalchemy.orm import aliased

from ledger.domain.counting import RETRACTION
from ledger.domain.recorded_event import RecordedEvent
from ledger.projections.kinds import Kind, kind_of
from ledger.projections.timeline import (
    MIN_DAY,
    OPEN_END,
    PUBLIC,
    VISIBILITIES,
    Revision,
    Span,
    Version,
    day_of,
    document,
    refold,
    revise,
    visible,
)
from ledger.store.event_store import row_to_event
from ledger.store.tables import EventRow, RecommendationPersonRow

EVENTS = EventRow.__table__
LINKS: Table = RecommendationPersonRow.__table__  # type: ignore[assignment]
_CHUNK = 5000


class Projector:
    """The projections' append listener (see ``ledger.store.event_store.AppendListener``)."""

    def on_append(self, connection: Connection, events: Sequence[RecordedEvent]) -> None:
        for at, batch in groupby(events, key=lambda event: event.recorded_at):
            by_stream: dict[str, list[RecordedEvent]] = {}
            for event in batch:
                by_stream.setdefault(event.stream_id, []).append(event)
            for stream_id, fresh in by_stream.items():
                kind = kind_of(stream_id)
                if kind is None:
                    continue
                for visibility in VISIBILITIES:
                    project(connection, kind, stream_id, visibility, at, fresh)


def project(
    connection: Connection,
    kind: Kind[Any],
    stream_id: str,
    visibility: str,
    at: datetime,
    fresh: Sequence[RecordedEvent],
) -> None:
    """Re-fold one stream from the earliest day the fresh events touch, and store the change."""
    day = _affected_day(connection, fresh, visibility)
    if day is None:
        return
    table = kind.table
    mine = (table.c.stream_id == stream_id) & (table.c.visibility == visibility)
    start, state, count = MIN_DAY, kind.empty(stream_id), 0
    if day > MIN_DAY:
        before = connection.execute(
            select(table.c.valid_from, table.c.event_count, table.c.state)
            .where(mine, table.c.recorded_to == OPEN_END, table.c.valid_from < day)
            .order_by(table.c.valid_from.desc())
            .limit(1)
        ).first()
        if before is not None:
            start, state, count = before.valid_from, kind.decode(before.state), before.event_count
    stored = [
        Version(
            row.id,
            row.valid_from,
            row.valid_to,
            row.recorded_from,
            row.recorded_to,
            row.event_count,
            document(row.state),
        )
        for row in connection.execute(
            select(
                table.c.id,
                table.c.valid_from,
                table.c.valid_to,
                table.c.recorded_from,
                table.c.recorded_to,
                table.c.event_count,
                table.c.state,
            ).where(mine, table.c.valid_from >= start, table.c.recorded_to.in_([OPEN_END, at]))
        )
    ]
    events = counting_since(connection, stream_id, visibility, at, day, fresh)
    spans = refold(start, state, count, events, kind.apply, kind.bound)
    revision = revise(
        at,
        [row for row in stored if row.recorded_to == OPEN_END],
        [row for row in stored if row.recorded_to != OPEN_END],
        [(span, document(kind.encode(span.state))) for span in spans],
    )
    _store(connection, kind, stream_id, visibility, revision)


def counting_since(
    connection: Connection,
    stream_id: str,
    visibility: str,
    at: datetime,
    day: date,
    fresh: Sequence[RecordedEvent],
) -> list[RecordedEvent]:
    """The stream's events counting as known at ``at`` from ``day`` on, in fold order.

    ``fresh`` are the stream's events recorded at ``at`` (the append being projected), already
    in hand: only the events stored before them are read back from the database.
    """
    retraction = aliased(EVENTS)
    query: Select[Any] = select(EVENTS).where(
        EVENTS.c.stream_id == stream_id,
        EVENTS.c.recorded_at <= at,
        EVENTS.c.type != RETRACTION,
        ~exists().where(retraction.c.retracts == EVENTS.c.id, retraction.c.recorded_at <= at),
    )
    if day > MIN_DAY:
        query = query.where(EVENTS.c.occurred_latest >= day)
    if visibility == PUBLIC:
        query = query.where(EVENTS.c.restricted.is_(False))
    if fresh:
        query = query.where(EVENTS.c.position < min(event.position for event in fresh))
    events = [row_to_event(row) for row in connection.execute(query)]
    retracted = {UUID(str(event.data["eventId"])) for event in fresh if event.type == RETRACTION}
    events += [
        event
        for event in fresh
        if event.type != RETRACTION
        and event.id not in retracted
        and visible(event, visibility)
        and (day == MIN_DAY or (event.latest is not None and event.latest >= day))
    ]
    return sorted(events, key=RecordedEvent.fold_key)


def _affected_day(
    connection: Connection, fresh: Iterable[RecordedEvent], visibility: str
) -> date | None:
    days: list[date] = []
    for event in fresh:
        if event.type == RETRACTION:
            target = _event(connection, UUID(str(event.data["eventId"])))
            if target is not None and visible(target, visibility):
                days.append(day_of(target))
        elif visible(event, visibility):
            days.append(day_of(event))
    return min(days, default=None)


def _event(connection: Connection, event_id: UUID) -> RecordedEvent | None:
    row = connection.execute(select(EVENTS).where(EVENTS.c.id == event_id)).first()
    return row_to_event(row) if row is not None else None


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for index in range(0, len(ids), _CHUNK):
        yield ids[index : index + _CHUNK]


def _store(
    connection: Connection,
    kind: Kind[Any],
    stream_id: str,
    visibility: str,
    revision: Revision[Any],
) -> None:
    table = kind.table
    for ids in _chunks([row.id for row in revision.closed if row.id is not None]):
        connection.execute(update(table).where(table.c.id.in_(ids)).values(recorded_to=revision.at))
    for ids in _chunks([row.id for row in revision.reopened if row.id is not None]):
        connection.execute(update(table).where(table.c.id.in_(ids)).values(recorded_to=OPEN_END))
    for ids in _chunks([row.id for row in revision.deleted if row.id is not None]):
        connection.execute(delete(LINKS).where(LINKS.c.state_id.in_(ids)))
        connection.execute(delete(table).where(table.c.id.in_(ids)))
    rows = [
        state_row(kind, stream_id, visibility, span, revision.at, OPEN_END)
        for span, _ in revision.inserted
    ]
    insert_rows(connection, kind, rows, [span for span, _ in revision.inserted])


def state_row(
    kind: Kind[Any],
    stream_id: str,
    visibility: str,
    span: Span[Any],
    recorded_from: datetime,
    recorded_to: datetime,
) -> dict[str, Any]:
    return {
        "stream_id": stream_id,
        "visibility": visibility,
        "valid_from": span.valid_from,
        "valid_to": span.valid_to,
        "recorded_from": recorded_from,
        "recorded_to": recorded_to,
        "event_count": span.count,
        "state": kind.encode(span.state),
        **kind.columns(span.state),
    }


def insert_rows(
    connection: Connection, kind: Kind[Any], rows: list[dict[str, Any]], spans: list[Span[Any]]
) -> None:
    """Insert state rows; a recommendation's rows also get their person links."""
    if not rows:
        return
    links = [kind.links(span.state) for span in spans]
    if not any(links):
        connection.execute(insert(kind.table), rows)
        return
    ids = connection.execute(
        insert(kind.table).returning(kind.table.c.id, sort_by_parameter_order=True), rows
    ).scalars()
    pairs = [
        {"state_id": state_id, "person_id": person_id}
        for state_id, persons in zip(ids, links, strict=True)
        for person_id in persons
    ]
    connection.execute(insert(LINKS), pairs)
