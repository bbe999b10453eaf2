"""A stream's whole bitemporal history computed in memory from its events alone.

``ledger rebuild`` stores it and ``ledger verify`` compares it with the stored rows. It walks the
record instants in order and applies the same re-fold and revision as the projector does at
append time (``timeline.refold`` / ``timeline.revise``), so both paths give the same rows.
Memory is bounded by one stream's history, never by the size of the log.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any
from uuid import UUID

from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.visibility import Visibility
from ledger.projections.kinds import Kind
from ledger.projections.timeline import (
    MIN_DAY,
    OPEN_END,
    Encoded,
    Span,
    Version,
    day_of,
    encode,
    refold,
    revise,
)

_Counting = tuple[tuple[int, date, date, int], RecordedEvent]


@dataclass
class Row:
    """A version of the state with its place on both axes, as it will be stored."""

    encoded: Encoded[Any]
    recorded_from: datetime
    recorded_to: datetime = OPEN_END

    @property
    def span(self) -> Span[Any]:
        return self.encoded.span

    @property
    def document(self) -> str:
        return self.encoded.text

    def version(self, index: int) -> Version:
        return Version(
            index,
            self.span.valid_from,
            self.span.valid_to,
            self.recorded_from,
            self.recorded_to,
            self.span.event_count,
            self.document,
        )


def history(
    kind: Kind[Any],
    stream_id: str,
    events: Sequence[RecordedEvent],
    visibility: Visibility,
    split: datetime | None = None,
) -> Iterator[Row]:
    """Every row the stream's history holds for ``visibility``; events in position order.
    ``split``: the instant of the stream's first restricted event, where every row still alive
    ends and the view's whole partition starts again (``timeline``: shared rows end there)."""
    alive: list[Row] = []
    counting: list[_Counting] = []
    by_id: dict[UUID, RecordedEvent] = {}
    for at, batch in groupby(events, key=lambda event: event.recorded_at):
        days: list[date] = []
        for event in batch:
            by_id[event.id] = event
            if event.retracts is not None:
                target = by_id.get(event.retracts)
                if target is not None and visibility.shows(target):
                    index = bisect_left(counting, (target.fold_key(),))
                    if index < len(counting) and counting[index][1].id == target.id:
                        del counting[index]
                    days.append(day_of(target))
            elif visibility.shows(event):
                insort(counting, (event.fold_key(), event))
                days.append(day_of(event))
        restart = at == split and bool(alive)
        if restart:
            days.append(MIN_DAY)
        if not days:
            continue
        day = min(days)
        first = 0
        start, state, count = MIN_DAY, kind.empty(stream_id), 0
        if day > MIN_DAY:
            before = bisect_left([row.span.valid_from for row in alive], day) - 1
            if before >= 0:
                first = before
                row = alive[before]
                start, state, count = row.span.valid_from, row.span.state, row.span.event_count
        since = 0 if day == MIN_DAY else bisect_left(counting, ((1, day, date.min, 0),))
        pending = (event for _, event in counting[since:])
        spans = refold(start, state, count, pending, kind.apply, kind.bound)
        encoded = encode(spans, kind.encode)
        stale = alive[first:]
        revision = revise(
            at,
            [] if restart else [row.version(index) for index, row in enumerate(stale)],
            [],
            encoded,
        )
        kept = {version.id for version in revision.kept}
        for index, row in enumerate(stale):
            if index not in kept:
                row.recorded_to = at
                yield row
        alive = alive[:first] + [row for index, row in enumerate(stale) if index in kept]
        alive += [Row(item, at) for item in revision.inserted]
        alive.sort(key=lambda row: row.span.valid_from)
    yield from alive
