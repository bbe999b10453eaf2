"""Partial dates: a day, a month, a year or an interval, as precise as the source."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.errors import ValidationError
from ledger.domain.partial_date import PartialDate, Precision


@st.composite
def calendar_dates(draw: st.DrawFn) -> PartialDate:
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
    precision = draw(st.sampled_from([Precision.YEAR, Precision.MONTH, Precision.DAY]))
    if precision is Precision.YEAR:
        return PartialDate.of(day.year)
    if precision is Precision.MONTH:
        return PartialDate.of(day.year, day.month)
    return PartialDate.of(day.year, day.month, day.day)


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    """Single dates (maybe qualified) and intervals with partial or open ends."""
    shape = draw(st.sampled_from(["single", "approximate", "uncertain", "interval", "open"]))
    first = draw(calendar_dates())
    if shape == "single":
        return first
    if shape in ("approximate", "uncertain"):
        return PartialDate.parse(first.text + ("~" if shape == "approximate" else "?"))
    if shape == "open":
        return PartialDate.parse(draw(st.sampled_from([f"../{first}", f"{first}/.."])))
    second = draw(calendar_dates())
    low, high = sorted([first, second], key=lambda value: value.earliest)
    return PartialDate.parse(f"{low}/{high}")


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
        ("2020/2019", "starts \\(2020\\) after it ends \\(2019\\)"),
        ("2019-12/2019-06", "starts \\(2019-12\\) after it ends \\(2019-06\\)"),
        ("../..", "at least one end"),
        ("2019~?", "at most one qualifier"),
        ("2019?~", "at most one qualifier"),
        ("2019-13/2020", "month 13 does not exist"),
        ("2019-02-29/..", "day 29 does not exist in 2019-02"),
        ("2019/2020~", "is not a partial date"),
        ("2019~/2020", "is not a partial date"),
        ("2019/2020/2021", "one '/'"),
        ("/2020", "is not a partial date"),
        ("2019/", "is not a partial date"),
        ("2019%", "is not a partial date"),
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


@given(calendar_dates())
def test_a_single_date_starts_and_ends_in_its_year(value: PartialDate) -> None:
    assert value.earliest is not None and value.latest is not None
    assert value.earliest <= value.latest
    assert value.earliest.year == value.latest.year


@given(partial_dates())
def test_the_first_day_is_never_after_the_last(value: PartialDate) -> None:
    assert value.first_day <= value.last_day
    assert (value.earliest is None) == (value.first_day == date.min)
    assert (value.latest is None) == (value.last_day == date.max)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("2019-09-23/2020", date(2019, 9, 23), date(2020, 12, 31)),
        ("2019/2020", date(2019, 1, 1), date(2020, 12, 31)),
        ("2019/2019-06", date(2019, 1, 1), date(2019, 6, 30)),
        ("../2020-02-17", None, date(2020, 2, 17)),
        ("2019-03-14/..", date(2019, 3, 14), None),
    ],
)
def test_an_interval_spans_its_first_ends_first_day_to_its_last_ends_last_day(
    text: str, earliest: date | None, latest: date | None
) -> None:
    value = PartialDate.parse(text)
    assert value.precision is Precision.RANGE
    assert (value.earliest, value.latest) == (earliest, latest)
    assert value.text == text
    assert not value.approximate and not value.uncertain


def test_qualifiers_keep_the_dates_span_and_say_how_sure_the_source_is() -> None:
    roughly, doubtful = PartialDate.parse("2007~"), PartialDate.parse("2015-12?")
    assert roughly.approximate and not roughly.uncertain
    assert doubtful.uncertain and not doubtful.approximate
    assert (roughly.precision, roughly.earliest, roughly.latest) == (
        Precision.YEAR,
        date(2007, 1, 1),
        date(2007, 12, 31),
    )
    assert (doubtful.earliest, doubtful.latest) == (date(2015, 12, 1), date(2015, 12, 31))
    assert (roughly.text, doubtful.text) == ("2007~", "2015-12?")


def test_an_open_end_sorts_last_and_an_open_start_first() -> None:
    values = [PartialDate.parse(t) for t in ("2019-03-14/..", "2019", "../2019", "../2018")]
    assert [v.text for v in sorted(values)] == ["../2018", "../2019", "2019", "2019-03-14/.."]


@given(partial_dates(), partial_dates())
def test_ordering_is_by_the_sort_key_alone(a: PartialDate, b: PartialDate) -> None:
    assert (a < b) == (a.sort_key() < b.sort_key())
    assert (a < b) + (b < a) + (a.sort_key() == b.sort_key()) == 1
