"""Partial dates: a day, a month or a year, as precise as the source."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import ValidationError
from ledger.domain.partial_date import PartialDate, Precision


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
    precision = draw(st.sampled_from(list(Precision)))
    if precision is Precision.YEAR:
        return PartialDate(day.year)
    if precision is Precision.MONTH:
        return PartialDate(day.year, day.month)
    return PartialDate(day.year, day.month, day.day)


def test_a_day_is_its_own_earliest_and_latest_day() -> None:
    value = PartialDate.parse("2019-12-27")
    assert value.precision is Precision.DAY
    assert value.earliest == value.latest == date(2019, 12, 27)


def test_a_month_spans_its_first_to_its_last_day() -> None:
    value = PartialDate.parse("2020-02")
    assert value.precision is Precision.MONTH
    assert (value.earliest, value.latest) == (date(2020, 2, 1), date(2020, 2, 29))


def test_a_year_spans_january_first_to_december_31st() -> None:
    value = PartialDate.parse("2019")
    assert value.precision is Precision.YEAR
    assert (value.earliest, value.latest) == (date(2019, 1, 1), date(2019, 12, 31))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2019-02-30", "day 30 does not exist in 2019-02"),
        ("2019-13", "month 13 does not exist"),
        ("19-1-1", "is not a partial date"),
        ("2019-1", "is not a partial date"),
        ("", "is not a partial date"),
        ("2019-12-27T10:00", "is not a partial date"),
        ("0000", "out of range"),
    ],
)
def test_impossible_dates_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        PartialDate.parse(text)


def test_order_is_by_latest_then_earliest_day() -> None:
    year, month, day = (PartialDate.parse(t) for t in ("2019", "2019-12", "2019-12-31"))
    # All three end on 2019-12-31; the one that may have begun earliest sorts first.
    assert sorted([day, month, year]) == [year, month, day]
    assert PartialDate.parse("2019-06-30") < PartialDate.parse("2019")


@given(partial_dates())
def test_text_round_trips_through_parse(value: PartialDate) -> None:
    assert PartialDate.parse(value.text) == value
    assert PartialDate.from_json(value.to_json()) == value


@given(partial_dates())
def test_earliest_is_never_after_latest_and_both_share_its_year(value: PartialDate) -> None:
    assert value.earliest <= value.latest
    assert value.earliest.year == value.latest.year == value.year


@given(partial_dates(), partial_dates())
def test_ordering_is_total_and_agrees_with_the_sort_key(a: PartialDate, b: PartialDate) -> None:
    assert (a < b) == (a.sort_key() < b.sort_key())
    assert (a < b) + (b < a) + (a == b) == 1
