"""The projector's statements on PostgreSQL: a fixed number per append call whatever the number
of streams, and planned on the per-stream indexes, never as a walk of a listing index or of the
events' primary key (which is what a freshly filled database without statistics got:
milliseconds per statement), with statistics or without. And the reader's statements on both
databases: seeks on the per-stream indexes for states at a point, the listing index for lists,
never a read of a whole state table."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from psycopg import ClientCursor

from conftest import make_ledger
from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.store.engine import analyze
from statement_log import statements

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


def reads_of_earlier_events(postgres: Ledger, analysed: bool) -> list[tuple[str, Any]]:
    """The statements (with their parameters) by which the projector read back the earlier
    counting events of the streams an append into a filled database re-folds."""
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
    return reads


@pytest.mark.postgres
@pytest.mark.parametrize("analysed", [True, False], ids=["analysed", "without-statistics"])
def test_the_projectors_read_of_earlier_events_never_walks_the_primary_key(
    postgres: Ledger, analysed: bool
) -> None:
    reads = reads_of_earlier_events(postgres, analysed)
    with postgres.engine.connect() as connection:
        for statement, parameters in reads:
            plan = "\n".join(
                row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
            )
            assert "events_pkey" not in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("analysed", [True, False], ids=["analysed", "without-statistics"])
def test_the_prepared_read_of_earlier_events_never_walks_the_record_time_index(
    postgres: Ledger, analysed: bool
) -> None:
    """psycopg prepares a statement at its fifth execution, and PostgreSQL may then plan it
    once for any parameters (a generic plan): the bound "recorded by the append's instant"
    then looked selective, and the plan walked ix_events_recorded_at's every entry for it."""
    reads = reads_of_earlier_events(postgres, analysed)
    with postgres.engine.begin() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        for index, (statement, parameters) in enumerate(reads):
            numbered, names = _numbered(statement)
            driver.execute(f"PREPARE earlier_{index} AS {numbered}")
            execute = f"EXPLAIN EXECUTE earlier_{index}({', '.join(['%s'] * len(names))})"
            values = [parameters[name] for name in names]
            plan = "\n".join(row[0] for row in ClientCursor(driver).execute(execute, values))
            assert "$1" in plan, plan  # a generic plan indeed
            assert "ix_events_recorded_at" not in plan, plan


def _numbered(statement: str) -> tuple[str, list[str]]:
    """The statement with ``$n`` for its named parameters, numbered in order of first
    appearance (as psycopg numbers them), and their names in that order."""
    names: list[str] = []

    def number(found: re.Match[str]) -> str:
        if found[1] not in names:
            names.append(found[1])
        return f"${names.index(found[1]) + 1}"

    return re.sub(r"%\((\w+)\)s", number, statement), names


def explain(ledger: Ledger, statement: str, parameters: Any, *, seqscan: bool = True) -> str:
    """The plan of a captured statement: SQLite's query plan, or PostgreSQL's (``seqscan``
    False: with sequential scans priced out, to show an index can serve it at all)."""
    with ledger.engine.begin() as connection:
        if ledger.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "\n".join(str(row[-1]) for row in rows)
        if not seqscan:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return "\n".join(str(row[0]) for row in rows)


def full_scans(plan: str) -> list[str]:
    """Lines of a plan that read a whole state table (or a whole index of it)."""
    return [
        line
        for line in plan.splitlines()
        if line.strip().startswith("SCAN person_states") or "Seq Scan on person_states" in line
    ]


def reader_fill(ledger: Ledger) -> None:
    """Persons with histories, one of them split into two views by a restricted event."""
    fill(ledger, 200)
    restricted = NewEvent(
        "CustodyObserved", {"status": "FREE"}, SOURCES, PartialDate.parse("2011-02"), None, True
    )
    ledger.service.append_events(AppendEvents((StreamAppend("person-0001", (restricted,)),), "t"))
    analyze(ledger.engine)


KNOWN = (None, datetime(2000, 1, 1, tzinfo=UTC))


def test_a_state_at_a_point_is_found_by_seeks_on_the_per_stream_indexes(ledger: Ledger) -> None:
    """Rows serving both views are read with ``visibility IN (view, 'both')``: the per-stream
    indexes hold the view last, so the seeks and their order stay on the stream and the days."""
    reader_fill(ledger)
    model = ledger.read_model
    with statements(ledger) as seen:
        for visibility, known_at, stream in itertools.product(
            Visibility, KNOWN, ("person-0001", "person-0002")
        ):
            at = TimePoint(date(2012, 6, 1), known_at)
            model.person(stream, at, visibility=visibility, events=False)
            model.event_counts([stream, "person-0003"], at, visibility=visibility)
    reads = [(s, p) for s, p in seen if "person_states" in s]
    assert reads
    for statement, parameters in reads:
        plan = explain(ledger, statement, parameters)
        assert "ix_person_states_recorded" in plan, plan
        assert "ix_person_states_valid" in plan, plan
        assert not full_scans(plan), plan


def test_versions_and_batches_of_streams_are_read_on_an_index(ledger: Ledger) -> None:
    reader_fill(ledger)
    model = ledger.read_model
    with statements(ledger) as seen:
        for visibility in Visibility:
            at = TimePoint(date(2012, 6, 1))
            model.person_versions(["person-0001", "person-0002"], at, visibility=visibility)
            model.persons_by_ids(["person-0001", "person-0002"], at, visibility=visibility)
    reads = [(s, p) for s, p in seen if "person_states" in s]
    assert len(reads) == 4
    for statement, parameters in reads:
        plan = explain(ledger, statement, parameters)
        assert "ix_person_states_" in plan, plan
        assert not full_scans(plan), plan


def test_lists_and_counts_of_a_view_can_read_the_listing_index(ledger: Ledger) -> None:
    """The listing index leads with the view: ``IN (view, 'both')`` is two ranges of it."""
    reader_fill(ledger)
    model = ledger.read_model
    with statements(ledger) as seen:
        for visibility in Visibility:
            model.persons(TimePoint(date(2012, 6, 1)), visibility=visibility, events=False)
            model.custody_summary(TimePoint(date(2012, 6, 1)), visibility=visibility)
    reads = [(s, p) for s, p in seen if "person_states" in s]
    # per view: the page and its count (one statement on PostgreSQL, count(*) OVER ()), the
    # custody summary
    per_view = 2 if ledger.engine.dialect.name == "postgresql" else 3
    assert len(reads) == per_view * len(Visibility)
    for statement, parameters in reads:
        plan = explain(ledger, statement, parameters, seqscan=False)
        assert "ix_person_states_listing" in plan, plan
        assert not full_scans(plan), plan
