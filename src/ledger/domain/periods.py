"""Timelines: a stream's status as consecutive periods, from its state versions in valid time.

A front-end draws a person's custody or a recommendation's status as coloured periods; asking
for the state at every date would cost a query per day. The state versions a projection keeps
already partition valid time at every day on which the state changed, so the periods are those
versions with equal statuses merged. Which event opened a period is found by folding the state
just before the period's first day through that day's events: the last one that changed the
status opened it (a day can hold several events, and the fold order decides among them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.states import RecommendationState

S = TypeVar("S")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Period(Generic[S, T]):
    status: T
    #: the partial date of the event that opened it; None for a period from the start of time
    since: PartialDate | None
    #: where the next period starts; None while this one is still open
    until: PartialDate | None
    #: the valid-time day on which the period began (the latest day of its opening events)
    day: date
    #: the state just before that day, which its events are folded from to find the opener
    previous: S


def periods(
    versions: Sequence[tuple[date, S]],
    initial: S,
    status_of: Callable[[S], T],
    since_of: Callable[[S], PartialDate | None],
) -> list[Period[S, T]]:
    """``versions`` are (first day, state) in valid-time order, each lasting until the next;
    ``initial`` is the state before any event (what the first version was folded from)."""
    found: list[Period[S, T]] = []
    previous = initial
    for index, (day, state) in enumerate(versions):
        status = status_of(state)
        if index == 0 or status != found[-1].status:
            since = since_of(state) if index > 0 or status != status_of(initial) else None
            if found:
                last = found[-1]
                found[-1] = Period(last.status, last.since, since, last.day, last.previous)
            found.append(Period(status, since, None, day, previous))
        previous = state
    return found


def opener(
    previous: S,
    events: Iterable[RecordedEvent],
    apply: Callable[[S, RecordedEvent], S],
    status_of: Callable[[S], T],
) -> RecordedEvent | None:
    """The event, among one day's events in fold order, after which the status was last changed."""
    state, found = previous, None
    for event in events:
        after = apply(state, event)
        if status_of(after) != status_of(state):
            found = event
        state = after
    return found


def status_since(state: RecommendationState) -> PartialDate | None:
    """When a recommendation's current status began: the first assessment of the last run of
    assessments that gave it (None while NOT_ASSESSED)."""
    since = None
    for assessment in reversed(state.assessments):
        if assessment.status != state.status:
            break
        since = assessment.assessed_on
    return since
