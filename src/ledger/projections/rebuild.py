"""Dropping and rebuilding every projection from the events, and checking the stored ones.

Both stream the log one stream at a time (memory bounded by the longest stream's history, not
by the log) inside one transaction: a rebuild holds the writer lock so no append can slip in
between the delete and the last insert, and a verify reads one consistent snapshot. A stream
without restricted events has the same history in both views: it is replayed once, into rows
serving both (``timeline.SHARED``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select

from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.visibility import Visibility
from ledger.projections.kinds import KINDS, Kind, kind_of
from ledger.projections.projector import LINKS, insert_rows, state_rows, texts_for
from ledger.projections.replay import Row, history
from ledger.projections.timeline import SHARED, document, version_columns
from ledger.store.engine import analyze
from ledger.store.event_store import EventLog, EventStore

Progress = Callable[[int], None]
_FLUSH = 5000

RowKey = tuple[str, date, date, datetime, datetime, int, str]
#: a row to store: stream, the views it serves (a ``Visibility`` value or ``SHARED``), the row
Pending = tuple[str, str, Row]


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


PREFIXES = tuple(kind.prefix for kind in KINDS)


def projected_event_count(engine: Engine) -> int:
    """How many events the projections fold (for a progress bar's total)."""
    with EventStore(engine).reading() as log:
        return log.count_in(PREFIXES)


def _streams(log: EventLog) -> Iterator[str]:
    """Projected stream ids in order, a page at a time."""
    last = ""
    while page := log.stream_ids(PREFIXES, after=last):
        yield from page
        last = page[-1]


def _flush(connection: Connection, kind: Kind[Any], pending: list[Pending]) -> None:
    # A row replayed once for both views (see ``histories``) is one state: its columns are
    # computed once.
    versions = ((s, v, row.encoded, row.recorded_from, row.recorded_to) for s, v, row in pending)
    rows = state_rows(kind, versions, texts=texts_for(connection, kind))
    insert_rows(connection, kind, rows, [row.span for _, _, row in pending])
    pending.clear()


def histories(
    kind: Kind[Any], stream_id: str, stream: Sequence[RecordedEvent]
) -> Iterator[tuple[str, Row]]:
    """Every row of the stream's history, each with the views it serves. The public view
    differs from the full one only by the restricted events it leaves out: without any, one
    replay gives rows serving both; with some, the rows both replays made before the first
    restricted event's instant (the same in each) are shared, those from it on are each view's."""
    split = next((event.recorded_at for event in stream if event.restricted), None)
    if split is None:
        for row in history(kind, stream_id, stream, Visibility.FULL):
            yield SHARED, row
        return
    for visibility in Visibility:
        for row in history(kind, stream_id, stream, visibility, split):
            if row.recorded_from >= split:
                yield visibility.value, row
            elif visibility is Visibility.FULL:
                yield SHARED, row


def rebuild(engine: Engine, progress: Progress | None = None) -> ProjectionReport:
    """Drop every projection row and store each stream's history again, from its events."""
    streams = events = rows = 0
    with EventStore(engine).writing() as log:
        connection = log.connection
        connection.execute(delete(LINKS))
        for table in (kind.table for kind in KINDS):
            connection.execute(delete(table))
        for stream_id in _streams(log):
            kind = kind_of(stream_id)
            assert kind is not None
            stream = log.stream(stream_id)
            pending: list[Pending] = []
            for view, row in histories(kind, stream_id, stream):
                pending.append((stream_id, view, row))
                if len(pending) >= _FLUSH:
                    rows += len(pending)
                    _flush(connection, kind, pending)
            rows += len(pending)
            _flush(connection, kind, pending)
            streams += 1
            events += len(stream)
            if progress is not None:
                progress(len(stream))
    analyze(engine)
    return ProjectionReport(streams, events, rows)


def _stored(connection: Connection, kind: Kind[Any], stream_id: str) -> Counter[RowKey]:
    table = kind.table
    query = select(*version_columns(table)).where(table.c.stream_id == stream_id)
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
    with EventStore(engine).reading() as log:
        for stream_id in streams if streams is not None else _streams(log):
            kind = kind_of(stream_id)
            assert kind is not None
            stream = log.stream(stream_id)
            fresh: Counter[RowKey] = Counter()
            for view, row in histories(kind, stream_id, stream):
                fresh[
                    (
                        view,
                        row.span.valid_from,
                        row.span.valid_to,
                        row.recorded_from,
                        row.recorded_to,
                        row.span.event_count,
                        row.document,
                    )
                ] += 1
            if _stored(log.connection, kind, stream_id) != fresh:
                position = stream[0].position if stream else None
                return ProjectionReport(checked, events, rows, stream_id, position)
            checked += 1
            events += len(stream)
            rows += sum(fresh.values())
            if progress is not None:
                progress(len(stream))
        orphans = next(filter(None, (log.orphan(kind.table) for kind in KINDS)), None)
        if orphans is not None:
            return ProjectionReport(checked, events, rows, orphans, None)
    return ProjectionReport(checked, events, rows)


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
