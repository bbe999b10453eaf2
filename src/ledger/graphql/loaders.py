"""Per-request DataLoaders: one read-model call per (time point, kind) however many parents ask.

Nested fields (a page of persons' recommendations, a recommendation's persons, each event's
retraction) resolve concurrently; the loaders gather their keys in one tick and answer them with
one batch call, so the statements a page costs do not grow with its size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date
from functools import cached_property
from typing import TypeVar
from uuid import UUID

from sqlalchemy import Engine
from strawberry.dataloader import DataLoader

from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.states import PersonState, RecommendationState
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.readmodel.api import FoldKey, ReadModel
from ledger.store.event_store import EventStore

V = TypeVar("V")
#: a page of a stream's events: the point, the cursor it starts after, how many at most
PageOf = tuple[TimePoint, FoldKey | None, int]
G = TypeVar("G", bound=Hashable)


def _batched(
    keys: Sequence[tuple[G, str]],
    fetch: Callable[[G, list[str]], Mapping[str, V]],
    missing: V,
) -> list[V]:
    """Answer (group, id) keys with one ``fetch`` per group, in the keys' order."""
    by_group: dict[G, list[str]] = defaultdict(list)
    for group, key in keys:
        if key not in by_group[group]:
            by_group[group].append(key)
    found = {group: fetch(group, ids) for group, ids in by_group.items()}
    return [found[group].get(key, missing) for group, key in keys]


class Loaders:
    """Each loader is made on first use: a request uses a few of them (an answer from the
    response cache none)."""

    def __init__(self, read_model: ReadModel, engine: Engine, visibility: Visibility) -> None:
        self._model = read_model
        self._engine = engine
        self._visibility = visibility

    @cached_property
    def persons(self) -> DataLoader[tuple[TimePoint, str], PersonState | None]:
        return DataLoader(load_fn=self._persons)

    @cached_property
    def recommendations(self) -> DataLoader[tuple[TimePoint, str], RecommendationState | None]:
        return DataLoader(load_fn=self._recommendations)

    @cached_property
    def recommendations_naming(
        self,
    ) -> DataLoader[tuple[TimePoint, str], list[RecommendationState]]:
        return DataLoader(load_fn=self._recommendations_naming)

    @cached_property
    def events(self) -> DataLoader[str, RecordedEvent | None]:
        return DataLoader(load_fn=self._events)

    @cached_property
    def event_pages(
        self,
    ) -> DataLoader[tuple[PageOf, str], list[tuple[FoldKey, RecordedEvent]]]:
        return DataLoader(load_fn=self._event_pages)

    @cached_property
    def event_counts(self) -> DataLoader[tuple[TimePoint, str], int]:
        return DataLoader(load_fn=self._event_counts)

    @cached_property
    def retractions(self) -> DataLoader[tuple[TimePoint, str], RecordedEvent | None]:
        return DataLoader(load_fn=self._retractions)

    @cached_property
    def person_versions(self) -> DataLoader[tuple[TimePoint, str], list[tuple[date, PersonState]]]:
        return DataLoader(load_fn=self._person_versions)

    @cached_property
    def recommendation_versions(
        self,
    ) -> DataLoader[tuple[TimePoint, str], list[tuple[date, RecommendationState]]]:
        return DataLoader(load_fn=self._recommendation_versions)

    @cached_property
    def day_events(self) -> DataLoader[tuple[TimePoint, str, date], list[RecordedEvent]]:
        return DataLoader(load_fn=self._day_events)

    @cached_property
    def disputing(self) -> DataLoader[tuple[TimePoint, str], list[RecordedEvent]]:
        return DataLoader(load_fn=self._disputing)

    async def _persons(self, keys: list[tuple[TimePoint, str]]) -> list[PersonState | None]:
        return _batched(
            keys,
            lambda at, ids: self._model.persons_by_ids(
                ids, at, visibility=self._visibility, events=False
            ),
            None,
        )

    async def _recommendations(
        self, keys: list[tuple[TimePoint, str]]
    ) -> list[RecommendationState | None]:
        return _batched(
            keys,
            lambda at, ids: self._model.recommendations_by_ids(
                ids, at, visibility=self._visibility, events=False
            ),
            None,
        )

    async def _recommendations_naming(
        self, keys: list[tuple[TimePoint, str]]
    ) -> list[list[RecommendationState]]:
        empty: list[RecommendationState] = []
        return _batched(
            keys,
            lambda at, ids: self._model.recommendations_naming(
                ids, at, visibility=self._visibility
            ),
            empty,
        )

    async def _event_pages(
        self, keys: list[tuple[PageOf, str]]
    ) -> list[list[tuple[FoldKey, RecordedEvent]]]:
        """Pages of streams' events: one statement per (point, cursor, size), never whole
        histories."""
        empty: list[tuple[FoldKey, RecordedEvent]] = []
        return _batched(
            keys,
            lambda page, ids: self._model.event_pages(
                ids, page[0], after=page[1], limit=page[2], visibility=self._visibility
            ),
            empty,
        )

    async def _event_counts(self, keys: list[tuple[TimePoint, str]]) -> list[int]:
        return _batched(
            keys, lambda at, ids: self._model.event_counts(ids, at, visibility=self._visibility), 0
        )

    async def _events(self, keys: list[str]) -> list[RecordedEvent | None]:
        found = EventStore(self._engine).get_many([UUID(key) for key in dict.fromkeys(keys)])
        return [found.get(UUID(key)) for key in keys]

    async def _retractions(self, keys: list[tuple[TimePoint, str]]) -> list[RecordedEvent | None]:
        return _batched(keys, lambda at, ids: self._model.retractions_of(ids, at), None)

    async def _person_versions(
        self, keys: list[tuple[TimePoint, str]]
    ) -> list[list[tuple[date, PersonState]]]:
        none: list[tuple[date, PersonState]] = []
        return _batched(
            keys,
            lambda at, ids: self._model.person_versions(ids, at, visibility=self._visibility),
            none,
        )

    async def _recommendation_versions(
        self, keys: list[tuple[TimePoint, str]]
    ) -> list[list[tuple[date, RecommendationState]]]:
        none: list[tuple[date, RecommendationState]] = []
        return _batched(
            keys,
            lambda at, ids: self._model.recommendation_versions(
                ids, at, visibility=self._visibility
            ),
            none,
        )

    async def _day_events(
        self, keys: list[tuple[TimePoint, str, date]]
    ) -> list[list[RecordedEvent]]:
        """What opened the periods of a page of timelines: one query per time point."""
        by_point: dict[TimePoint, list[tuple[str, date]]] = defaultdict(list)
        for at, stream_id, day in keys:
            by_point[at].append((stream_id, day))
        found = {
            at: self._model.events_on_days(days, at, visibility=self._visibility)
            for at, days in by_point.items()
        }
        return [found[at][(stream_id, day)] for at, stream_id, day in keys]

    async def _disputing(self, keys: list[tuple[TimePoint, str]]) -> list[list[RecordedEvent]]:
        none: list[RecordedEvent] = []
        return _batched(
            keys, lambda at, ids: self._model.disputing(ids, at, visibility=self._visibility), none
        )
