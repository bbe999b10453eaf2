"""The recommendation fold: issued fields, assessments oldest first, status from the latest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from ledger.domain.partial_date import PartialDate
from ledger.domain.recommendation_fold import fold_recommendation
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.statuses import ImplementationStatus


def event(type_name: str, data: dict[str, Any], on: str, position: int) -> RecordedEvent:
    return RecordedEvent(
        uuid4(),
        position,
        "recommendation-r",
        position,
        type_name,
        1,
        PartialDate.parse(on),
        datetime(2026, 1, 1, tzinfo=UTC),
        "test",
        data,
        ({"title": "s"},),
        "",
        "",
    )


ISSUED = event(
    "RecommendationIssued",
    {
        "code": "EP-2019-KZ-05",
        "text": "Release",
        "instrument": "EP 2019/2610(RSP)",
        "addressee": "Kazakhstan",
        "theme": "Political prisoners",
        "personIds": ["person-a"],
    },
    "2019-03-14",
    1,
)


def assessed(status: str, on: str, position: int) -> RecordedEvent:
    return event(
        "ImplementationAssessed",
        {"status": status, "wording": f"{status} wording", "assessor": "X"},
        on,
        position,
    )


def test_an_issued_recommendation_is_not_assessed_and_names_its_persons() -> None:
    state = fold_recommendation("recommendation-r", [ISSUED])
    assert state.code == "EP-2019-KZ-05"
    assert state.status is ImplementationStatus.NOT_ASSESSED
    assert state.status_wording is None
    assert state.person_ids == ("person-a",)


def test_assessments_are_kept_oldest_first_and_the_latest_sets_the_status() -> None:
    events = [ISSUED, assessed("NOT_IMPLEMENTED", "2020", 2), assessed("IMPLEMENTED", "2021", 3)]
    state = fold_recommendation("recommendation-r", events)
    assert [a.status for a in state.assessments] == [
        ImplementationStatus.NOT_IMPLEMENTED,
        ImplementationStatus.IMPLEMENTED,
    ]
    assert state.status is ImplementationStatus.IMPLEMENTED
    assert state.status_wording == "IMPLEMENTED wording"


def test_a_recommendation_known_only_by_assessments_is_named_by_its_stream_id() -> None:
    state = fold_recommendation("recommendation-r", [assessed("IMPLEMENTED", "2021", 2)])
    assert state.code == "recommendation-r"
