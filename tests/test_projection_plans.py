"""The projector's statements on PostgreSQL: a fixed number per append call whatever the number
of streams, and planned on the per-stream indexes, never as a walk of a listing index or of the
events' primary key (which is what a freshly filled database without statistics got:
milliseconds per statement), with statistics or without."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from conftest import make_ledger
from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.store.engine import analyze

SOURCES = (Source(title="Report"),)
PROJECTIONS = ("person_states", "recommendation_states", "recommendation_persons")


def profile(index: int) -> NewEvent:
    return NewEvent("PersonProfiled", {"name": f"Person {index}", "aliases": []}, SOURCES)


def detained(on: str) -> NewEvent:
    return NewEvent(
        "PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, SOURCES, PartialDate.parse(on)
    )


def fill(ledger: Ledger, persons: int, analysed: bool = True) -> None:
    """Persons with a few dated events each, loaded the way `ledger load` loads (and analyses),
    or appended by the service alone, before autovacuum has gathered any statistics."""
    streams = tuple(
        StreamAppend(
            f"person-{index:04d}",
            (profile(index), *(detained(f"{2010 + year}-0{1 + index % 9}") for year in range(4))),
        )
        for index in range(persons)
    )
    for start in range(0, persons, 50):
        ledger.service.append_events(AppendEvents(streams[start : start + 50], "t"))
    if analysed:
        analyze(ledger.engine)


@contextmanager
def statements(ledger: Ledger) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)


def append_to(ledger: Ledger, count: int, on: str, events: int = 25) -> list[tuple[str, Any]]:
    """``events`` events dated ``on``, spread over the first ``count`` streams."""
    each = (detained(on),) * (events // count)
    command = AppendEvents(
        tuple(StreamAppend(f"person-{index:04d}", each) for index in range(count)), "t"
    )
    with statements(ledger) as seen:
        ledger.service.append_events(command)
    return seen


def test_an_append_call_costs_the_same_statements_for_1_5_and_25_streams(ledger: Ledger) -> None:
    fill(ledger, 30)
    counts = {count: len(append_to(ledger, count, "2012-06-15")) for count in (1, 5, 25)}
    assert counts[1] == counts[5] == counts[25], counts


@pytest.fixture
def postgres(fresh_database_url: Any) -> Iterator[Ledger]:
    ledger = make_ledger(fresh_database_url("postgres"))
    yield ledger
    ledger.close()


@pytest.mark.postgres
@pytest.mark.parametrize("analysed", [True, False], ids=["analysed", "without-statistics"])
def test_projector_statements_never_scan_a_listing_index(postgres: Ledger, analysed: bool) -> None:
    fill(postgres, 400, analysed)
    seen = append_to(postgres, 25, "2012-06-15")  # mid-history: the re-fold reads stored rows
    reads = [
        (statement, parameters)
        for statement, parameters in seen
        if statement.lstrip().upper().startswith("SELECT")
        and any(table in statement for table in PROJECTIONS)
    ]
    assert reads
    with postgres.engine.connect() as connection:
        for statement, parameters in reads:
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )
            assert "_listing" not in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("analysed", [True, False], ids=["analysed", "without-statistics"])
def test_the_projectors_read_of_earlier_events_never_walks_the_primary_key(
    postgres: Ledger, analysed: bool
) -> None:
    fill(postgres, 400, analysed)
    seen = append_to(postgres, 25, "2012-06-15")
    reads = [
        (statement, parameters)
        for statement, parameters in seen
        if statement.lstrip().upper().startswith("SELECT")
        and "FROM events" in statement
        and "EXISTS" in statement  # the counting rule: what a re-fold reads back
    ]
    assert reads
    with postgres.engine.connect() as connection:
        for statement, parameters in reads:
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )
            assert "events_pkey" not in plan, plan
