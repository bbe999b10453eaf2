"""The read model's prepared statements run on the driver's cursor (``ledger.store.direct_read``):
they answer exactly what SQLAlchemy's execution of the same statements answers, on both
databases, and a connection lost under them fails as SQLAlchemy's execution fails (503-worthy,
the connection invalidated, the next read on a fresh one)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import create_engine, literal_column, select, text
from sqlalchemy.exc import DBAPIError

from conftest import BACKENDS, EVENTS, make_ledger
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.domain.statuses import CustodyStatus, ImplementationStatus
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.readmodel.projected import ProjectedReadModel
from ledger.store.direct_read import DirectRead
from ledger.store.engine import reading, request_connection
from ledger.store.failures import is_unavailable
from statement_log import statements

REPORT_DAY = TimePoint(date(2020, 2, 17), datetime(2030, 1, 1, tzinfo=UTC))
PERSONS = ["person-maks-bokayev", "person-almat-zhumagulov", "person-iskander-yerimbetov"]


@pytest.fixture(scope="module", params=BACKENDS)
def report(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[Ledger]:
    ledger = make_ledger(fresh_database_url(request.param))
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    yield ledger
    ledger.close()


def every_read(model: ProjectedReadModel, at: TimePoint, visibility: Visibility) -> dict[str, Any]:
    """One of each prepared statement the served queries send."""
    first = model.person_read(PERSONS[0], at, events=(None, 3))
    after = first.events[-1][0] if first.events else None
    return {
        "person": model.person_read(PERSONS[0], at, visibility=visibility),
        "person, naming and page": model.person_read(
            PERSONS[0], at, visibility=visibility, naming=True, events=(None, 20)
        ),
        "person, page after": model.person_read(
            PERSONS[0], at, visibility=visibility, events=(after, 3)
        ),
        "lookup": model.person(PERSONS[0], at, visibility=visibility, events=False),
        "persons": model.persons(at, visibility=visibility, limit=7, events=False, naming=True),
        "persons in custody": model.persons(
            at, visibility=visibility, custody_statuses=[CustodyStatus.IMPRISONED], events=False
        ),
        "recommendations": model.recommendations(
            at,
            visibility=visibility,
            addressee="Kazakhstan",
            statuses=[ImplementationStatus.PARTIALLY_IMPLEMENTED],
            events=False,
        ),
        "implementation summary": model.implementation_summary(
            at, visibility=visibility, addressee="kazakhstan", custody=True
        ),
        "custody summary": model.custody_summary(at, visibility=visibility),
        "pages": model.event_pages(PERSONS, at, after=None, limit=4, visibility=visibility),
        "counts": model.event_counts(PERSONS, at, visibility=visibility),
        "naming": model.recommendations_naming(PERSONS, at, visibility=visibility),
        "by ids": model.persons_by_ids(PERSONS, at, visibility=visibility, events=False),
    }


def compiled_reads(model: ProjectedReadModel) -> list[DirectRead]:
    return [read for read in model._prepared._statements.values() if any(read._compiled.values())]


def before_the_load(ledger: Ledger) -> TimePoint:
    """An instant just before the first event was recorded, in a zone east of UTC: a bound
    instant the driver got unconverted would read as five hours later, and see everything."""
    recorded = ledger.store.read_feed(after=0, limit=1)[0].recorded_at
    zone = timezone(timedelta(hours=5))
    return TimePoint(date(2020, 2, 17), (recorded - timedelta(microseconds=1)).astimezone(zone))


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.FULL])
@pytest.mark.parametrize("in_request", [True, False], ids=["request", "own connection"])
@pytest.mark.parametrize("point", ["report day", "before the load"])
def test_direct_reads_answer_what_sqlalchemys_execution_answers(
    report: Ledger, visibility: Visibility, in_request: bool, point: str
) -> None:
    model = report.read_model
    at = REPORT_DAY if point == "report day" else before_the_load(report)
    with statements(report):  # a listened-to engine: every statement through Connection.execute
        if in_request:
            with request_connection(report.engine):
                executed = every_read(model, at, visibility)
        else:
            executed = every_read(model, at, visibility)
    if in_request:
        with request_connection(report.engine):
            direct = every_read(model, at, visibility)
    else:
        direct = every_read(model, at, visibility)
    assert len(compiled_reads(model)) >= 10  # the direct path ran, not the fallback
    assert direct == executed
    assert bool(direct["person, naming and page"].events) == (point == "report day")


def test_a_statement_with_parameters_rendered_at_execution_goes_through_sqlalchemy(
    report: Ledger,
) -> None:
    """An expanding IN (SQLite's list of ids) is rendered per call by SQLAlchemy: such a
    statement is not compiled once here, and is still answered. PostgreSQL binds the list as
    one array (``= ANY``): compiled once whatever the number of ids."""
    model = report.read_model
    assert set(model.persons_by_ids(PERSONS, REPORT_DAY, events=False)) == set(PERSONS)
    assert set(model.persons_by_ids(PERSONS[:1], REPORT_DAY, events=False)) == set(PERSONS[:1])
    assert set(model.recommendations_naming(PERSONS, REPORT_DAY)) == set(PERSONS)
    prepared, dialect = model._prepared._statements, report.engine.dialect.name
    for shape in [("by_ids", "person_states"), "naming"]:
        assert (prepared[shape]._compiled[dialect] is None) == (dialect == "sqlite")


def test_a_direct_read_begins_a_transaction_where_sqlalchemys_execution_would(
    report: Ledger,
) -> None:
    """Outside a served request the reads of one connection share a snapshot (SQLAlchemy's
    autobegin; on SQLite the engine's BEGIN); a served request's reads stay in autocommit."""
    read = DirectRead(select(literal_column("1")))
    with report.engine.connect() as connection:
        assert read.tuples(connection, {}) == [(1,)]
        assert connection.in_transaction()
        if report.engine.dialect.name == "sqlite":
            assert connection.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    with request_connection(report.engine), reading(report.engine) as held:
        assert read.tuples(held, {}) == [(1,)]
        assert not held.in_transaction()


@pytest.mark.postgres
def test_a_connection_lost_under_a_direct_read_fails_it_as_unavailable_and_is_not_reused(
    fresh_database_url: Any,
) -> None:
    ledger = make_ledger(fresh_database_url("postgres"))
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    admin = create_engine(fresh_database_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with request_connection(ledger.engine):
            ledger.read_model.person_read(PERSONS[0], REPORT_DAY)
            with reading(ledger.engine) as held:  # the request's own connection
                pid = held.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(DBAPIError) as failed:
                ledger.read_model.person_read(PERSONS[0], REPORT_DAY)
        assert failed.value.connection_invalidated
        assert is_unavailable(failed.value)
        assert "person-maks-bokayev" not in str(failed.value)  # parameters stay hidden
        with request_connection(ledger.engine):
            read = ledger.read_model.person_read(PERSONS[0], REPORT_DAY)
        assert read.state is not None
    finally:
        admin.dispose()
        ledger.close()
