"""The data set's own audit (issue 11): every date says no more than the report, every reasoning is
a note any reader sees, every contradiction is two accounts that name each other, and the
convictions and names the report states are in structured data.

File-level checks read ``events/`` as written; the last tests load it and ask the read model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import BACKENDS, EVENTS, make_ledger
from ledger.container import Ledger
from ledger.dataset.files import stream_files
from ledger.dataset.loader import load_dataset
from ledger.domain.time_point import TimePoint

REPORT_DAY = "2020-02-17"
REPORT_DAY_IN_WORDS = "17 February 2020"
ASSESSOR = "Open Dialogue Foundation and partners"
AT_REPORT = TimePoint(as_of=date(2020, 2, 17))

# What the report states at its own date: an observation of the moment, or the report's own act.
OBSERVATIONS = {"CustodyObserved", "IndicatorObserved"}
THE_REPORTS_OWN = {"DesignationMade", "ImplementationAssessed"}

BATYRBEKOV_PAROLE = "ec502662-6a47-44b9-a4b7-528f7177e9c4"
BATYRBEKOV_ACQUITTAL = {
    "1c319baf-2c32-4dbb-b289-df0eaad390d7",
    "71c9ef2a-c883-4770-8258-235b610456a3",
}

CONVICTED_UNDER_174 = {
    "person-almat-zhumagulov",
    "person-ruslan-ginatullin",
    "person-igor-chuprina",
    "person-serikzhan-bilash",
    "person-maks-bokayev",
}


Event = tuple[Path, str, dict[str, Any]]


@pytest.fixture(scope="module")
def events() -> list[Event]:
    """Every event as written, in load order, with its file and stream."""
    found = []
    for path in stream_files(EVENTS):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend((path, document["stream"], event) for event in document["events"])
    return found


def _where(path: Path, event: dict[str, Any]) -> str:
    return f"{path.relative_to(EVENTS)}: {event['type']} {event['id']}"


def _is_qualified(occurred_on: str) -> bool:
    """An interval, an open end, or a date the source gives only roughly or doubtfully."""
    return "/" in occurred_on or occurred_on.endswith(("~", "?"))


def test_no_event_is_dated_on_the_report_day_unless_the_report_states_it_at_that_date(
    events: list[Event],
) -> None:
    for path, _, event in events:
        if str(event.get("occurredOn")) != REPORT_DAY:
            continue
        where = _where(path, event)
        assert event["type"] in OBSERVATIONS | THE_REPORTS_OWN, (
            f"{where}: an undated fact pinned to the report day: date it as the text does"
        )
        if event["type"] in THE_REPORTS_OWN:
            assert event["data"]["assessor"] == ASSESSOR, (
                f"{where}: someone else's act on the report day"
            )
        assert REPORT_DAY_IN_WORDS in event.get("note", ""), (
            f"{where}: the note must say the report states this at its date"
        )


def test_the_report_day_is_an_observation_day_not_a_default(events: list[Event]) -> None:
    """The issue counted 93 events on the report day; what remains are observations and the
    report's own designations and verdicts."""
    on_report_day = [e for _, _, e in events if str(e.get("occurredOn")) == REPORT_DAY]
    assert {e["type"] for e in on_report_day} <= OBSERVATIONS | THE_REPORTS_OWN
    assert not [
        e
        for _, _, e in events
        if e["type"] in {"PersonCharged", "AsylumDecided", "ExtraditionDecided"}
        and str(e.get("occurredOn")) == REPORT_DAY
    ]


def test_no_explanatory_yaml_comment_is_left_in_any_stream_file() -> None:
    """Reasoning lives in the events' notes, which every reader of the API sees."""
    for path in stream_files(EVENTS):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            before_quote = re.split(r"['\"]", line, maxsplit=1)[0]
            assert "#" not in before_quote, (
                f"{path.relative_to(EVENTS)}:{number}: comment {line.strip()!r}"
            )


def test_every_qualified_or_derived_date_explains_itself_in_a_note(events: list[Event]) -> None:
    for path, _, event in events:
        occurred_on = str(event.get("occurredOn") or "")
        if _is_qualified(occurred_on):
            assert event.get("note", "").strip(), (
                f"{_where(path, event)}: '{occurred_on}' without a note"
            )


def test_every_recommendation_and_verdict_carries_its_note(events: list[Event]) -> None:
    for path, _, event in events:
        if event["type"] in {"RecommendationIssued", "ImplementationAssessed"}:
            assert event.get("note", "").strip(), _where(path, event)


def test_every_dispute_names_an_earlier_event_that_is_not_itself(events: list[Event]) -> None:
    seen: set[str] = set()
    for path, _, event in events:
        for disputed in event.get("disputes", []):
            assert str(disputed) != str(event["id"]), f"{_where(path, event)} disputes itself"
            assert str(disputed) in seen, (
                f"{_where(path, event)}: {disputed} is not stored before it"
            )
        if event.get("disputes"):
            assert "wins" in event.get("note", "") or "folds last" in event.get("note", ""), (
                f"{_where(path, event)}: the note must say which account the fold lets win"
            )
        seen.add(str(event["id"]))


def test_batyrbekovs_parole_and_acquittal_are_two_accounts_that_dispute_each_other(
    events: list[Event],
) -> None:
    by_id = {str(e["id"]): e for _, _, e in events}
    parole = by_id[BATYRBEKOV_PAROLE]
    assert parole["data"]["grounds"] == "PAROLE"
    assert set(map(str, parole["disputes"])) == BATYRBEKOV_ACQUITTAL
    assert str(parole["occurredOn"]) == "2019-09-23/2020-02-17", (
        "the report says 'between 2019-2020'"
    )
    for acquittal in BATYRBEKOV_ACQUITTAL:
        assert str(by_id[acquittal]["occurredOn"]) == "2020-01"
        assert "Section 3" in by_id[acquittal]["note"]


def test_convictions_under_article_174_are_structured_data(events: list[Event]) -> None:
    convicted = {
        stream
        for _, stream, e in events
        if e["type"] == "PersonSentenced" and "174" in e["data"].get("articles", [])
    }
    assert convicted == CONVICTED_UNDER_174


def test_persons_named_in_an_assessment_are_linked_to_it(events: list[Event]) -> None:
    persons = {stream for _, stream, _ in events if stream.startswith("person-")}
    mentioned: dict[str, set[str]] = {}
    for path, stream, event in events:
        if event["type"] == "ImplementationAssessed":
            ids = set(event["data"].get("mentionedPersonIds", []))
            assert ids <= persons, f"{_where(path, event)}: no stream for {sorted(ids - persons)}"
            mentioned[stream] = ids
    assert "person-ruslan-ginatullin" in mentioned["recommendation-ep-2019-kz-03"]
    assert "person-edige-batyrov" in mentioned["recommendation-ep-2019-kz-07"]
    assert "person-botagoz-jardemalie" in mentioned["recommendation-ep-2019-kz-19"]


# --- loaded ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def report(
    request: pytest.FixtureRequest, fresh_database_url: Callable[[str], str]
) -> Iterator[Ledger]:
    ledger = make_ledger(fresh_database_url(request.param))
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    yield ledger
    ledger.close()


def test_a_search_for_article_174_convictions_finds_every_convicted_person(report: Ledger) -> None:
    persons = report.read_model.persons(AT_REPORT, limit=1000).page.items
    convicted = {p.stream_id for p in persons if any("174" in s.articles for s in p.sentences)}
    assert convicted == CONVICTED_UNDER_174


def test_every_stored_dispute_resolves_to_the_event_it_names(report: Ledger) -> None:
    """Loaded, each disputed event lists its disputer (``disputedBy``; read model: disputing)."""
    now = TimePoint().resolved()
    disputers = {str(e.id): e for e in report.store.query(limit=100_000) if e.disputes}
    assert BATYRBEKOV_PAROLE in disputers
    for disputer in disputers.values():
        named = [str(d) for d in disputer.disputes]
        found = report.read_model.disputing(named, now)
        for disputed in named:
            assert [str(e.id) for e in found[disputed]] == [str(disputer.id)], disputed


def test_batyrbekovs_acquittal_is_disputed_by_his_parole_once_loaded(report: Ledger) -> None:
    found = report.read_model.disputing(sorted(BATYRBEKOV_ACQUITTAL), TimePoint().resolved())
    for acquittal in BATYRBEKOV_ACQUITTAL:
        assert [str(e.id) for e in found[acquittal]] == [BATYRBEKOV_PAROLE]


def test_ginatullin_is_reachable_from_the_recommendation_whose_assessment_names_him(
    report: Ledger,
) -> None:
    state = report.read_model.recommendation("recommendation-ep-2019-kz-03", AT_REPORT)
    assert state is not None
    assert "person-ruslan-ginatullin" in state.mentioned_person_ids
    assert "person-ruslan-ginatullin" not in state.person_ids
