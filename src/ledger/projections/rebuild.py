"""Dropping and rebuilding every projection from the events, and checking the stored ones.

Both stream the log one stream at a time (memory bounded by the longest stream's history, not
by the log) inside one transaction: a rebuild holds the writer lock so no append can slip in
between the delete and the last insert, and a verify reads one consistent snapshot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, or_, select

from ledger.domain.recorded_event import RecordedEvent
from ledger.projections.kinds import KINDS, Kind, kind_of
from ledger.projections.projector import LINKS, insert_rows, state_row
from ledger.projections.replay import Row, history
from ledger.projections.timeline import VISIBILITIES, document
from ledger.store.engine import write_transaction
from ledger.store.event_store import row_to_event
from ledger.store.tables import EventRow

EVENTS: Table = EventRow.__table__  # type: ignore[assignment]
Progress = Callable[[int], None]
_FLUSH = 5000

RowKey = tuple[str, date, date, datetime, datetime, int, str]


@dataclass(frozen=True)
class ProjectionReport:
    streams: int
    events: int
    rows: int
    first_bad_stream: str | None = None
    first_bad_position: int | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad_stream is None


def projected_event_count(engine: Engine) -> int:
    """How many events the projections fold (for a progress bar's total)."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(_projected())).scalar_one())


def _projected() -> Any:
    return or_(*(EVENTS.c.stream_id.startswith(kind.prefix) for kind in KINDS))


def _streams(connection: Connection) -> Iterator[str]:
    """Projected stream ids in order, a page at a time."""
    last = ""
    while True:
        page = list(
            connection.execute(
                select(EVENTS.c.stream_id)
                .where(EVENTS.c.stream_id > last, _projected())
                .group_by(EVENTS.c.stream_id)
                .order_by(EVENTS.c.stream_id)
                .limit(1000)
            ).scalars()
        )
        if not page:
            return
        yield from page
        last = page[-1]


def _events(connection: Connection, stream_id: str) -> list[RecordedEvent]:
    query = select(EVENTS).where(EVENTS.c.stream_id == stream_id).order_by(EVENTS.c.version)
    return [row_to_event(row) for row in connection.execute(query)]


def _flush(connection: Connection, kind: Kind[Any], pending: list[tuple[str, str, Row]]) -> None:
    rows = [
        state_row(kind, stream_id, visibility, row.span, row.recorded_from, row.recorded_to)
        for stream_id, visibility, row in pending
    ]
    insert_rows(connection, kind, rows, [row.span for _, _, row in pending])
    pending.clear()


def rebuild(engine: Engine, progress: Progress | None = None) -> ProjectionReport:
    """Drop every projection row and store each stream's history again, from its events."""
    streams = events = rows = 0
    with write_transaction(engine) as connection:
        connection.execute(delete(LINKS))
        for table in (kind.table for kind in KINDS):
            connection.execute(delete(table))
        for stream_id in _streams(connection):
            kind = kind_of(stream_id)
            assert kind is not None
            stream = _events(connection, stream_id)
            pending: list[tuple[str, str, Row]] = []
            for visibility in VISIBILITIES:
                for row in history(kind, stream_id, stream, visibility):
                    pending.append((stream_id, visibility, row))
                    if len(pending) >= _FLUSH:
                        rows += len(pending)
                        _flush(connection, kind, pending)
            rows += len(pending)
            _flush(connection, kind, pending)
            streams += 1
            events += len(stream)
            if progress is not None:
                progress(len(stream))
    return ProjectionReport(streams, events, rows)


def _stored(connection: Connection, kind: Kind[Any], stream_id: str) -> Counter[RowKey]:
    table = kind.table
    query = select(
        table.c.visibility,
        table.c.valid_from,
        table.c.valid_to,
        table.c.recorded_from,
        table.c.recorded_to,
        table.c.event_count,
        table.c.state,
    ).where(table.c.stream_id == stream_id)
    return Counter(
        (v, vf, vt, rf, rt, count, document(state))
        for v, vf, vt, rf, rt, count, state in connection.execute(query)
    )


def verify_projections(
    engine: Engine, progress: Progress | None = None, *, streams: Sequence[str] | None = None
) -> ProjectionReport:
    """Compare each stream's stored rows with a fresh replay of its events; stop at the first
    stream that differs, naming it and its first event's position.

    ``streams`` narrows the check to those streams, for a caller that knows which ones it wrote.
    """
    checked = events = rows = 0
    with engine.connect() as connection, connection.begin():
        for stream_id in streams if streams is not None else _streams(connection):
            kind = kind_of(stream_id)
            assert kind is not None
            stream = _events(connection, stream_id)
            fresh: Counter[RowKey] = Counter()
            for visibility in VISIBILITIES:
                for row in history(kind, stream_id, stream, visibility):
                    fresh[
                        (
                            visibility,
                            row.span.valid_from,
                            row.span.valid_to,
                            row.recorded_from,
                            row.recorded_to,
                            row.span.count,
                            row.document,
                        )
                    ] += 1
            if _stored(connection, kind, stream_id) != fresh:
                position = stream[0].position if stream else None
                return ProjectionReport(checked, events, rows, stream_id, position)
            checked += 1
            events += len(stream)
            rows += sum(fresh.values())
            if progress is not None:
                progress(len(stream))
        orphans = _orphan(connection)
        if orphans is not None:
            return ProjectionReport(checked, events, rows, orphans, None)
    return ProjectionReport(checked, events, rows)


def _orphan(connection: Connection) -> str | None:
    """A projected stream with no events at all (rows left by something other than the log)."""
    for kind in KINDS:
        table = kind.table
        found = connection.execute(
            select(table.c.stream_id)
            .where(~table.c.stream_id.in_(select(EVENTS.c.stream_id).distinct()))
            .limit(1)
        ).scalar()
        if found is not None:
            return str(found)
    return None


def newest_projected_knowledge(engine: Engine) -> datetime | None:
    """The latest record time any projection row starts at. Later than the newest event's
    recordedAt, it proves the projections were built from events the log no longer holds."""
    with engine.connect() as connection:
        found = [
            connection.execute(select(func.max(kind.table.c.recorded_from))).scalar()
            for kind in KINDS
        ]
    instants = [instant for instant in found if instant is not None]
    return max(instants) if instants else None
