"""The read model's queries: lookups, lists, search, counts, links and diffs at a point."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ledger.container import Ledger
from ledger.domain.errors import NotFound
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.search_text import fold_text
from ledger.domain.source import Source
from ledger.domain.statuses import CustodyStatus, ImplementationStatus
from ledger.domain.time_point import TimePoint
from ledger.domain.visibility import Visibility
from ledger.store.engine import request_connection
from statement_log import statements

SOURCES = (Source(title="test"),)
START = datetime(2026, 1, 1, tzinfo=UTC)


def dated(type_name: str, data: dict[str, object], on: str) -> NewEvent:
    return NewEvent(type_name, data, SOURCES, PartialDate.parse(on))


def profile(name: str, *aliases: str) -> NewEvent:
    return NewEvent("PersonProfiled", {"name": name, "aliases": list(aliases)}, SOURCES)


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    ledger.service.clock = lambda: START
    service = ledger.service
    service.append(
        "person-bokayev",
        [
            profile("Maks Bokayev", "Макс Бокаев"),
            dated("PersonSentenced", {"kind": "IMPRISONMENT"}, "2016-11"),
        ],
        recorded_by="t",
    )
    service.append(
        "person-ayan",
        [profile("Talgat Ayan"), dated("PersonSentenced", {"kind": "SUSPENDED"}, "2016-11")],
        recorded_by="t",
    )
    service.append("person-zh", [profile("Žanna Ölmez")], recorded_by="t")
    for code, addressee, persons in [
        ("EP-1", "Kazakhstan", ["person-bokayev", "person-ayan"]),
        ("EP-2", "EU Delegation", ["person-ayan"]),
    ]:
        service.append(
            f"recommendation-{code.lower()}",
            [
                dated(
                    "RecommendationIssued",
                    {
                        "code": code,
                        "text": "Release the prisoners",
                        "instrument": "EP",
                        "addressee": addressee,
                        "theme": "Political prisoners",
                        "personIds": persons,
                    },
                    "2019-03",
                )
            ],
            recorded_by="t",
        )
    ledger.service.clock = lambda: START + timedelta(days=1)
    service.append(
        "recommendation-ep-1",
        [
            dated(
                "ImplementationAssessed",
                {"status": "NOT_IMPLEMENTED", "wording": "not fulfilled", "assessor": "X"},
                "2020",
            )
        ],
        recorded_by="t",
    )
    return ledger


@pytest.mark.parametrize("query", ["Bokaev", "bokayev", "BOKAYEV", "Бокаев", "bokáev", "maks bok"])
def test_search_matches_name_and_aliases_whatever_the_case_accents_and_y_spelling(
    filled: Ledger, query: str
) -> None:
    page = filled.read_model.persons(TimePoint(), search=query).page
    assert [p.stream_id for p in page.items] == ["person-bokayev"]


def test_search_folds_diacritics_and_iotated_vowels() -> None:
    assert fold_text("Žanna Ölmez") == "zanna olmez"
    assert fold_text("Yerzhan") == fold_text("Erzhan")


def test_persons_are_listed_by_name_and_filtered_by_custody(filled: Ledger) -> None:
    everyone = filled.read_model.persons(TimePoint()).page
    assert [p.name for p in everyone.items] == ["Maks Bokayev", "Talgat Ayan", "Žanna Ölmez"]
    held = filled.read_model.persons(TimePoint(), custody_statuses=[CustodyStatus.IMPRISONED]).page
    assert [p.name for p in held.items] == ["Maks Bokayev"] and held.total_count == 1
    page = filled.read_model.persons(TimePoint(), offset=1, limit=1).page
    assert [p.name for p in page.items] == ["Talgat Ayan"] and page.has_next


@pytest.mark.parametrize(("offset", "limit"), [(0, 2), (2, 5), (3, 5), (7, 5), (0, 0)])
def test_every_page_counts_all_the_rows_the_list_has_even_past_its_end(
    filled: Ledger, offset: int, limit: int
) -> None:
    """The count comes with the page's rows on PostgreSQL; an empty page counts on its own."""
    model = filled.read_model
    page = model.persons(TimePoint(), offset=offset, limit=limit).page
    assert page.total_count == 3
    assert len(page.items) == max(0, min(limit, 3 - offset))
    recommendations = model.recommendations(TimePoint(), offset=offset, limit=limit)
    assert recommendations.total_count == 2


def test_lists_answer_at_the_queried_point(filled: Ledger) -> None:
    before = filled.read_model.persons(
        TimePoint(date(2016, 1, 1)), custody_statuses=[CustodyStatus.IMPRISONED]
    ).page
    assert before.total_count == 0
    assert (
        filled.read_model.custody_summary(TimePoint(date(2016, 1, 1)))[CustodyStatus.UNKNOWN] == 3
    )


def test_recommendations_filter_by_status_addressee_and_search(filled: Ledger) -> None:
    model = filled.read_model
    assert [r.code for r in model.recommendations(TimePoint()).items] == ["EP-1", "EP-2"]
    assert [
        r.code
        for r in model.recommendations(
            TimePoint(), statuses=[ImplementationStatus.NOT_ASSESSED]
        ).items
    ] == ["EP-2"]
    assert [r.code for r in model.recommendations(TimePoint(), addressee="Kazakhstan").items] == [
        "EP-1"
    ]
    assert model.recommendations(TimePoint(), search="delegation").total_count == 1


def test_implementation_summary_counts_every_status(filled: Ledger) -> None:
    now = filled.read_model.implementation_summary(TimePoint())
    assert now == {
        ImplementationStatus.NOT_ASSESSED: 1,
        ImplementationStatus.NOT_IMPLEMENTED: 1,
        ImplementationStatus.PARTIALLY_IMPLEMENTED: 0,
        ImplementationStatus.IMPLEMENTED: 0,
    }
    known_before = filled.read_model.implementation_summary(TimePoint(None, START))
    assert known_before[ImplementationStatus.NOT_ASSESSED] == 2


def test_the_summary_to_an_addressee_reads_its_spellings_with_its_counts_in_one_statement(
    filled: Ledger,
) -> None:
    model = filled.read_model
    with statements(filled) as sent:
        now = model.implementation_summary(TimePoint(), addressee="KAZAKHSTAN")
    assert len([s for s, _ in sent if s.lstrip().upper().startswith("SELECT")]) == 1
    assert now == {
        ImplementationStatus.NOT_ASSESSED: 0,
        ImplementationStatus.NOT_IMPLEMENTED: 1,
        ImplementationStatus.PARTIALLY_IMPLEMENTED: 0,
        ImplementationStatus.IMPLEMENTED: 0,
    }
    known_before = model.implementation_summary(TimePoint(None, START), addressee="kazakhstan")
    assert known_before[ImplementationStatus.NOT_ASSESSED] == 1
    before_issued = model.implementation_summary(
        TimePoint(date(2019, 1, 1)), addressee="EU delegation"
    )
    assert set(before_issued.values()) == {0}
    with pytest.raises(NotFound, match="addressees: 'EU Delegation', 'Kazakhstan'"):
        model.implementation_summary(TimePoint(), addressee="Kazakstan")


def test_recommendations_naming_many_persons_take_one_query(filled: Ledger) -> None:
    with statements(filled) as sent:
        naming = filled.read_model.recommendations_naming(
            ["person-bokayev", "person-ayan", "person-zh"], TimePoint()
        )
    assert len([s for s, _ in sent if s.lstrip().upper().startswith("SELECT")]) == 1
    assert {k: [r.code for r in v] for k, v in naming.items()} == {
        "person-bokayev": ["EP-1"],
        "person-ayan": ["EP-1", "EP-2"],
        "person-zh": [],
    }


def test_a_persons_read_answers_its_three_reads_in_one_statement(filled: Ledger) -> None:
    """person_read's parts are what person (without event ids), recommendations_naming and
    event_pages answer, at every point, view and cursor (undated and dated events), with the
    recommendations asked or not; on PostgreSQL in a statement of 4 kB at most, whose
    conversion psycopg keeps (it converts a longer one again at every call)."""
    model = filled.read_model
    postgres = filled.engine.dialect.name == "postgresql"
    points = [TimePoint(), TimePoint(date(2016, 1, 1)), TimePoint(None, START)]
    for at in (point.resolved() for point in points):
        for visibility in Visibility:
            for stream_id in ["person-bokayev", "person-ayan", "person-none"]:
                everything = model.event_pages([stream_id], at, after=None, limit=10)[stream_id]
                cursors = [None] + [key for key, _event in everything]
                pages = [(None, 0), (None, 1), (None, 10), *((c, 2) for c in cursors)]
                for (after, limit), naming in itertools.product(pages, (False, True)):
                    with statements(filled) as sent:
                        read = model.person_read(
                            stream_id,
                            at,
                            visibility=visibility,
                            naming=naming,
                            events=(after, limit),
                        )
                    selects = [s for s, _ in sent if s.lstrip(" (").upper().startswith("SELECT")]
                    assert len(selects) == 1
                    assert len(selects[0]) <= 4096 or not postgres
                    assert read.state == model.person(
                        stream_id, at, visibility=visibility, events=False
                    )
                    named = model.recommendations_naming([stream_id], at, visibility=visibility)
                    assert read.naming == (named[stream_id] if naming else [])
                    page = model.event_pages(
                        [stream_id], at, after=after, limit=limit, visibility=visibility
                    )
                    assert read.events == page[stream_id]
    alone = model.person_read("person-ayan", TimePoint())
    assert alone.state is not None and alone.naming == [] and alone.events == []


def test_a_page_of_persons_reads_the_recommendations_naming_them_in_its_statement(
    filled: Ledger,
) -> None:
    """persons with naming is what persons (without event ids) and recommendations_naming of its
    persons answer, at every point and view, for every page and filter, in the statements a
    page alone costs (one on PostgreSQL, the count and the page on SQLite)."""
    model = filled.read_model
    points = [TimePoint(), TimePoint(date(2016, 1, 1)), TimePoint(None, START)]
    filters: list[dict[str, Any]] = [
        {},
        {"search": "ayan"},
        {"custody_statuses": [CustodyStatus.IMPRISONED]},
        {"offset": 1, "limit": 1},
        {"offset": 5},
    ]
    counted = filled.engine.dialect.name == "postgresql"  # the page carries its count
    for at in (point.resolved() for point in points):
        for visibility, chosen, naming in itertools.product(Visibility, filters, (False, True)):
            with statements(filled) as sent:
                read = model.persons(
                    at, visibility=visibility, events=False, naming=naming, **chosen
                )
            page = model.persons(at, visibility=visibility, events=False, **chosen).page
            assert read.page == page
            selects = [s for s, _ in sent if s.lstrip(" (").upper().startswith(("SELECT", "WITH"))]
            assert len(selects) == (1 if counted and page.items else 2)
            ids = [person.stream_id for person in page.items]
            named = model.recommendations_naming(ids, at, visibility=visibility)
            assert read.naming == (named if naming else {stream_id: [] for stream_id in ids})
    everyone = model.persons(TimePoint(), events=False, naming=True)
    assert [r.code for r in everyone.naming["person-ayan"]] == ["EP-1", "EP-2"]


def test_a_served_implementation_summary_reads_the_custody_summary_in_its_statement(
    filled: Ledger,
) -> None:
    """Asked with ``custody`` in a served request, implementation_summary answers as without it
    and reads the custody summary at its point in its own statement: custody_summary at that
    point then answers what it reads alone, with no statement of its own; at another point it
    reads its own; read first, it is kept and not read again with the implementation summary.
    Outside a served request ``custody`` changes nothing."""
    model = filled.read_model
    points = [TimePoint(), TimePoint(date(2016, 1, 1)), TimePoint(None, START)]
    for at, visibility, addressee in itertools.product(
        (point.resolved() for point in points), Visibility, (None, "kazakhstan")
    ):
        alone = model.implementation_summary(at, addressee=addressee, visibility=visibility)
        custody = model.custody_summary(at, visibility=visibility)
        other = TimePoint(date(2030, 1, 1), at.known_at)
        with request_connection(filled.engine), statements(filled) as sent:
            summary = model.implementation_summary(
                at, addressee=addressee, visibility=visibility, custody=True
            )
            assert len(sent) == 1
            assert model.custody_summary(at, visibility=visibility) == custody
            assert len(sent) == 1
            model.custody_summary(other, visibility=visibility)
            assert len(sent) == 2
        assert summary == alone
        unserved = model.implementation_summary(
            at, addressee=addressee, visibility=visibility, custody=True
        )
        assert unserved == alone
    held = model.custody_summary(TimePoint(), visibility=Visibility.PUBLIC)
    assert held[CustodyStatus.IMPRISONED] > 0
    now = TimePoint().resolved()
    with request_connection(filled.engine), statements(filled) as sent:
        assert model.custody_summary(now) == held
        model.implementation_summary(now, custody=True)
    assert len(sent) == 2 and "person_states" not in sent[1][0], sent


def test_batch_lookup_returns_the_states_that_exist(filled: Ledger) -> None:
    found = filled.read_model.persons_by_ids(["person-ayan", "person-nobody"], TimePoint())
    assert list(found) == ["person-ayan"]
    assert found["person-ayan"] == filled.read_model.person("person-ayan", TimePoint())


def test_the_diff_names_the_events_that_started_and_stopped_counting(filled: Ledger) -> None:
    target = filled.store.read_stream("person-bokayev")[1]
    filled.service.clock = lambda: START + timedelta(days=2)
    filled.service.retract(target.id, "wrong", SOURCES, recorded_by="t")
    filled.service.append(
        "person-bokayev", [dated("CustodyObserved", {"status": "FREE"}, "2021")], recorded_by="t"
    )
    diff = filled.read_model.diff(
        "person-bokayev", TimePoint(date(2022, 1, 1), START), TimePoint(date(2022, 1, 1))
    )
    assert [e.type for e in diff.started] == ["CustodyObserved"]
    assert [e.id for e in diff.stopped] == [target.id]


def test_event_pages_walk_the_fold_order_and_the_projection_counts_the_events(
    ledger: Ledger,
) -> None:
    """Paging by cursor meets each counting event once, in the order of a full listing (undated
    first, then by latest day, earliest day, position), for several streams in one call; the
    projection's count is that listing's length. Public and full callers alike."""
    service = ledger.service
    detained = {"kind": "PRE_TRIAL_DETENTION"}
    streams = ("person-paged", "person-other")
    for stream in streams:
        stored = service.append(
            stream,
            [
                dated("PersonDetained", detained, "2018"),
                profile("Paged Person"),
                dated("PersonDetained", detained, "2018-12-31"),
                dated("PersonDetained", detained, "2017-05"),
                dated("PersonDetained", detained, "2018-12"),
                NewEvent(
                    "PersonDetained", detained, SOURCES, PartialDate.parse("2016"), None, True
                ),
                dated("PersonDetained", detained, "2018-12-31"),
                profile("Paged Person", "Alias"),
            ],
            recorded_by="t",
        )
        service.retract(stored.events[3].id, "mistaken", SOURCES, recorded_by="t")
    at = TimePoint(date(2021, 1, 1))
    model = ledger.read_model
    for visibility in Visibility:
        listed = model.event_ids_of(list(streams), at, visibility=visibility)
        walked: dict[str, list[str]] = {stream: [] for stream in streams}
        after = None
        while True:
            pages = model.event_pages(
                list(streams), at, after=after, limit=2, visibility=visibility
            )
            for stream, page in pages.items():
                walked[stream] += [str(event.id) for _, event in page]
            if len(pages[streams[0]]) < 2:
                break
            after = pages[streams[0]][-1][0]
        assert walked[streams[0]] == list(listed[streams[0]])
        assert len(listed[streams[0]]) == (7 if visibility is Visibility.FULL else 6)
        counts = model.event_counts(list(streams), at, visibility=visibility)
        assert counts == {stream: len(listed[stream]) for stream in streams}
