"""The event store's guarantees (contract README, "The event store"), run on every database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from ledger.cli.main import app
from ledger.container import Ledger
from ledger.domain.errors import IdConflict, UnknownEventType, ValidationError, VersionConflict
from ledger.domain.hash_chain import GENESIS, Sealed
from ledger.domain.new_event import NewEvent, parse_new_event
from ledger.service.commands import AppendEvents, StreamAppend
from ledger.service.handlers import LedgerService
from ledger.store.event_store import (
    EVENTS,
    EventFilter,
    _sqlite_columns,
    _sqlite_row,
    _values,
)
from ledger.store.migrate import drift
from ledger.store.types import JsonText
from ledger.store.verification import verify_chain

_JSON = {"data", "sources", "disputes"}


def detained(on: str = "2019-12-27", event_id: uuid.UUID | None = None) -> NewEvent:
    raw: dict[str, object] = {
        "type": "PersonDetained",
        "occurredOn": on,
        "data": {"kind": "PRE_TRIAL_DETENTION"},
        "sources": [{"title": "Report", "published": "2020-01"}],
    }
    if event_id is not None:
        raw["id"] = str(event_id)
    return parse_new_event(raw)


def sentenced(term: object) -> NewEvent:
    return parse_new_event(
        {
            "type": "PersonSentenced",
            "occurredOn": "2020-01",
            "data": {"kind": "IMPRISONMENT", "termMonths": term},
            "sources": [{"title": "Report"}],
        }
    )


def test_append_assigns_positions_versions_and_server_record_time(ledger: Ledger) -> None:
    before = datetime.now(UTC)
    first = ledger.service.append("person-a", [detained(), detained("2020")], recorded_by="t")
    second = ledger.service.append("person-b", [detained()], recorded_by="t")
    assert [e.position for e in first.events + second.events] == [1, 2, 3]
    assert [e.version for e in first.events] == [1, 2]
    assert second.events[0].version == 1
    assert first.stream_version == 2
    assert all(e.recorded_at >= before and e.recorded_by == "t" for e in first.events)


def test_events_are_hash_chained_from_genesis(ledger: Ledger) -> None:
    events = ledger.service.append("person-a", [detained(), detained()], recorded_by="t").events
    assert events[0].previous_hash == GENESIS
    assert events[1].previous_hash == events[0].hash
    assert verify_chain(ledger.store).ok


def test_expected_version_mismatch_stores_nothing_and_is_a_version_conflict(
    ledger: Ledger,
) -> None:
    ledger.service.append("person-a", [detained()], recorded_by="t")
    with pytest.raises(VersionConflict) as conflict:
        ledger.service.append("person-a", [detained()], expected_version=0, recorded_by="t")
    assert conflict.value.field == ["expectedVersion"]
    assert ledger.store.stream_version("person-a") == 1
    assert ledger.store.head().position == 1


def test_matching_expected_version_appends(ledger: Ledger) -> None:
    ledger.service.append("person-a", [detained()], expected_version=0, recorded_by="t")
    result = ledger.service.append("person-a", [detained()], expected_version=1, recorded_by="t")
    assert result.stream_version == 2


def test_appending_the_same_event_id_again_is_a_no_op_returning_the_stored_event(
    ledger: Ledger,
) -> None:
    event_id = uuid.uuid4()
    first = ledger.service.append("person-a", [detained(event_id=event_id)], recorded_by="t")
    again = ledger.service.append(
        "person-a", [detained(event_id=event_id)], expected_version=0, recorded_by="other"
    )
    assert again.events == first.events
    assert ledger.store.head().position == 1


def test_the_same_event_id_with_other_content_is_refused(ledger: Ledger) -> None:
    event_id = uuid.uuid4()
    ledger.service.append("person-a", [detained(event_id=event_id)], recorded_by="t")
    with pytest.raises(IdConflict) as conflict:
        ledger.service.append("person-a", [detained("2018", event_id)], recorded_by="t")
    assert conflict.value.field == ["events", "0", "id"]
    assert ledger.store.head().position == 1


def test_one_bad_event_refuses_the_whole_call_naming_its_field(ledger: Ledger) -> None:
    ledger.service.append("person-a", [detained()], recorded_by="t")
    with pytest.raises(ValidationError) as refused:
        ledger.service.append("person-a", [detained(), sentenced("x")], recorded_by="t")
    assert refused.value.field == ["events", "1", "data", "termMonths"]
    assert ledger.store.stream_version("person-a") == 1
    assert ledger.store.head().position == 1


def test_an_unknown_type_stores_nothing(ledger: Ledger) -> None:
    bad = parse_new_event({"type": "Nope", "data": {}, "sources": [{"title": "x"}]})
    with pytest.raises(UnknownEventType) as refused:
        ledger.service.append("person-a", [detained(), bad], recorded_by="t")
    assert refused.value.field == ["events", "1", "type"]
    assert ledger.store.head().position == 0


def test_batches_over_several_streams_are_all_or_nothing(ledger: Ledger) -> None:
    with pytest.raises(ValidationError):
        ledger.service.append_events(
            AppendEvents(
                (
                    StreamAppend("person-a", (detained(),)),
                    StreamAppend("person-b", (sentenced(-1),)),
                ),
                recorded_by="t",
            )
        )
    assert ledger.store.head().position == 0


def test_a_conflict_in_a_later_batch_rolls_back_the_earlier_ones(ledger: Ledger) -> None:
    with pytest.raises(VersionConflict):
        ledger.service.append_events(
            AppendEvents(
                (
                    StreamAppend("person-a", (detained(),)),
                    StreamAppend("person-b", (detained(),), expected_version=3),
                ),
                recorded_by="t",
            )
        )
    assert ledger.store.head().position == 0


def test_the_feed_reads_after_a_position_with_a_limit(ledger: Ledger) -> None:
    for stream in ("person-a", "person-b", "person-c"):
        ledger.service.append(stream, [detained(), detained()], recorded_by="t")
    page = ledger.store.read_feed(after=2, limit=3)
    assert [e.position for e in page] == [3, 4, 5]
    assert [e.stream_id for e in ledger.store.read_stream("person-b")] == ["person-b"] * 2


def test_query_by_type_occurred_range_and_record_time(ledger: Ledger) -> None:
    ledger.service.append("person-a", [detained("2016-05-17"), detained("2019")], recorded_by="t")
    middle = ledger.store.head()
    ledger.service.append("person-a", [sentenced(60)], recorded_by="t")
    assert len(ledger.store.query(EventFilter(types=["PersonSentenced"]))) == 1
    in_2019 = ledger.store.query(
        EventFilter(occurred_from=date(2019, 6, 1), occurred_to=date(2019, 6, 30))
    )
    assert [e.occurred_on.text for e in in_2019 if e.occurred_on] == ["2019"]
    assert middle.recorded_at is not None
    later = ledger.store.query(
        EventFilter(recorded_after=middle.recorded_at - timedelta(microseconds=1))
    )
    assert len(later) >= 1
    assert ledger.store.count(EventFilter(stream_id="person-a")) == 3


def test_latest_names_the_head_position_and_the_latest_record_time(ledger: Ledger) -> None:
    assert ledger.store.latest() == (0, None)
    ledger.service.append("person-a", [detained()], recorded_by="t")
    ledger.service.append("person-b", [detained()], recorded_by="t")
    head = ledger.store.head()
    assert ledger.store.latest() == (head.position, head.recorded_at)


def test_record_time_never_runs_backwards_along_positions(ledger: Ledger) -> None:
    times = iter([datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)])
    service = LedgerService(ledger.store, clock=lambda: next(times))
    first = service.append("person-a", [detained()], recorded_by="t").events[0]
    second = service.append("person-a", [detained()], recorded_by="t").events[0]
    assert second.recorded_at >= first.recorded_at


def test_a_restricted_event_keeps_its_flag(ledger: Ledger) -> None:
    raw = {
        "type": "IncidentReported",
        "occurredOn": "2019",
        "data": {"kind": "THREAT", "description": "witness"},
        "sources": [{"title": "x"}],
        "restricted": True,
    }
    stored = ledger.service.append("person-a", [parse_new_event(raw)], recorded_by="t").events[0]
    assert ledger.store.get(stored.id) == stored
    assert stored.restricted


def test_the_database_refuses_update_of_an_event(ledger: Ledger) -> None:
    ledger.service.append("person-a", [detained()], recorded_by="t")
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as connection:
        connection.execute(text("UPDATE events SET recorded_by = 'mallory'"))
    assert ledger.store.read_stream("person-a")[0].recorded_by == "t"


def test_the_database_refuses_delete_of_an_event(ledger: Ledger) -> None:
    ledger.service.append("person-a", [detained()], recorded_by="t")
    with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as connection:
        connection.execute(text("DELETE FROM events"))
    assert ledger.store.head().position == 1


def _drop_guards(ledger: Ledger) -> None:
    with ledger.engine.begin() as connection:
        if ledger.database_kind == "sqlite":
            connection.execute(text("DROP TRIGGER events_no_update"))
        else:
            connection.execute(text("DROP TRIGGER events_no_update_delete ON events"))


def test_verify_names_the_first_position_whose_row_was_changed(ledger: Ledger) -> None:
    for _ in range(3):
        ledger.service.append("person-a", [detained()], recorded_by="t")
    _drop_guards(ledger)
    with ledger.engine.begin() as connection:
        connection.execute(text("UPDATE events SET recorded_by = 'mallory' WHERE position = 2"))
    report = verify_chain(ledger.store)
    assert not report.ok
    assert report.first_bad_position == 2


def test_models_and_migrations_do_not_drift(ledger: Ledger) -> None:
    assert drift(ledger.engine) == []


def test_ledger_verify_exits_non_zero_naming_the_first_bad_position(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        ledger.service.append("person-a", [detained()], recorded_by="t")
    monkeypatch.setenv("LEDGER_DATABASE_URL", ledger.engine.url.render_as_string(False))
    runner = CliRunner()
    assert runner.invoke(app, ["verify"]).exit_code == 0
    _drop_guards(ledger)
    with ledger.engine.begin() as connection:
        connection.execute(text("UPDATE events SET occurred_on = '2018' WHERE position = 3"))
    verified = runner.invoke(app, ["verify"])
    assert verified.exit_code != 0
    assert "hash chain broken at position 3" in verified.output


@pytest.mark.backends("sqlite")
def test_the_bulk_insert_binds_every_column_on_sqlite_as_the_column_types_do(
    ledger: Ledger,
) -> None:
    first = ledger.service.append("person-a", [detained()], recorded_by="t").events[0]
    varied = [
        parse_new_event(
            {
                "type": "PersonDetained",
                "occurredOn": "../2019-05",
                "data": {"kind": "PRE_TRIAL_DETENTION"},
                "sources": [{"title": "Report", "url": "https://example.org/r"}],
                "restricted": True,
                "note": "Ünïcode note",
                "disputes": [str(first.id)],
            }
        ),
        parse_new_event(
            {
                "type": "EventRetracted",
                "data": {"eventId": str(first.id), "reason": "wrong person"},
                "sources": [{"title": "Report"}],
            }
        ),
    ]
    stored = ledger.service.append("person-a", varied, recorded_by="t").events
    dialect = ledger.engine.dialect
    binders = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in EVENTS.c]
    for event in [first, *stored]:
        sealed = Sealed.of(event)
        values = _values(sealed)
        expected = tuple(
            value
            if bind is None
            else bind(JsonText(value) if name in _JSON and value is not None else value)
            for bind, name, value in zip(binders, EVENTS.c.keys(), values, strict=True)
        )
        filled, row = _sqlite_row(sealed, {})
        # the row leaves out exactly the columns whose bound value is NULL
        assert dict(zip(_sqlite_columns(filled), row, strict=True)) == {
            name: value
            for name, value in zip(EVENTS.c.keys(), expected, strict=True)
            if value is not None
        }


def test_an_append_of_any_number_of_events_stores_each_once_as_it_was_returned(
    ledger: Ledger,
) -> None:
    """On SQLite an append's rows go several to an INSERT, as many as the largest divisor of
    their number up to 64 (a prime past 64: one each); undated, noted and dated events are rows
    of different shapes, inserted by statements of their own."""
    profiled = parse_new_event(
        {"type": "PersonProfiled", "data": {"name": "A"}, "sources": [{"title": "Report"}]}
    )
    noted = parse_new_event(
        {
            "type": "PersonDetained",
            "occurredOn": "2019-12",
            "data": {"kind": "HOUSE_ARREST"},
            "sources": [{"title": "Report"}],
            "note": "the second report",
        }
    )
    appended = []
    for count in (1, 2, 7, 50, 64, 67, 120):
        events = [(detained(), noted, detained("2020"), profiled)[i % 4] for i in range(count)]
        appended += ledger.service.append(f"person-c{count}", events, recorded_by="t").events
    assert ledger.store.read_feed(0, 1000) == appended
    assert verify_chain(ledger.store).ok
