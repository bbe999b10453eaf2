"""Migration 0007 converts the projection rows stored before it (one history per view, each
version stored once per view) into rows serving both views until each stream's first restricted
event: exactly what a rebuild now stores, answering every point as before, with its person links;
and a downgrade goes back to answers that are the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete

from ledger.config import Settings
from ledger.container import Ledger, build_ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.projections.kinds import KINDS, kind_of
from ledger.projections.projector import LINKS, insert_rows, state_rows
from ledger.projections.rebuild import rebuild, verify_projections
from ledger.projections.replay import history
from ledger.store.event_store import EventStore
from ledger.store.migrate import alembic_config, upgrade

SOURCES = (Source(title="test"),)
BEFORE = "0006_events_write_indexes"
START = datetime(2026, 1, 1, tzinfo=UTC)
STREAMS = ("person-a", "person-b", "recommendation-r")


def dated(type_name: str, data: dict[str, Any], on: str, restricted: bool = False) -> NewEvent:
    return NewEvent(type_name, data, SOURCES, PartialDate.parse(on), None, restricted)


@pytest.fixture
def old_ledger(backend: str, fresh_database_url: Any) -> Iterator[Ledger]:
    ledger = build_ledger(Settings(database_url=fresh_database_url(backend)))
    upgrade(ledger.engine, BEFORE)
    yield ledger
    ledger.close()


def record(ledger: Ledger) -> list[datetime]:
    """Four instants; both persons and the recommendation get a restricted event at the third,
    person-b's only one at the first; rows alive across the split and rows closed by it."""
    instants = [START + timedelta(days=day) for day in range(4)]
    issued = {
        "code": "EP-1",
        "text": "Release",
        "instrument": "EP",
        "addressee": "Kazakhstan",
        "theme": "Political prisoners",
        "personIds": ["person-a"],
    }
    steps: list[list[tuple[str, NewEvent]]] = [
        [
            ("person-a", NewEvent("PersonProfiled", {"name": "A"}, SOURCES)),
            ("person-a", dated("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, "2015")),
            ("person-b", NewEvent("PersonProfiled", {"name": "B"}, SOURCES)),
            ("person-b", dated("PersonCharged", {"article": "174"}, "2014", restricted=True)),
            ("recommendation-r", dated("RecommendationIssued", issued, "2016")),
        ],
        [
            ("person-a", dated("PersonCharged", {"article": "174"}, "2017")),
            ("recommendation-r", dated("ImplementationAssessed", _assessed("PARTIALLY"), "2017")),
        ],
        [
            ("person-a", dated("CustodyObserved", {"status": "FREE"}, "2016", restricted=True)),
            (
                "recommendation-r",
                dated("ImplementationAssessed", _assessed("IMPLEMENTED"), "2018", restricted=True),
            ),
        ],
        [
            ("person-a", dated("PersonReleased", {"grounds": "END_OF_TERM"}, "2019")),
            ("person-b", dated("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}, "2018")),
            ("recommendation-r", dated("ImplementationAssessed", _assessed("NOT"), "2019")),
        ],
    ]
    for instant, step in zip(instants, steps, strict=True):
        ledger.service.clock = lambda instant=instant: instant
        for stream_id, event in step:
            ledger.service.append(stream_id, [event], recorded_by="t")
    return instants


def _assessed(status: str) -> dict[str, Any]:
    name = {"PARTIALLY": "PARTIALLY_IMPLEMENTED", "NOT": "NOT_IMPLEMENTED"}.get(status, status)
    return {"status": name, "wording": name.lower(), "assessor": "X"}


def store_rows_as_before_0007(ledger: Ledger) -> None:
    """Each view's whole history as its own rows: what appends and rebuilds stored before."""
    with EventStore(ledger.engine).writing() as log:
        log.connection.execute(delete(LINKS))
        for kind in KINDS:
            log.connection.execute(delete(kind.table))
        for stream_id in STREAMS:
            kind = kind_of(stream_id)
            assert kind is not None
            stream = log.stream(stream_id)
            for visibility in Visibility:
                rows = list(history(kind, stream_id, stream, visibility))
                versions = [
                    (stream_id, visibility.value, row.encoded, row.recorded_from, row.recorded_to)
                    for row in rows
                ]
                spans = [row.span for row in rows]
                insert_rows(log.connection, kind, state_rows(kind, versions), spans)


def answers(ledger: Ledger, instants: list[datetime]) -> list[Any]:
    model = ledger.read_model
    found: list[Any] = []
    known = [None, *(at + delta for at in instants for delta in (timedelta(0), timedelta(hours=1)))]
    for known_at in known:
        for as_of in (date(2015, 6, 1), date(2016, 12, 31), date(2018, 12, 31), date(2020, 1, 1)):
            at = TimePoint(as_of, known_at)
            for view in Visibility:
                found.append(model.person("person-a", at, visibility=view, events=False))
                found.append(model.person("person-b", at, visibility=view, events=False))
                found.append(
                    model.recommendation("recommendation-r", at, visibility=view, events=False)
                )
                found.append(model.recommendations_naming(STREAMS[:2], at, visibility=view))
                found.append(model.custody_summary(at, visibility=view))
    return found


def test_the_migration_stores_what_a_rebuild_stores_and_answers_as_before(
    old_ledger: Ledger,
) -> None:
    from alembic import command

    instants = record(old_ledger)
    store_rows_as_before_0007(old_ledger)
    expected = answers(old_ledger, instants)
    upgrade(old_ledger.engine)
    assert verify_projections(old_ledger.engine).ok
    assert answers(old_ledger, instants) == expected
    command.downgrade(alembic_config(old_ledger.engine), BEFORE)
    assert answers(old_ledger, instants) == expected
    upgrade(old_ledger.engine)
    assert verify_projections(old_ledger.engine).ok
    rows = verify_projections(old_ledger.engine).rows
    assert rebuild(old_ledger.engine).rows == rows
    assert answers(old_ledger, instants) == expected
