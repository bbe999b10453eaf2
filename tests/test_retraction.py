"""Retraction: a retracted event stops counting from the retraction's recordedAt, never before;
retracting twice, retracting a retraction and retracting an unknown event are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.container import Ledger
from ledger.domain.errors import NotFound, ValidationError
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source
from ledger.domain.statuses import CustodyStatus
from ledger.domain.time_point import TimePoint
from ledger.projections.rebuild import verify_projections

SOURCES = (Source(title="test"),)
START = datetime(2026, 1, 1, tzinfo=UTC)


def sentence(ledger: Ledger) -> RecordedEvent:
    ledger.service.clock = lambda: START
    detained = NewEvent(
        "PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, SOURCES, PartialDate.parse("2019-01")
    )
    sentenced = NewEvent(
        "PersonSentenced", {"kind": "IMPRISONMENT"}, SOURCES, PartialDate.parse("2019-06")
    )
    return ledger.service.append("person-a", [detained, sentenced], recorded_by="t").events[1]


def retract_later(ledger: Ledger, event: RecordedEvent) -> RecordedEvent:
    ledger.service.clock = lambda: START + timedelta(hours=1)
    return ledger.service.retract(event.id, "wrong person", SOURCES, recorded_by="t")


def custody(ledger: Ledger, known_at: datetime | None = None) -> CustodyStatus:
    state = ledger.read_model.person("person-a", TimePoint(date(2020, 1, 1), known_at))
    assert state is not None
    return state.custody_status


def test_retraction_hides_event_after_its_record_time(ledger: Ledger) -> None:
    retract_later(ledger, sentence(ledger))
    assert custody(ledger) is CustodyStatus.DETAINED


def test_retraction_is_invisible_with_known_at_before_its_record_time(ledger: Ledger) -> None:
    retraction = retract_later(ledger, sentence(ledger))
    assert custody(ledger, retraction.recorded_at - timedelta(microseconds=1)) is (
        CustodyStatus.IMPRISONED
    )
    assert custody(ledger, retraction.recorded_at) is CustodyStatus.DETAINED


def test_retraction_is_appended_to_the_retracted_events_stream(ledger: Ledger) -> None:
    retraction = retract_later(ledger, sentence(ledger))
    assert retraction.stream_id == "person-a"
    assert retraction.type == "EventRetracted"


def test_retracted_event_leaves_the_counting_events_but_the_retraction_is_never_folded(
    ledger: Ledger,
) -> None:
    target = sentence(ledger)
    retraction = retract_later(ledger, target)
    counting = ledger.read_model.stream_events("person-a", TimePoint(date(2020, 1, 1)))
    assert target.id not in {e.id for e in counting}
    assert retraction.id not in {e.id for e in counting}
    found = ledger.read_model.retractions_of([str(target.id)], TimePoint())
    assert found[str(target.id)].id == retraction.id


def test_retracting_twice_is_refused(ledger: Ledger) -> None:
    target = sentence(ledger)
    retract_later(ledger, target)
    with pytest.raises(ValidationError, match="already retracted"):
        retract_later(ledger, target)


def test_retracting_a_retraction_is_refused(ledger: Ledger) -> None:
    retraction = retract_later(ledger, sentence(ledger))
    with pytest.raises(ValidationError, match="cannot be retracted"):
        retract_later(ledger, retraction)


def test_retracting_an_unknown_event_is_refused(ledger: Ledger) -> None:
    with pytest.raises(NotFound, match="no event"):
        ledger.service.retract(uuid4(), "nothing", SOURCES, recorded_by="t")


def test_a_correction_is_a_retraction_plus_a_new_event(ledger: Ledger) -> None:
    target = sentence(ledger)
    retract_later(ledger, target)
    corrected = NewEvent(
        "PersonSentenced", {"kind": "SUSPENDED"}, SOURCES, PartialDate.parse("2019-06")
    )
    ledger.service.append("person-a", [corrected], recorded_by="t")
    assert custody(ledger) is CustodyStatus.RESTRICTED


def test_an_event_retracted_in_the_same_append_never_counts(ledger: Ledger) -> None:
    mistaken = uuid4()
    ledger.service.append(
        "person-a",
        [
            NewEvent(
                "PersonDetained",
                {"kind": "HOUSE_ARREST"},
                SOURCES,
                PartialDate.parse("2019-01"),
                id=mistaken,
            ),
            NewEvent("EventRetracted", {"eventId": str(mistaken), "reason": "typo"}, SOURCES),
            NewEvent("CustodyObserved", {"status": "FREE"}, SOURCES, PartialDate.parse("2018")),
        ],
        recorded_by="t",
    )
    state = ledger.read_model.person("person-a", TimePoint(as_of=date(2020, 1, 1)))
    assert state is not None
    assert state.custody_status is CustodyStatus.FREE
    assert str(mistaken) not in state.event_ids
    assert verify_projections(ledger.engine).ok


def test_a_retraction_cannot_be_retracted_in_the_call_that_appends_it(ledger: Ledger) -> None:
    mistaken, retraction = uuid4(), uuid4()
    events = [
        NewEvent(
            "PersonDetained",
            {"kind": "HOUSE_ARREST"},
            SOURCES,
            PartialDate.parse("2019-01"),
            id=mistaken,
        ),
        NewEvent(
            "EventRetracted", {"eventId": str(mistaken), "reason": "typo"}, SOURCES, id=retraction
        ),
        NewEvent("EventRetracted", {"eventId": str(retraction), "reason": "undo"}, SOURCES),
    ]
    with pytest.raises(ValidationError, match="a retraction cannot be retracted") as refused:
        ledger.service.append("person-a", events, recorded_by="t")
    assert refused.value.field == ["events", "2", "data", "eventId"]
    assert ledger.store.head().position == 0


def test_a_retraction_names_the_event_it_retracts_and_no_other_event_names_one(
    ledger: Ledger,
) -> None:
    sentenced = sentence(ledger)
    retraction = retract_later(ledger, sentenced)
    assert retraction.retracts == sentenced.id
    assert sentenced.retracts is None
    stored = ledger.store.get(retraction.id)
    assert stored is not None and stored.retracts == sentenced.id
