"""The state of a person and of a recommendation at one (asOf, knownAt) point: what folds produce
and what the read model serves. Plain frozen data, JSON round-trippable for projection rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.statuses import CustodyStatus, ImplementationStatus


@dataclass(frozen=True, slots=True)
class Charge:
    article: str
    code: str
    description: str | None
    charged_on: PartialDate | None
    event_id: str
    #: set when a sentence convicts under this article: the sentence's date
    convicted_on: PartialDate | None = None


@dataclass(frozen=True, slots=True)
class Sentence:
    kind: str
    term_months: int | None
    articles: tuple[str, ...]
    court: str | None
    imposed_on: PartialDate | None
    event_id: str


@dataclass(frozen=True, slots=True)
class UnDecision:
    body: str
    reference: str
    adopted_on: PartialDate | None
    demands: tuple[str, ...]
    event_id: str


@dataclass(frozen=True, slots=True)
class Designation:
    label: str
    assessor: str
    designated_on: PartialDate | None
    withdrawn: bool
    sources: tuple[dict[str, Any], ...]
    event_id: str


@dataclass(frozen=True, slots=True)
class Restriction:
    kind: str
    description: str | None
    imposed_on: PartialDate | None
    active: bool
    event_id: str


@dataclass(frozen=True, slots=True)
class PersonState:
    stream_id: str
    name: str
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    custody_status: CustodyStatus = CustodyStatus.UNKNOWN
    custody_since: PartialDate | None = None
    charges: tuple[Charge, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    un_decisions: tuple[UnDecision, ...] = ()
    designations: tuple[Designation, ...] = ()
    restrictions: tuple[Restriction, ...] = ()
    #: ids of the events that count, in fold order: what produced this state
    event_ids: tuple[str, ...] = ()
    #: the custody status if every straddling event (dated across asOf) had happened, when that
    #: differs from ``custody_status``; None: the answer is certain
    possible_custody_status: CustodyStatus | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    status: ImplementationStatus
    wording: str
    assessed_on: PartialDate
    assessor: str
    rationale: str | None
    sources: tuple[dict[str, Any], ...]
    event_id: str
    #: stream ids of the persons the assessment names (not only those the recommendation names)
    mentioned_person_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecommendationState:
    stream_id: str
    code: str
    text: str
    instrument: str
    issued_on: PartialDate | None
    addressee: str
    theme: str
    status: ImplementationStatus = ImplementationStatus.NOT_ASSESSED
    status_wording: str | None = None
    assessments: tuple[Assessment, ...] = ()
    person_ids: tuple[str, ...] = ()
    #: ids of the events that count, in fold order: what produced this state
    event_ids: tuple[str, ...] = ()
    #: the status if every straddling event had happened, when that differs from ``status``
    possible_status: ImplementationStatus | None = None

    @property
    def mentioned_person_ids(self) -> tuple[str, ...]:
        """The persons its assessments name, each once, in the order first named."""
        return tuple(dict.fromkeys(pid for a in self.assessments for pid in a.mentioned_person_ids))


State = TypeVar("State", PersonState, RecommendationState)
Frozen = TypeVar("Frozen")
_FIELDS: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def evolve(value: Frozen, /, **changes: Any) -> Frozen:
    """``dataclasses.replace`` for these frozen dataclasses, without looking the class's fields
    up again and running ``__init__`` at every copy: a fold copies its state at most events,
    the possible fold of every version again, and a rebuild of a long log spent about a third
    of its time in ``replace``. None of these classes has a ``__post_init__`` to skip."""
    kind = type(value)
    known = _FIELDS.get(kind)
    if known is None:
        names = tuple(item.name for item in fields(kind))  # type: ignore[arg-type]
        known = _FIELDS[kind] = (names, frozenset(names))
    names, allowed = known
    if not allowed.issuperset(changes):
        raise TypeError(f"{kind.__name__} has no field {sorted(set(changes) - allowed)[0]}")
    copy = object.__new__(kind)
    for name in names:
        object.__setattr__(copy, name, changes[name] if name in changes else getattr(value, name))
    return copy


def fold_states(
    state: State, apply: Callable[[State, RecordedEvent], State], events: Iterable[RecordedEvent]
) -> State:
    """Fold counting events (already in fold order) into ``state``, recording which did."""
    ids: list[str] = []
    for event in events:
        state = apply(state, event)
        ids.append(str(event.id))
    return evolve(state, event_ids=tuple(ids))
