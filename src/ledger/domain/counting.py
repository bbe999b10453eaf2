"""Which events count at a point on both time axes: the contract's rules, as a naive filter.

An event counts at (asOf, knownAt) iff it was recorded by ``knownAt``, it is undated or its
``latest`` day is on or before ``asOf`` (it is *certain*), and no retraction recorded by
``knownAt`` names it. Retractions themselves are never folded. An event *may* count (the other
bound) when its ``earliest`` day, or an open start, is on or before ``asOf`` instead. This
module is the reference the indexed projections are tested against (the oracle), and what the
projector uses to order a stream's events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from ledger.domain.event_types import RETRACTION
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.visibility import Visibility


def retracted_ids(events: Iterable[RecordedEvent], known_at: datetime) -> set[str]:
    """Ids (as strings) of the events retracted by a retraction recorded by ``known_at``."""
    return {
        str(target)
        for event in events
        if (target := event.retracts) is not None and event.recorded_at <= known_at
    }


def counts(
    event: RecordedEvent,
    as_of: date,
    known_at: datetime,
    retracted: set[str],
    visibility: Visibility = Visibility.FULL,
    *,
    possibly: bool = False,
) -> bool:
    """The contract's rule for one event; the public view also drops restricted events;
    ``possibly=True``: whether it may have happened by ``as_of`` (certain or straddling)."""
    if event.type == RETRACTION or event.recorded_at > known_at:
        return False
    if not visibility.shows(event):
        return False
    day = event.earliest if possibly else event.latest
    if day is not None and day > as_of:
        return False
    return str(event.id) not in retracted


def counting_events(
    events: Iterable[RecordedEvent],
    as_of: date,
    known_at: datetime,
    visibility: Visibility = Visibility.FULL,
) -> list[RecordedEvent]:
    """The events that count at (as_of, known_at), in the contract's fold order."""
    stream = list(events)
    retracted = retracted_ids(stream, known_at)
    chosen = [e for e in stream if counts(e, as_of, known_at, retracted, visibility)]
    return sorted(chosen, key=RecordedEvent.fold_key)


def possible_events(
    events: Iterable[RecordedEvent],
    as_of: date,
    known_at: datetime,
    visibility: Visibility = Visibility.FULL,
) -> list[RecordedEvent]:
    """The events that may have happened by ``as_of`` (certain plus straddling), in fold order:
    the naive form of the other bound."""
    stream = list(events)
    retracted = retracted_ids(stream, known_at)
    chosen = [e for e in stream if counts(e, as_of, known_at, retracted, visibility, possibly=True)]
    return sorted(chosen, key=RecordedEvent.fold_key)
