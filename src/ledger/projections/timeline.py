"""The shape of a stream's bitemporal history, computed the same way on every path.

A stream's state at (asOf, knownAt) is stored as rows, each a state *version* valid over
``[valid_from, valid_to)`` in valid time and ``[recorded_from, recorded_to)`` in record time.
At every record instant the rows alive then partition valid time: one boundary at the start of
time and one at each distinct ``latest`` day of the counting events, so the state of a row is
the fold of the undated events and of the dated ones whose latest day is on or before its
``valid_from``. Open ends are sentinels (``MIN_DAY``, ``MAX_DAY``, ``OPEN_END``) so that every
column is a plain indexed value on SQLite and PostgreSQL alike.

An append at instant T whose earliest affected day is d keeps every row that ends before the
boundary preceding d, re-folds from that boundary using the kept state before it, and compares:
rows whose interval and state are unchanged stay open, the others are closed at T and the new
ones inserted from T. Back-dating an event thus re-folds its own stream from its day onwards
only, and the result does not depend on how events of one instant were split into appends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Generic, TypeVar

from ledger.domain.recorded_event import RecordedEvent

MIN_DAY = date(1, 1, 1)
MAX_DAY = date(9999, 12, 31)
OPEN_END = datetime(9999, 12, 31, tzinfo=UTC)

PUBLIC = "public"
FULL = "full"
VISIBILITIES = (PUBLIC, FULL)

S = TypeVar("S")


def visible(event: RecordedEvent, visibility: str) -> bool:
    """The public history never folds a restricted event, so no public field derives from one."""
    return visibility == FULL or not event.restricted


def day_of(event: RecordedEvent) -> date:
    """Where an event enters valid time: its latest day; undated events from the start."""
    return event.latest or MIN_DAY


def clamp_day(as_of: date) -> date:
    """``MAX_DAY`` is the open end, so the last day a query can ask about is the one before."""
    return min(as_of, date.fromordinal(MAX_DAY.toordinal() - 1))


def document(state_json: object) -> str:
    """A canonical text of a stored state, to tell an unchanged version from a changed one."""
    return json.dumps(state_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Span(Generic[S]):
    """A state over an interval of valid time, not yet placed in record time."""

    valid_from: date
    valid_to: date
    state: S
    #: how many events count in this state (zero: the stream has nothing to show yet)
    count: int


def refold(
    start: date,
    start_state: S,
    start_count: int,
    events: Iterable[RecordedEvent],
    apply: Callable[[S, RecordedEvent], S],
) -> list[Span[S]]:
    """The partition of ``[start, MAX_DAY)``: ``events`` are the counting ones at or after the
    affected day, in fold order; ``start_state`` is the fold of everything before them."""
    spans: list[Span[S]] = []
    current_from, state, count = start, start_state, start_count
    for event in events:
        day = day_of(event)
        if day >= MAX_DAY:
            break  # an open end: never certainly happened, so it never counts (fold order: last)
        if day > current_from:
            spans.append(Span(current_from, day, state, count))
            current_from = day
        state = apply(state, event)
        count += 1
    spans.append(Span(current_from, MAX_DAY, state, count))
    return spans


@dataclass(frozen=True)
class Version:
    """A stored row as the revision logic sees it (``id`` is None for rows kept in memory)."""

    id: int | None
    valid_from: date
    valid_to: date
    recorded_from: datetime
    recorded_to: datetime
    event_count: int
    document: str

    @property
    def key(self) -> tuple[date, date, int, str]:
        return (self.valid_from, self.valid_to, self.event_count, self.document)


@dataclass(frozen=True)
class Revision(Generic[S]):
    """What an append at ``at`` does to the rows from the re-fold's start onwards."""

    at: datetime
    kept: list[Version]
    closed: list[Version]
    deleted: list[Version]
    reopened: list[Version]
    inserted: list[tuple[Span[S], str]]


def revise(
    at: datetime,
    alive: Sequence[Version],
    closed_at: Sequence[Version],
    new: Sequence[tuple[Span[S], str]],
) -> Revision[S]:
    """Match the new partition against the rows alive before (and those closed at the same
    instant by an earlier append of that instant, which are reopened rather than duplicated)."""
    open_rows = {row.key: row for row in alive}
    just_closed = {row.key: row for row in closed_at}
    kept: list[Version] = []
    reopened: list[Version] = []
    inserted: list[tuple[Span[S], str]] = []
    for span, text in new:
        key = (span.valid_from, span.valid_to, span.count, text)
        if key in open_rows:
            kept.append(open_rows.pop(key))
        elif key in just_closed:
            reopened.append(just_closed.pop(key))
        else:
            inserted.append((span, text))
    stale = list(open_rows.values())
    closed = [row for row in stale if row.recorded_from < at]
    deleted = [row for row in stale if row.recorded_from >= at]
    return Revision(at, kept, closed, deleted, reopened, inserted)
