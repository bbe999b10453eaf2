"""The two projected stream kinds, described once for the projector, the replay and the reader."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Table

from ledger.domain.person_fold import apply_person, bound_person, empty_person
from ledger.domain.recommendation_fold import (
    apply_recommendation,
    bound_recommendation,
    empty_recommendation,
)
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.search_text import search_document, sort_key
from ledger.domain.state_json import (
    person_from_json,
    person_to_json,
    recommendation_from_json,
    recommendation_to_json,
)
from ledger.domain.states import Charge, PersonState, RecommendationState
from ledger.store.tables import PersonStateRow, RecommendationStateRow

S = TypeVar("S")


@dataclass(frozen=True)
class Kind(Generic[S]):
    prefix: str
    table: Table
    empty: Callable[[str], S]
    apply: Callable[[S, RecordedEvent], S]
    encode: Callable[[S], dict[str, Any]]
    decode: Callable[[dict[str, Any]], S]
    #: the denormalised columns lists filter and sort on
    columns: Callable[[S], dict[str, Any]]
    #: the person streams a state names (recommendations), kept in a link table; None: a kind
    #: whose states name none (persons), whose rows are inserted without asking each
    links: Callable[[S], Sequence[str]] | None
    #: the certain state carrying what the possible fold answers differently
    bound: Callable[[S, S], S]


def articles_document(charges: Sequence[Charge]) -> str:
    """The articles a person is charged (or convicted) under, each between spaces, so that
    ``LIKE '% 174 %'`` finds one exactly."""
    return " " + " ".join(dict.fromkeys(c.article for c in charges)) + " " if charges else ""


def _person_columns(state: PersonState) -> dict[str, Any]:
    return {
        "name": state.name[:500],
        "sort_name": sort_key(state.name)[:500],
        "search_text": search_document([state.name, *state.aliases]),
        "custody_status": state.custody_status.value,
        "articles": articles_document(state.charges),
    }


def _recommendation_columns(state: RecommendationState) -> dict[str, Any]:
    return {
        "code": state.code[:200],
        "search_text": search_document([state.code, state.text, state.theme, state.addressee]),
        "status": state.status.value,
        "addressee": state.addressee[:500],
    }


PERSONS: Kind[PersonState] = Kind(
    prefix="person-",
    table=PersonStateRow.__table__,  # type: ignore[arg-type]
    empty=empty_person,
    apply=apply_person,
    encode=person_to_json,
    decode=person_from_json,
    columns=_person_columns,
    links=None,
    bound=bound_person,
)

RECOMMENDATIONS: Kind[RecommendationState] = Kind(
    prefix="recommendation-",
    table=RecommendationStateRow.__table__,  # type: ignore[arg-type]
    empty=empty_recommendation,
    apply=apply_recommendation,
    encode=recommendation_to_json,
    decode=recommendation_from_json,
    columns=_recommendation_columns,
    links=lambda state: state.person_ids,
    bound=bound_recommendation,
)

KINDS: tuple[Kind[Any], ...] = (PERSONS, RECOMMENDATIONS)


def kind_of(stream_id: str) -> Kind[Any] | None:
    """Indicator streams (and any other kind) are not projected."""
    for kind in KINDS:
        if stream_id.startswith(kind.prefix):
            return kind
    return None
