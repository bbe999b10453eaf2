"""A recommendation's state as the fold of the events that count, in the contract's fold order.

``RecommendationIssued`` sets what was asked, of whom, and which persons it names; each
``ImplementationAssessed`` is kept (oldest first, by fold order) and the latest one sets the
status and its wording. Before any assessment the status is NOT_ASSESSED.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.states import Assessment, RecommendationState, evolve, fold_states
from ledger.domain.statuses import ImplementationStatus


def empty_recommendation(stream_id: str) -> RecommendationState:
    """Before its issuing event is known, a recommendation is named by its stream id."""
    return RecommendationState(
        stream_id=stream_id,
        code=stream_id,
        text="",
        instrument="",
        issued_on=None,
        addressee="",
        theme="",
    )


def fold_recommendation(stream_id: str, events: Iterable[RecordedEvent]) -> RecommendationState:
    """Events must already be the counting ones, in fold order (see ``domain.counting``)."""
    return fold_states(empty_recommendation(stream_id), apply_recommendation, events)


def apply_recommendation(state: RecommendationState, event: RecordedEvent) -> RecommendationState:
    """One step of the fold; like ``apply_person`` it leaves ``event_ids`` to the whole fold."""
    data = event.current_data
    if event.type == "RecommendationIssued":
        return evolve(
            state,
            code=str(data["code"]),
            text=str(data["text"]),
            instrument=str(data["instrument"]),
            issued_on=event.occurred_on,
            addressee=str(data["addressee"]),
            theme=str(data["theme"]),
            person_ids=tuple(data.get("personIds", ())),
        )
    if event.type == "ImplementationAssessed" and event.occurred_on is not None:
        assessment = Assessment(
            status=ImplementationStatus(data["status"]),
            wording=str(data["wording"]),
            assessed_on=event.occurred_on,
            assessor=str(data["assessor"]),
            rationale=data.get("rationale"),
            sources=event.sources,
            event_id=str(event.id),
            mentioned_person_ids=tuple(data.get("mentionedPersonIds", ())),
        )
        return evolve(
            state,
            status=assessment.status,
            status_wording=assessment.wording,
            assessments=(*state.assessments, assessment),
        )
    return state


def bound_recommendation(
    certain: RecommendationState, possible: RecommendationState
) -> RecommendationState:
    """The certain state, carrying the status the possible fold answers if it differs."""
    status = possible.status
    carried = status if status != certain.status else None
    if carried == certain.possible_status:
        return certain  # the common case, and no copy: nothing the possible fold adds
    return evolve(certain, possible_status=carried)
