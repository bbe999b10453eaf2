"""The data set in ``events/`` (ODF report of February 2020 on Kazakhstan's implementation of the
European Parliament resolution of 14 March 2019): file-level checks of its content, no database."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from ledger.dataset.files import SOURCES_FILE, Dataset, read_dataset, stream_files
from ledger.domain.new_event import NewEvent

EVENTS = Path(__file__).resolve().parents[1] / "events"
REPORT_ID = "odf-2020-kazakhstan-ep-resolution-report"
REPORT_DATE = date(2020, 2, 17)
ASSESSOR = "Open Dialogue Foundation and partners"

RELEASE_STATUS = {
    "PAROLE": "RESTRICTED",
    "HEALTH": "RESTRICTED",
    "CONVERSION": "RESTRICTED",
    "PENDING_TRIAL": "RESTRICTED",
}
SENTENCE_STATUS = {
    "IMPRISONMENT": "IMPRISONED",
    "ADMINISTRATIVE_ARREST": "DETAINED",
    "COMPULSORY_TREATMENT": "DETAINED",
    "CORRECTIONAL_LABOUR": "RESTRICTED",
    "BAN": "RESTRICTED",
    "SUSPENDED": "RESTRICTED",
    "RESTRICTION_OF_LIBERTY": "RESTRICTED",
}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_dataset(EVENTS)


@pytest.fixture(scope="module")
def raw_events() -> list[tuple[Path, dict[str, Any]]]:
    """Every event as written in its file (source ids unresolved)."""
    found = []
    for path in stream_files(EVENTS):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.extend((path, event) for event in document["events"])
    return found


def _fold_key(event: NewEvent) -> tuple[Any, ...]:
    if event.occurred_on is None:
        return (0,)
    return (1, *event.occurred_on.sort_key())


def _counting(events: tuple[NewEvent, ...], as_of: date) -> list[NewEvent]:
    """Events that certainly count as of a day (their latest day is on or before it), in fold
    order (stable: file order breaks ties)."""
    kept = [e for e in events if e.occurred_on is None or e.occurred_on.last_day <= as_of]
    return sorted(kept, key=_fold_key)


def _recommendations(dataset: Dataset, prefix: str) -> dict[str, tuple[NewEvent, ...]]:
    return {s.stream_id: s.events for s in dataset.streams if s.stream_id.startswith(prefix)}


def test_every_event_has_a_source(dataset: Dataset) -> None:
    for stream in dataset.streams:
        for event in stream.events:
            assert event.sources, f"{stream.path}: event {event.id} has no source"


def test_event_ids_are_unique_across_files(raw_events: list[tuple[Path, dict[str, Any]]]) -> None:
    counts = Counter(str(event["id"]) for _, event in raw_events)
    duplicated = [event_id for event_id, n in counts.items() if n > 1]
    assert not duplicated, f"event ids used more than once: {duplicated}"


def test_every_listed_source_is_used(raw_events: list[tuple[Path, dict[str, Any]]]) -> None:
    listed = yaml.safe_load((EVENTS / SOURCES_FILE).read_text(encoding="utf-8"))["sources"]
    used = {source_id for _, event in raw_events for source_id in event["sources"]}
    unused = [item["id"] for item in listed if item["id"] not in used]
    assert not unused, f"sources listed but cited by no event: {unused}"
    assert REPORT_ID in used


def test_recommendation_counts(dataset: Dataset) -> None:
    kz = _recommendations(dataset, "recommendation-ep-2019-kz-")
    eu = _recommendations(dataset, "recommendation-ep-2019-eu-")
    assert len(kz) == 20
    assert len(eu) == 2
    for events in [*kz.values(), *eu.values()]:
        issued = [e for e in events if e.type == "RecommendationIssued"]
        assert len(issued) == 1
        assert str(issued[0].occurred_on) == "2019-03-14"
        assert issued[0].data["instrument"] == "European Parliament resolution 2019/2610(RSP)"


def test_every_kz_recommendation_is_assessed(dataset: Dataset) -> None:
    for stream_id, events in _recommendations(dataset, "recommendation-ep-2019-kz-").items():
        assessments = [e for e in events if e.type == "ImplementationAssessed"]
        assert assessments, f"{stream_id} has no ImplementationAssessed"
        assert all(e.data["assessor"] == ASSESSOR for e in assessments)


def test_kz_recommendations_18_not_implemented_2_partially(dataset: Dataset) -> None:
    statuses: Counter[str] = Counter()
    for events in _recommendations(dataset, "recommendation-ep-2019-kz-").values():
        assessments = [e for e in _counting(events, date.max) if e.type == "ImplementationAssessed"]
        statuses[assessments[-1].data["status"]] += 1
    assert statuses == {"NOT_IMPLEMENTED": 18, "PARTIALLY_IMPLEMENTED": 2}


def test_every_un_decision_has_a_reference(dataset: Dataset) -> None:
    for stream in dataset.streams:
        for event in stream.events:
            if event.type == "UnDecisionAdopted":
                assert str(event.data.get("reference") or "").strip(), f"{stream.path}: {event.id}"


def test_every_person_named_by_a_recommendation_has_a_stream(dataset: Dataset) -> None:
    persons = {s.stream_id for s in dataset.streams if s.stream_id.startswith("person-")}
    for stream in dataset.streams:
        for event in stream.events:
            if event.type == "RecommendationIssued":
                missing = set(event.data.get("personIds", [])) - persons
                assert not missing, f"{stream.path}: no stream file for {sorted(missing)}"


def test_person_files_start_with_a_profile(dataset: Dataset) -> None:
    for stream in dataset.streams:
        if stream.stream_id.startswith("person-"):
            assert stream.events[0].type == "PersonProfiled", stream.path
            assert stream.path.name == stream.stream_id.removeprefix("person-") + ".yaml"


def _custody(events: list[NewEvent]) -> str:
    """Custody after the events, by the transition table of ``ledger.domain.person_fold``."""
    status = "UNKNOWN"
    for event in events:
        data = event.data
        if event.type == "PersonDetained":
            status = "DETAINED"
        elif event.type == "PersonSentenced":
            status = SENTENCE_STATUS.get(data["kind"], status)
        elif event.type == "PersonReleased":
            status = data.get("resultingStatus") or RELEASE_STATUS.get(data["grounds"], "FREE")
        elif event.type == "PersonPardoned":
            status = "FREE" if data.get("unconditional", True) else "RESTRICTED"
        elif event.type == "AppealDecided" and data["outcome"] == "OVERTURNED":
            status = "FREE"
        elif event.type == "AppealDecided" and data.get("sentence"):
            status = SENTENCE_STATUS.get(data["sentence"]["kind"], status)
        elif event.type == "ParoleDecided":
            status = "RESTRICTED" if data["granted"] else status
        elif event.type == "RestrictionImposed" and status not in ("DETAINED", "IMPRISONED"):
            status = "RESTRICTED"
        elif event.type == "CustodyObserved":
            status = data["status"]
    return status


def test_sixteen_designated_political_prisoners_held_at_report_date(dataset: Dataset) -> None:
    held = set()
    for stream in dataset.streams:
        if not stream.stream_id.startswith("person-"):
            continue
        events = _counting(stream.events, REPORT_DATE)
        designated = any(
            e.type == "DesignationMade"
            and e.data["label"] == "political prisoner"
            and e.data["assessor"] == ASSESSOR
            for e in events
        )
        if designated and _custody(events) in ("DETAINED", "IMPRISONED"):
            held.add(stream.stream_id.removeprefix("person-"))
    assert held == {
        "aset-abishev",
        "almat-zhumagulov",
        "kenzhebek-abishev",
        "yerzhan-yelshibayev",
        "kaiyrly-omar",
        "sanat-bukenov",
        "aron-atabek",
        "erlan-baltabay",
        "zhambyl-kobeysinov",
        "ruslan-ginatullin",
        "igor-chuprina",
        "igor-sychev",
        "murager-alimuly",
        "kaster-musakhanuly",
        "maks-bokayev",
        "mukhtar-dzhakishev",
    }
