"""The stored projections: bitemporal rows kept in the append's transaction, re-folding only
the touched stream, and a public history that never derives a field from a restricted event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.projections.rebuild import verify_projections
from ledger.projections.timeline import MAX_DAY, OPEN_END
from ledger.store.tables import LAST_VERSIONS, OPEN_VALID_END, PersonStateRow

SOURCES = (Source(title="test"),)
START = datetime(2026, 1, 1, tzinfo=UTC)
ROWS = PersonStateRow.__table__
#: the rows a full reader reads: its view's own, and those serving both views
FULL_VIEW = ("full", "both")


def dated(type_name: str, data: dict[str, object], on: str, restricted: bool = False) -> NewEvent:
    return NewEvent(type_name, data, SOURCES, PartialDate.parse(on), None, restricted)


def rows_of(ledger: Ledger, stream_id: str) -> list[tuple[object, ...]]:
    with ledger.engine.connect() as connection:
        return list(
            connection.execute(
                select(
                    ROWS.c.visibility,
                    ROWS.c.valid_from,
                    ROWS.c.valid_to,
                    ROWS.c.recorded_from,
                    ROWS.c.recorded_to,
                )
                .where(ROWS.c.stream_id == stream_id)
                .order_by(ROWS.c.id)
            )
        )


def test_a_reader_sees_its_own_write(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a", [NewEvent("PersonProfiled", {"name": "A"}, SOURCES)], recorded_by="t"
    )
    state = ledger.read_model.person("person-a", TimePoint())
    assert state is not None and state.name == "A"


def test_a_failed_append_leaves_no_projection_change(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a", [NewEvent("PersonProfiled", {"name": "A"}, SOURCES)], recorded_by="t"
    )
    before = rows_of(ledger, "person-a")
    with pytest.raises(Exception, match="version"):
        ledger.service.append(
            "person-a",
            [NewEvent("PersonProfiled", {"name": "B"}, SOURCES)],
            expected_version=0,
            recorded_by="t",
        )
    assert rows_of(ledger, "person-a") == before


def test_each_state_version_is_a_row_over_valid_and_record_time(ledger: Ledger) -> None:
    ledger.service.clock = lambda: START
    ledger.service.append(
        "person-a", [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019")], recorded_by="t"
    )
    ledger.service.clock = lambda: START + timedelta(days=1)
    ledger.service.append(
        "person-a", [dated("CustodyObserved", {"status": "FREE"}, "2021")], recorded_by="t"
    )
    full = [row for row in rows_of(ledger, "person-a") if row[0] in FULL_VIEW]
    closed = [row for row in full if row[4] != OPEN_END]
    alive = [(row[1], row[2]) for row in full if row[4] == OPEN_END]
    assert [row[4] for row in closed] == [START + timedelta(days=1)]
    # a boundary where each event may have happened (its earliest day: the possible answer
    # changes) and where it certainly had (its latest day: the answer changes)
    assert alive == [
        (date(1, 1, 1), date(2019, 1, 1)),
        (date(2019, 1, 1), date(2019, 12, 31)),
        (date(2019, 12, 31), date(2021, 1, 1)),
        (date(2021, 1, 1), date(2021, 12, 31)),
        (date(2021, 12, 31), date(9999, 12, 31)),
    ]


def test_a_back_dated_event_refolds_only_its_own_stream(ledger: Ledger) -> None:
    ledger.service.clock = lambda: START
    for stream in ("person-a", "person-b"):
        ledger.service.append(
            stream, [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019")], recorded_by="t"
        )
    untouched = rows_of(ledger, "person-b")
    ledger.service.clock = lambda: START + timedelta(days=1)
    ledger.service.append(
        "person-a", [dated("PersonCharged", {"article": "174"}, "2015")], recorded_by="t"
    )
    assert rows_of(ledger, "person-b") == untouched


def test_rows_before_the_back_dated_day_stay_as_they_were(ledger: Ledger) -> None:
    ledger.service.clock = lambda: START
    ledger.service.append(
        "person-a",
        [
            dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2015"),
            dated("PersonSentenced", {"kind": "IMPRISONMENT"}, "2017"),
        ],
        recorded_by="t",
    )
    ledger.service.clock = lambda: START + timedelta(days=1)
    ledger.service.append(
        "person-a", [dated("PersonCharged", {"article": "174"}, "2016")], recorded_by="t"
    )
    full = [row for row in rows_of(ledger, "person-a") if row[0] in FULL_VIEW]
    still_open_from_start = [row[1] for row in full if row[3] == START and row[4] == OPEN_END]
    assert still_open_from_start == [date(1, 1, 1), date(2015, 1, 1)]


def test_a_restricted_event_contributes_nothing_to_the_public_state(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a",
        [
            NewEvent("PersonProfiled", {"name": "A"}, SOURCES),
            dated(
                "PersonDetained",
                {"kind": "HOUSE_ARREST", "place": "secret"},
                "2019",
                restricted=True,
            ),
            dated("PersonCharged", {"article": "174"}, "2019", restricted=True),
        ],
        recorded_by="t",
    )
    public = ledger.read_model.person("person-a", TimePoint())
    full = ledger.read_model.person("person-a", TimePoint(), visibility=Visibility.FULL)
    assert public is not None and full is not None
    assert (public.custody_status.value, public.custody_since, public.charges) == (
        "UNKNOWN",
        None,
        (),
    )
    assert len(public.event_ids) == 1
    assert full.custody_status.value == "DETAINED" and len(full.charges) == 1
    summary = ledger.read_model.custody_summary(TimePoint())
    assert summary[public.custody_status] == 1


def test_a_stream_of_only_restricted_events_does_not_exist_for_the_public(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a",
        [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019", restricted=True)],
        recorded_by="t",
    )
    assert ledger.read_model.person("person-a", TimePoint()) is None
    assert ledger.read_model.person("person-a", TimePoint(), visibility=Visibility.FULL) is not None


def test_appends_at_the_same_instant_give_one_version(ledger: Ledger) -> None:
    ledger.service.clock = lambda: START
    ledger.service.append(
        "person-a", [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019")], recorded_by="t"
    )
    ledger.service.append(
        "person-a", [dated("PersonCharged", {"article": "1"}, "2020")], recorded_by="t"
    )
    with ledger.engine.connect() as connection:
        empty = connection.execute(
            select(func.count()).where(ROWS.c.recorded_from >= ROWS.c.recorded_to)
        ).scalar_one()
    assert empty == 0


def test_projection_rows_are_not_append_only(ledger: Ledger) -> None:
    ledger.service.append(
        "person-a", [NewEvent("PersonProfiled", {"name": "A"}, SOURCES)], recorded_by="t"
    )
    with ledger.engine.begin() as connection:
        changed = connection.execute(update(ROWS).values(name="B")).rowcount
    assert changed > 0


def test_a_stream_without_restricted_events_stores_each_version_once_for_both_views(
    ledger: Ledger,
) -> None:
    ledger.service.clock = lambda: START
    ledger.service.append(
        "person-a",
        [
            NewEvent("PersonProfiled", {"name": "A"}, SOURCES),
            dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019"),
        ],
        recorded_by="t",
    )
    ledger.service.clock = lambda: START + timedelta(days=1)
    ledger.service.append(
        "person-a", [dated("CustodyObserved", {"status": "FREE"}, "2021")], recorded_by="t"
    )
    rows = rows_of(ledger, "person-a")
    assert {row[0] for row in rows} == {"both"}
    assert len({row[1:] for row in rows}) == len(rows)
    for visibility in Visibility:
        state = ledger.read_model.person("person-a", TimePoint(), visibility=visibility)
        assert state is not None and state.custody_status.value == "FREE"


def test_a_first_restricted_event_ends_the_shared_rows_and_earlier_knowledge_keeps_them(
    ledger: Ledger,
) -> None:
    ledger.service.clock = lambda: START
    ledger.service.append(
        "person-a",
        [
            NewEvent("PersonProfiled", {"name": "A"}, SOURCES),
            dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019"),
        ],
        recorded_by="t",
    )
    before = {
        visibility: ledger.read_model.person("person-a", TimePoint(), visibility=visibility)
        for visibility in Visibility
    }
    split = START + timedelta(days=1)
    ledger.service.clock = lambda: split
    ledger.service.append(
        "person-a",
        [dated("CustodyObserved", {"status": "FREE"}, "2018", restricted=True)],
        recorded_by="t",
    )
    rows = rows_of(ledger, "person-a")
    assert {row[4] for row in rows if row[0] == "both"} == {split}
    assert {row[0] for row in rows if row[4] == OPEN_END} == {"public", "full"}
    assert {row[3] for row in rows if row[0] != "both"} == {split}
    for visibility in Visibility:
        known_before = TimePoint(None, split - timedelta(microseconds=1))
        found = ledger.read_model.person("person-a", known_before, visibility=visibility)
        assert found == before[visibility]
    for as_of in (date(2018, 12, 31), date(2020, 1, 1)):
        public = ledger.read_model.person("person-a", TimePoint(as_of), events=False)
        full = ledger.read_model.person(
            "person-a", TimePoint(as_of), visibility=Visibility.FULL, events=False
        )
        assert public is not None and full is not None
        assert public.custody_status.value == ("UNKNOWN" if as_of.year == 2018 else "DETAINED")
        assert full.custody_status.value == ("FREE" if as_of.year == 2018 else "DETAINED")
    assert verify_projections(ledger.engine).ok


def test_a_restricted_event_at_the_instant_that_made_the_shared_rows_replaces_them(
    ledger: Ledger,
) -> None:
    ledger.service.clock = lambda: START
    ledger.service.append(
        "person-a", [NewEvent("PersonProfiled", {"name": "A"}, SOURCES)], recorded_by="t"
    )
    ledger.service.clock = lambda: START + timedelta(days=1)
    ledger.service.append(
        "person-a", [dated("PersonDetained", {"kind": "HOUSE_ARREST"}, "2019")], recorded_by="t"
    )
    ledger.service.append(
        "person-a",
        [dated("PersonCharged", {"article": "174"}, "2019", restricted=True)],
        recorded_by="t",
    )
    rows = rows_of(ledger, "person-a")
    assert {row[3] for row in rows if row[0] == "both"} == {START}
    assert {row[4] for row in rows if row[0] == "both"} == {START + timedelta(days=1)}
    assert verify_projections(ledger.engine).ok
    public = ledger.read_model.person("person-a", TimePoint(), events=False)
    assert public is not None and public.charges == ()


def test_the_last_versions_index_names_the_open_end_of_valid_time() -> None:
    """The partial index and the reader's seek write MAX_DAY out as SQL text: they must agree."""
    assert f"'{MAX_DAY.isoformat()}'" == OPEN_VALID_END
    assert f"valid_to = {OPEN_VALID_END}" == LAST_VERSIONS


def test_an_append_of_any_number_of_state_rows_stores_each_as_a_fresh_fold_has_it(
    ledger: Ledger,
) -> None:
    """On SQLite an append's state rows go several to an INSERT, as many as the largest divisor
    of their number up to 64 (a prime past 64: one each), as the events' rows do."""
    incident = {"kind": "SEARCH", "description": "searched"}
    # events that change nothing but the count: a row before the first, then one each
    for count in (1, 2, 6, 63, 66, 119):
        events = [
            dated("IncidentReported", incident, f"{2000 + i // 12}-{1 + i % 12:02d}")
            for i in range(count)
        ]
        ledger.service.append(f"person-c{count}", events, recorded_by="t")
        assert len(rows_of(ledger, f"person-c{count}")) == count + 1
    assert verify_projections(ledger.engine).ok
