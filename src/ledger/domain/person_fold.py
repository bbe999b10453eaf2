"""A person's state as the fold of the events that count, in the contract's fold order.

Custody transitions (the status after an event; ``custodySince`` becomes the event's occurredOn
only when the status actually changes):

=====================================================  ==========================================
event                                                  custody status afterwards
=====================================================  ==========================================
PersonDetained (any kind)                              DETAINED
PersonSentenced IMPRISONMENT                           IMPRISONED
PersonSentenced ADMINISTRATIVE_ARREST,                 DETAINED
COMPULSORY_TREATMENT
PersonSentenced SUSPENDED, RESTRICTION_OF_LIBERTY,     RESTRICTED
CORRECTIONAL_LABOUR, BAN
PersonSentenced FINE                                   unchanged
AppealDecided OVERTURNED                               FREE
AppealDecided with a ``sentence``                      replaces the latest sentence; as sentenced
ParoleDecided granted                                  RESTRICTED (refused: unchanged)
PersonReleased PAROLE, HEALTH, CONVERSION,             RESTRICTED
PENDING_TRIAL
PersonReleased END_OF_TERM, PARDON, AMNESTY,           FREE
ACQUITTAL, NO_CHARGE, END_OF_DETENTION
PersonReleased with ``resultingStatus``                that status (the source knows better)
PersonPardoned unconditional / conditional             FREE / RESTRICTED
RestrictionImposed                                     RESTRICTED if UNKNOWN or FREE (held stays)
CustodyObserved                                        the observed status
anything else                                          unchanged
=====================================================  ==========================================

Linked recommendations are not part of the fold: they live in the recommendation streams that
name the person, and the read model joins them at the queried point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.states import (
    Charge,
    Designation,
    PersonState,
    Restriction,
    Sentence,
    UnDecision,
    evolve,
    fold_states,
)
from ledger.domain.statuses import CustodyStatus

SENTENCE_CUSTODY: Mapping[str, CustodyStatus | None] = {
    "IMPRISONMENT": CustodyStatus.IMPRISONED,
    "ADMINISTRATIVE_ARREST": CustodyStatus.DETAINED,
    "COMPULSORY_TREATMENT": CustodyStatus.DETAINED,
    "SUSPENDED": CustodyStatus.RESTRICTED,
    "RESTRICTION_OF_LIBERTY": CustodyStatus.RESTRICTED,
    "CORRECTIONAL_LABOUR": CustodyStatus.RESTRICTED,
    "BAN": CustodyStatus.RESTRICTED,
    "FINE": None,
}

RELEASE_CUSTODY: Mapping[str, CustodyStatus] = {
    "PAROLE": CustodyStatus.RESTRICTED,
    "HEALTH": CustodyStatus.RESTRICTED,
    "CONVERSION": CustodyStatus.RESTRICTED,
    "PENDING_TRIAL": CustodyStatus.RESTRICTED,
    "END_OF_TERM": CustodyStatus.FREE,
    "PARDON": CustodyStatus.FREE,
    "AMNESTY": CustodyStatus.FREE,
    "ACQUITTAL": CustodyStatus.FREE,
    "NO_CHARGE": CustodyStatus.FREE,
    "END_OF_DETENTION": CustodyStatus.FREE,
}


def empty_person(stream_id: str) -> PersonState:
    """A person before any event: known only by the stream id, custody UNKNOWN."""
    return PersonState(stream_id=stream_id, name=stream_id)


def fold_person(stream_id: str, events: Iterable[RecordedEvent]) -> PersonState:
    """Events must already be the counting ones, in fold order (see ``domain.counting``)."""
    return fold_states(empty_person(stream_id), apply_person, events)


def apply_person(state: PersonState, event: RecordedEvent) -> PersonState:
    """One step of the fold. It leaves ``event_ids`` alone: the projections store one state per
    version, and a list of every counting event in each would grow with the square of history."""
    handler = _HANDLERS.get(event.type)
    return handler(state, event, event.current_data) if handler is not None else state


def _custody(state: PersonState, event: RecordedEvent, status: CustodyStatus | None) -> PersonState:
    if status is None or status == state.custody_status:
        return state
    return evolve(state, custody_status=status, custody_since=event.occurred_on)


def _sentence(terms: Mapping[str, Any], event: RecordedEvent) -> Sentence:
    return Sentence(
        kind=str(terms["kind"]),
        term_months=terms.get("termMonths"),
        articles=tuple(terms.get("articles", ())),
        court=terms.get("court"),
        imposed_on=event.occurred_on,
        event_id=str(event.id),
    )


def _profiled(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    return evolve(
        state,
        name=str(data["name"]),
        aliases=tuple(data.get("aliases", ())),
        roles=tuple(data.get("roles", ())),
    )


def _detained(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    return _custody(state, event, CustodyStatus.DETAINED)


def _charged(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    charge = Charge(
        article=str(data["article"]),
        code=str(data.get("code", "Criminal Code")),
        description=data.get("description"),
        charged_on=event.occurred_on,
        event_id=str(event.id),
    )
    return evolve(state, charges=(*state.charges, charge))


def _charge_dropped(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    article, code = str(data["article"]), str(data.get("code", "Criminal Code"))
    charges = list(state.charges)
    for index in range(len(charges) - 1, -1, -1):
        if charges[index].article == article and charges[index].code == code:
            del charges[index]
            return evolve(state, charges=tuple(charges))
    return state


def _sentenced(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    sentenced = evolve(
        state,
        sentences=(*state.sentences, _sentence(data, event)),
        charges=_convicted(state.charges, event, data),
    )
    return _custody(sentenced, event, SENTENCE_CUSTODY[str(data["kind"])])


def _convicted(
    charges: tuple[Charge, ...], event: RecordedEvent, data: dict[str, Any]
) -> tuple[Charge, ...]:
    """A conviction implies the charges under its articles: a charge already brought under the
    article is marked convicted; otherwise one is added, dated as the sentence."""
    code = "Administrative Code" if data["kind"] == "ADMINISTRATIVE_ARREST" else "Criminal Code"
    result = list(charges)
    for article in data.get("articles", ()):
        index = next(
            (i for i, c in enumerate(result) if c.article == article and c.code == code), None
        )
        if index is None:
            result.append(
                Charge(
                    article=str(article),
                    code=code,
                    description=None,
                    charged_on=event.occurred_on,
                    event_id=str(event.id),
                    convicted_on=event.occurred_on,
                )
            )
        elif result[index].convicted_on is None:
            result[index] = evolve(result[index], convicted_on=event.occurred_on)
    return tuple(result)


def bound_person(certain: PersonState, possible: PersonState) -> PersonState:
    """The certain state, carrying the custody status the possible fold answers if it differs."""
    status = possible.custody_status
    carried = status if status != certain.custody_status else None
    if carried == certain.possible_custody_status:
        return certain  # the common case, and no copy: nothing the possible fold adds
    return evolve(certain, possible_custody_status=carried)


def _appeal(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    if data["outcome"] == "OVERTURNED":
        return _custody(state, event, CustodyStatus.FREE)
    terms = data.get("sentence")
    if terms is None:
        return state
    sentences = (*state.sentences[:-1], _sentence(terms, event))
    return _custody(evolve(state, sentences=sentences), event, SENTENCE_CUSTODY[terms["kind"]])


def _parole(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    return _custody(state, event, CustodyStatus.RESTRICTED if data["granted"] else None)


def _released(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    resulting = data.get("resultingStatus")
    status = CustodyStatus(resulting) if resulting else RELEASE_CUSTODY[str(data["grounds"])]
    return _custody(state, event, status)


def _pardoned(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    unconditional = data.get("unconditional", True)
    return _custody(state, event, CustodyStatus.FREE if unconditional else CustodyStatus.RESTRICTED)


def _restricted(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    restriction = Restriction(
        kind=str(data["kind"]),
        description=data.get("description"),
        imposed_on=event.occurred_on,
        active=True,
        event_id=str(event.id),
    )
    added = evolve(state, restrictions=(*state.restrictions, restriction))
    if state.custody_status in (CustodyStatus.UNKNOWN, CustodyStatus.FREE):
        return _custody(added, event, CustodyStatus.RESTRICTED)
    return added


def _lifted(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    restrictions = list(state.restrictions)
    for index in range(len(restrictions) - 1, -1, -1):
        if restrictions[index].kind == data["kind"] and restrictions[index].active:
            restrictions[index] = evolve(restrictions[index], active=False)
            return evolve(state, restrictions=tuple(restrictions))
    return state


def _un_decision(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    decision = UnDecision(
        body=str(data["body"]),
        reference=str(data["reference"]),
        adopted_on=event.occurred_on,
        demands=tuple(data.get("demands", ())),
        event_id=str(event.id),
    )
    return evolve(state, un_decisions=(*state.un_decisions, decision))


def _observed(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    return _custody(state, event, CustodyStatus(data["status"]))


def _designated(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    return evolve(
        state, designations=(*state.designations, _designation(str(data["label"]), data, event))
    )


def _reassessed(state: PersonState, event: RecordedEvent, data: dict[str, Any]) -> PersonState:
    designations = list(state.designations)
    for index in range(len(designations) - 1, -1, -1):
        found = designations[index]
        same = found.assessor == data["assessor"] and found.label == data["label"]
        if same and not found.withdrawn:
            designations[index] = evolve(found, withdrawn=True)
            break
    if data.get("newLabel"):
        designations.append(_designation(str(data["newLabel"]), data, event))
    return evolve(state, designations=tuple(designations))


def _designation(label: str, data: Mapping[str, Any], event: RecordedEvent) -> Designation:
    return Designation(
        label=label,
        assessor=str(data["assessor"]),
        designated_on=event.occurred_on,
        withdrawn=False,
        sources=event.sources,
        event_id=str(event.id),
    )


_HANDLERS = {
    "PersonProfiled": _profiled,
    "PersonDetained": _detained,
    "PersonCharged": _charged,
    "ChargeDropped": _charge_dropped,
    "PersonSentenced": _sentenced,
    "AppealDecided": _appeal,
    "ParoleDecided": _parole,
    "PersonReleased": _released,
    "PersonPardoned": _pardoned,
    "RestrictionImposed": _restricted,
    "RestrictionLifted": _lifted,
    "UnDecisionAdopted": _un_decision,
    "CustodyObserved": _observed,
    "DesignationMade": _designated,
    "DesignationReassessed": _reassessed,
}
