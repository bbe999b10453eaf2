"""The append's look-ups in the events table are planned on its indexes, on both databases:
the stored ids (idempotency), the streams' versions and every read of ``retracts``, whose
unique index holds the retractions only (a partial index: usable because each read compares
``retracts`` with a value). On PostgreSQL sequential scans are switched off for the EXPLAIN, so
that a tiny test table still shows which index the statement can use."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.visibility import Visibility
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.store.engine import analyze
from ledger.store.event_store import EventLog
from statement_log import statements

SOURCES = (Source(title="Report"),)
LATER = datetime.now(UTC) + timedelta(days=1)


def detained() -> NewEvent:
    return NewEvent(
        "PersonDetained",
        {"kind": "PRE_TRIAL_DETENTION"},
        SOURCES,
        PartialDate.parse("2019-12-27"),
        id=uuid.uuid4(),
    )


def plans(ledger: Ledger, read: Callable[[EventLog], object]) -> list[tuple[str, str]]:
    """Each SELECT that ``read`` sends, with its plan."""
    with ledger.store.reading() as log, statements(ledger) as seen:
        read(log)
    postgres = ledger.engine.dialect.name == "postgresql"
    explain = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
    found = []
    with ledger.engine.connect() as connection:
        if postgres:
            connection.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in seen:
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql(f"{explain} {statement}", parameters)
                found.append((statement, "\n".join(str(row[-1]) for row in rows)))
    assert found
    return found


@pytest.fixture
def stored(ledger: Ledger) -> list[uuid.UUID]:
    """Streams of 100 events each, one event retracted, with the planner's statistics (without
    them PostgreSQL plans a table of a few rows on whatever index comes first)."""
    batches = tuple(
        StreamAppend(f"person-{stream}", tuple(detained() for _ in range(100)))
        for stream in range(3)
    )
    results = ledger.service.append_events(AppendEvents(batches, "t"))
    ids = [result.events[0].id for result in results]
    ledger.service.retract(ids[0], "wrong person", SOURCES, recorded_by="t")
    analyze(ledger.engine)
    return ids


def test_the_stored_ids_are_looked_up_on_the_unique_index_of_ids(
    ledger: Ledger, stored: list[uuid.UUID]
) -> None:
    index = "events_id_key" if ledger.engine.dialect.name == "postgresql" else "autoindex"
    for _, plan in plans(ledger, lambda log: log.stored([*stored, uuid.uuid4()])):
        assert index in plan, plan


def test_the_streams_versions_are_read_on_an_index_of_streams(
    ledger: Ledger, stored: list[uuid.UUID]
) -> None:
    for _, plan in plans(ledger, lambda log: log.versions(["person-0", "person-1", "person-9"])):
        assert "ix_events_stream_" in plan, plan  # (stream, version) or (stream, latest day)


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda log, ids: log.retraction_of(ids[0]), id="retraction_of"),
        pytest.param(lambda log, ids: log.disputed(ids), id="disputed"),
        pytest.param(lambda log, ids: log.retractions_of(ids, LATER), id="retractions_of"),
        pytest.param(
            lambda log, ids: log.counting_at("person-0", date(2020, 1, 1), LATER, Visibility.FULL),
            id="counting",
        ),
    ],
)
def test_every_read_of_retracts_is_planned_on_the_partial_unique_index(
    ledger: Ledger, stored: list[uuid.UUID], read: Callable[[EventLog, list[uuid.UUID]], object]
) -> None:
    found = [
        (statement, plan)
        for statement, plan in plans(ledger, lambda log: read(log, stored))
        if re.search(r"retracts (=|IN)", statement)
    ]
    assert found
    for statement, plan in found:
        assert "ix_events_retracts" in plan, (statement, plan)


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(
            lambda log: log.counting_at("person-0", date(2020, 1, 1), LATER, Visibility.FULL),
            id="counting_at",
        ),
        pytest.param(
            lambda log: log.counting_since(
                {"person-0": date(2019, 1, 1), "person-1": None}, LATER, 10**6
            ),
            id="counting_since",
        ),
    ],
)
def test_every_read_by_latest_day_seeks_on_the_streams_first(
    ledger: Ledger, stored: list[uuid.UUID], read: Callable[[EventLog], object]
) -> None:
    """Latest days are read within streams only, on the index of (stream, latest day): the
    table has no index of latest days across all streams (migration 0008)."""
    for statement, plan in plans(ledger, read):
        assert "ix_events_stream_" in plan, (statement, plan)
