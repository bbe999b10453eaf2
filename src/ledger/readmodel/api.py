"""The read model's interface: what the API layers may ask, independent of how it is indexed.

Every method takes a :class:`TimePoint`; ``None`` axes mean today / now. ``visibility``
says whether the caller may see restricted events' data (``FULL``: admins); in the ``PUBLIC``
view restricted events contribute nothing but their existence (type, dates, stream).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.states import PersonState, RecommendationState
from ledger.domain.statuses import CustodyStatus, ImplementationStatus
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list in its stable order; ``offset`` is the index of the first item."""

    items: list[T]
    offset: int
    total_count: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total_count


@dataclass(frozen=True)
class StreamDiff:
    """Which events started or stopped counting between two points, in fold order."""

    started: list[RecordedEvent]
    stopped: list[RecordedEvent]


@dataclass(frozen=True, order=True)
class FoldKey:
    """Where an event stands in its stream's fold order (the contract's): undated events first,
    by position, then dated ones by (latest day, earliest day, position). A page of a stream's
    events starts after one of these, so it is read by seeking, not by counting from the top."""

    dated: bool
    latest: date
    earliest: date
    position: int

    @classmethod
    def of(cls, latest: date | None, earliest: date | None, position: int) -> FoldKey:
        if latest is None or earliest is None:
            return cls(False, date.min, date.min, position)
        return cls(True, latest, earliest, position)


#: A page of a stream's events: the cursor it starts after (None: from the first) and how many
#: events at most.
EventsPage = tuple[FoldKey | None, int]


@dataclass(frozen=True)
class PersonRead:
    """A person's state with what its nested fields read (empty where not asked for)."""

    state: PersonState | None
    naming: list[RecommendationState]
    events: list[tuple[FoldKey, RecordedEvent]]


@dataclass(frozen=True)
class PersonsRead:
    """A page of persons with the recommendations naming each of them, by stream id: every
    person of the page, with none where they were not asked for."""

    page: Page[PersonState]
    naming: dict[str, list[RecommendationState]]


class ReadModel(Protocol):
    def person(
        self,
        stream_id: str,
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> PersonState | None:
        """None when the person has no counting event at that point. ``events=False`` leaves
        ``event_ids`` empty: the one part of an answer that grows with the stream's history."""
        ...

    def person_read(
        self,
        stream_id: str,
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        naming: bool = False,
        events: EventsPage | None = None,
    ) -> PersonRead:
        """``person(events=False)`` with, read together, ``recommendations_naming`` of the person
        (``naming``) and its ``event_pages`` page (``events``): what one served request asks
        of a lone person, in one read."""
        ...

    def persons_by_ids(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> dict[str, PersonState]:
        """Batch form for data loaders: one round of queries whatever the number of ids."""
        ...

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
        """Ordered by name (then stream id); search matches name and aliases, case- and
        diacritic-insensitive; ``article``: charged or convicted under it (e.g. '174').
        ``naming``: with ``recommendations_naming`` of the page's persons, read together
        (what a served page of persons with their recommendations asks, in one read)."""
        ...

    def recommendation(
        self,
        stream_id: str,
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> RecommendationState | None: ...

    def recommendations_by_ids(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
        events: bool = True,
    ) -> dict[str, RecommendationState]: ...

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
        """Ordered by code; search matches code, text, theme and addressee."""
        ...

    def recommendations_naming(
        self,
        person_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[RecommendationState]]:
        """For each person id, the recommendations that name it at that point, by code."""
        ...

    def implementation_summary(
        self,
        at: TimePoint,
        *,
        addressee: str | None = None,
        visibility: Visibility = Visibility.PUBLIC,
        custody: bool = False,
    ) -> dict[ImplementationStatus, int]:
        """Every status present, 0 where none. ``custody``: the request will ask
        ``custody_summary`` at the same point too, which may then be read with this."""
        ...

    def custody_summary(
        self, at: TimePoint, *, visibility: Visibility = Visibility.PUBLIC
    ) -> dict[CustodyStatus, int]:
        """Persons by custody status; every status present, 0 where none."""
        ...

    def person_versions(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[tuple[date, PersonState]]]:
        """Each person's state versions up to ``at.as_of`` as known at ``at.known_at``: (first
        day, state) in valid-time order, for many persons in one query (timelines)."""
        ...

    def recommendation_versions(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[tuple[date, RecommendationState]]]: ...

    def events_on_days(
        self,
        days: Sequence[tuple[str, date]],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[tuple[str, date], list[RecordedEvent]]:
        """For each (stream, valid-time day), the stream's events counting at ``at`` whose latest
        day it is (undated ones for the first day), in fold order: what opened a period."""
        ...

    def event_ids_of(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, tuple[str, ...]]:
        """Each stream's counting event ids in fold order, for many streams in one query."""
        ...

    def event_pages(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        after: FoldKey | None,
        limit: int,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[tuple[FoldKey, RecordedEvent]]]:
        """For each stream, at most ``limit`` of its counting events after ``after`` in fold
        order (with their keys), in one query however many streams."""
        ...

    def event_counts(
        self,
        stream_ids: Sequence[str],
        at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, int]:
        """How many events count in each stream's state at that point, from the projection."""
        ...

    def stream_events(self, stream_id: str, at: TimePoint) -> list[RecordedEvent]:
        """The stream's events that count at that point, in fold order."""
        ...

    def diff(self, stream_id: str, before: TimePoint, after: TimePoint) -> StreamDiff: ...

    def retractions_of(
        self, event_ids: Sequence[str], known_at: TimePoint
    ) -> dict[str, RecordedEvent]:
        """For each retracted event id, its retraction, if recorded by ``known_at``."""
        ...

    def disputing(
        self,
        event_ids: Sequence[str],
        known_at: TimePoint,
        *,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> dict[str, list[RecordedEvent]]:
        """For each event id, the events disputing it that are recorded and not retracted by
        ``known_at``, by position; restricted ones only in the full view."""
        ...
