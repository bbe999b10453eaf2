"""The contract's time rules, one example each, through the stored projections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.statuses import CustodyStatus
from ledger.domain.time_point import TimePoint

SOURCES = (Source(title="test"),)
START = datetime(2026, 1, 1, tzinfo=UTC)


def dated(type_name: str, data: dict[str, object], on: str) -> NewEvent:
    return NewEvent(type_name, data, SOURCES, PartialDate.parse(on))


def at_day(ledger: Ledger, day: int) -> None:
    ledger.service.clock = lambda: START + timedelta(days=day)


def status(ledger: Ledger, as_of: str, known_at: datetime | None = None) -> CustodyStatus | None:
    state = ledger.read_model.person("person-a", TimePoint(date.fromisoformat(as_of), known_at))
    return state.custody_status if state else None


def test_an_event_dated_by_year_counts_only_from_the_last_day_of_that_year(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a", [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019")], recorded_by="t"
    )
    assert status(ledger, "2019-06-30") is None
    assert status(ledger, "2019-12-31") is CustodyStatus.DETAINED


def test_an_event_dated_by_month_counts_from_the_last_day_of_that_month(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a", [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019-02")], recorded_by="t"
    )
    assert status(ledger, "2019-02-27") is None
    assert status(ledger, "2019-02-28") is CustodyStatus.DETAINED


def test_an_undated_fact_counts_at_every_date(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a", [NewEvent("PersonProfiled", {"name": "A"}, SOURCES)], recorded_by="t"
    )
    state = ledger.read_model.person("person-a", TimePoint(date(1950, 1, 1)))
    assert state is not None and state.name == "A"


def test_an_event_recorded_today_about_2016_changes_2017_but_not_what_was_known_yesterday(
    ledger: Ledger,
) -> None:
    at_day(ledger, 0)
    ledger.service.append(
        "person-a",
        [dated("PersonReleased", {"grounds": "END_OF_TERM"}, "2018-05")],
        recorded_by="t",
    )
    at_day(ledger, 10)
    ledger.service.append(
        "person-a",
        [dated("PersonSentenced", {"kind": "IMPRISONMENT"}, "2016-03-01")],
        recorded_by="t",
    )
    yesterday = START + timedelta(days=9)
    assert status(ledger, "2017-01-01") is CustodyStatus.IMPRISONED
    assert status(ledger, "2017-01-01", yesterday) is None
    assert status(ledger, "2019-01-01", yesterday) is CustodyStatus.FREE


def test_the_fold_orders_by_latest_day_then_earliest_day_then_position(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a",
        [
            dated("CustodyObserved", {"status": "FREE"}, "2019-12-31"),
            dated("CustodyObserved", {"status": "DETAINED"}, "2019"),
        ],
        recorded_by="t",
    )
    # Both end on 2019-12-31; the year starts earlier, so the day-precise observation is last.
    assert status(ledger, "2020-01-01") is CustodyStatus.FREE


def test_knowledge_before_the_first_record_sees_nothing(ledger: Ledger) -> None:
    at_day(ledger, 5)
    ledger.service.append(
        "person-a", [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019")], recorded_by="t"
    )
    assert status(ledger, "2020-01-01", START) is None
    assert status(ledger, "2020-01-01", START + timedelta(days=5)) is CustodyStatus.DETAINED
