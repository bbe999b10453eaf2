"""The shape of a stream's bitemporal history, computed the same way on every path.

A stream's state at (asOf, knownAt) is stored as rows, each a state *version* valid over
``[valid_from, valid_to)`` in valid time and ``[recorded_from, recorded_to)`` in record time.
At every record instant the rows alive then partition valid time: one boundary at the start of
time, one at each distinct ``latest`` day of the counting events (where an event becomes
certain) and one at each distinct ``earliest`` day (where it may have happened). A row holds two
folds that are constant over its interval: the *certain* state (the undated events and the dated
ones whose latest day is on or before its ``valid_from``: today's answer) and, where it differs,
the *possible* status (the fold of the certain events plus the straddling ones, whose earliest
day is on or before ``valid_from`` but whose latest day is after it). Straddling events come
after every certain one in fold order, so the possible fold continues the certain one. Open
ends are sentinels (``MIN_DAY``, ``MAX_DAY``, ``OPEN_END``) so that every column is a plain
indexed value on SQLite and PostgreSQL alike.

An append at instant T whose earliest affected day is d keeps every row that ends before the
boundary preceding d, re-folds from that boundary using the kept state before it, and compares:
rows whose interval and state are unchanged stay open, the others are closed at T and the new
ones inserted from T. Back-dating an event thus re-folds its own stream from its day onwards
only, and the result does not depend on how events of one instant were split into appends.

Each view (``Visibility``) has its own history, but the public one differs from the full one
only by the restricted events it leaves out: until a stream records its first restricted event
the two are the same rows, stored once as ``SHARED`` rows. At that event's instant every shared
row still alive ends, and each view's whole partition starts again in rows of its own; a
``knownAt`` before that instant keeps finding the shared rows it found before.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import Column, Table

from ledger.domain.hash_chain import canonical_value
from ledger.domain.recorded_event import RecordedEvent

MIN_DAY = date(1, 1, 1)
MAX_DAY = date(9999, 12, 31)
OPEN_END = datetime(9999, 12, 31, tzinfo=UTC)
#: The ``visibility`` of a row serving both views (the views' own rows hold the view's value).
SHARED = "both"

S = TypeVar("S")


def day_of(event: RecordedEvent) -> date:
    """Where an event starts to matter in valid time: its earliest day (it may have happened
    from then on); an open start and undated events from the start of time. (Read off the date
    directly: ``event.earliest`` is a property call, for a day every append asks of each.)"""
    on = event.occurred_on
    return MIN_DAY if on is None else on.first_day


def certain_from(event: RecordedEvent) -> date:
    """Where an event certainly happened: its latest day (an open end: never, ``MAX_DAY``)."""
    return event.latest or MIN_DAY


def clamp_day(as_of: date) -> date:
    """``MAX_DAY`` is the open end, so the last day a query can ask about is the one before."""
    return min(as_of, date.fromordinal(MAX_DAY.toordinal() - 1))


def document(state_json: object) -> str:
    """A canonical text of a stored state, to tell an unchanged version from a changed one: the
    canonical JSON the hash chain writes (one encoder for both)."""
    return canonical_value(state_json)


class Span(NamedTuple, Generic[S]):
    """A state over an interval of valid time, not yet placed in record time. (The value
    types here are named tuples: a re-fold makes several per event, and a frozen dataclass
    costs three times as much to build. The re-fold builds them with ``_built``.)"""

    valid_from: date
    valid_to: date
    state: S
    #: how many events count in this state (zero: the stream has nothing to show yet)
    event_count: int


#: ``_built(Span, (…))``: a named tuple built by ``tuple.__new__`` at once, without the Python
#: ``__new__`` a named tuple's class call goes through (half the time to build one; a re-fold
#: builds a span and its encoding per event)
_built = tuple.__new__


def refold(
    start: date,
    start_state: S,
    start_count: int,
    events: Iterable[RecordedEvent],
    apply: Callable[[S, RecordedEvent], S],
    bound: Callable[[S, S], S],
) -> list[Span[S]]:
    """The partition of ``[start, MAX_DAY)``: ``events`` are the counting ones whose latest day
    is at or after the affected day, in fold order; ``start_state`` is the certain fold of
    everything before them. ``bound(certain, possible)`` is the certain state carrying what the
    possible fold answers differently (and nothing when it does not: a start state read back
    from a row may carry that row's possible answer)."""
    pending = list(events)
    # each event's two days (``certain_from``, ``day_of``), looked up once: a re-fold walks them
    # at every boundary
    dates = [event.occurred_on for event in pending]
    certain_days = [MIN_DAY if on is None else on.last_day for on in dates]
    entry_days = [MIN_DAY if on is None else on.first_day for on in dates]
    days = sorted({start, *certain_days, *entry_days})
    boundaries = days[bisect_left(days, start) : bisect_left(days, MAX_DAY)]
    total = len(pending)
    entering = sorted(range(total), key=entry_days.__getitem__)
    # sentinels after every boundary (each is before ``MAX_DAY``): the walks below stop there
    certain_days.append(MAX_DAY)
    entry_days.append(MAX_DAY)
    entering.append(total)
    spans: list[Span[S]] = []
    state, count = start_state, start_count
    certain = entered = 0
    straddling: list[int] = []  # entered, not yet certain: their indices, in fold order
    # folds[i]: ``state`` carrying straddling[: i + 1], a prefix kept from boundary to boundary
    # while it holds (refolding every straddling event at every boundary made a stream of many
    # open-start events cost the square of its length at each re-fold)
    folds: list[S] = []
    # the span being built (from ``opened``, showing ``shown_open`` after ``count_open``
    # events): it ends where the next different one starts
    opened: date | None = None
    shown_open, count_open = start_state, start_count
    # the last ``bound`` asked (of ``bound_state``, ``bound_possible``) and its answer: most
    # boundaries leave both folds as they were (an event that changes nothing but the count),
    # and ask it again
    bound_state: S | None = None
    bound_possible: S | None = None
    shown = start_state
    for day in boundaries:
        while certain_days[certain] <= day:
            # the earliest straddling event is the first to become certain, and the possible
            # fold's first step is then the certain one
            if straddling and straddling[0] == certain:
                del straddling[0]
                state = folds.pop(0) if folds else apply(state, pending[certain])
            else:
                state = apply(state, pending[certain])
                folds.clear()
            certain, count = certain + 1, count + 1
        while entry_days[index := entering[entered]] <= day:
            if index >= certain:
                place = bisect_left(straddling, index)
                straddling.insert(place, index)
                del folds[place:]
            entered += 1
        possible = folds[-1] if folds else state
        if len(straddling) > len(folds):
            for index in straddling[len(folds) :]:
                possible = apply(possible, pending[index])
                folds.append(possible)
        if state is not bound_state or possible is not bound_possible:
            bound_state, bound_possible, shown = state, possible, bound(state, possible)
        if opened is not None:
            if count_open == count and (shown_open is shown or shown_open == shown):
                # an event entering changed nothing shown: one row, not two (a certain event
                # always changes the count, so every latest day stays a boundary)
                continue
            spans.append(_built(Span, (opened, day, shown_open, count_open)))
        opened, shown_open, count_open = day, shown, count
    assert opened is not None  # ``start`` is always a boundary
    spans.append(_built(Span, (opened, MAX_DAY, shown_open, count_open)))
    return spans


class Encoded(NamedTuple, Generic[S]):
    """A span's state encoded once: its canonical text, which is both what is stored and what
    tells an unchanged version from a changed one."""

    span: Span[S]
    text: str


def encode(
    spans: Iterable[Span[S]],
    encoder: Callable[[S], dict[str, Any]],
    known: tuple[S, str] | None = None,
) -> list[Encoded[S]]:
    """Each span's state encoded; a state the fold left as it was (the very same immutable
    object as the span before: most events change only the count) is not encoded again, nor
    is ``known``, a state given with its text (the stored state a re-fold starts from, decoded
    from that very text)."""
    encoded: list[Encoded[S]] = []
    last, text = known if known is not None else (None, "")
    for span in spans:
        if span.state is not last:
            last, text = span.state, document(encoder(span.state))
        encoded.append(_built(Encoded, (span, text)))
    return encoded


def version_columns(table: Table) -> list[Column[Any]]:
    """A stored state version as the revision logic and the checks read it."""
    names = ("visibility", "valid_from", "valid_to", "recorded_from", "recorded_to")
    return [table.c[name] for name in (*names, "event_count", "state")]


class Version(NamedTuple):
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


class Revision(NamedTuple, Generic[S]):
    """What an append at ``at`` does to the rows from the re-fold's start onwards."""

    at: datetime
    kept: list[Version]
    closed: list[Version]
    deleted: list[Version]
    reopened: list[Version]
    inserted: list[Encoded[S]]


def revise(
    at: datetime,
    alive: Sequence[Version],
    closed_at: Sequence[Version],
    new: Sequence[Encoded[S]],
) -> Revision[S]:
    """Match the new partition against the rows alive before (and those closed at the same
    instant by an earlier append of that instant, which are reopened rather than duplicated)."""
    open_rows = {row.key: row for row in alive}
    just_closed = {row.key: row for row in closed_at}
    kept: list[Version] = []
    reopened: list[Version] = []
    inserted: list[Encoded[S]] = []
    for item in new:
        span = item.span
        key = (span.valid_from, span.valid_to, span.event_count, item.text)
        if key in open_rows:
            kept.append(open_rows.pop(key))
        elif key in just_closed:
            reopened.append(just_closed.pop(key))
        else:
            inserted.append(item)
    stale = list(open_rows.values())
    closed = [row for row in stale if row.recorded_from < at]
    deleted = [row for row in stale if row.recorded_from >= at]
    return Revision(at, kept, closed, deleted, reopened, inserted)
