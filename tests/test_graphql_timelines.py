"""Timelines: a person's custody and a recommendation's status as periods (status, from, to,
openedBy) up to asOf, as known at knownAt, read from the projection's state versions; checked
against the state at every day (the oracle: a fresh fold) and through GraphQL on both
databases, retractions and restricted events included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from conftest import BACKENDS, bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.periods import opener, periods
from ledger.domain.person_fold import apply_person, bound_person, empty_person, fold_person
from ledger.domain.recorded_event import RecordedEvent
from ledger.domain.source import Source
from ledger.domain.statuses import CustodyStatus
from ledger.projections.timeline import MIN_DAY, certain_from, refold
from ledger.security.roles import Role
from ledger.store.event_store import StreamBatch

SOURCE = (Source(title="synthetic fixture"),)
PERSON = "person-timeline-test"

# --- the domain: periods from state versions, against the state at every day ---------------

STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "detained": ("PersonDetained", {"kind": "PRE_TRIAL_DETENTION"}),
    "sentenced": ("PersonSentenced", {"kind": "IMPRISONMENT", "termMonths": 12}),
    "suspended": ("PersonSentenced", {"kind": "SUSPENDED", "termMonths": 12}),
    "released": ("PersonReleased", {"grounds": "END_OF_TERM"}),
    "observed": ("CustodyObserved", {"status": "DETAINED"}),
}


def recorded(position: int, step: str, day: date) -> RecordedEvent:
    type_, data = STEPS[step]
    return RecordedEvent(
        id=uuid4(),
        position=position,
        stream_id=PERSON,
        version=position,
        type=type_,
        schema_version=1,
        occurred_on=PartialDate.parse(day.isoformat()),
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        recorded_by="test",
        data=data,
        sources=(),
        hash="",
        previous_hash="",
    )


histories = st.lists(
    st.tuples(st.sampled_from(sorted(STEPS)), st.integers(min_value=0, max_value=30)),
    max_size=12,
)


@given(history=histories)
def test_periods_say_the_status_the_fold_gives_at_every_day(
    history: list[tuple[str, int]],
) -> None:
    start = date(2019, 1, 1)
    events = [
        recorded(i + 1, step, start + timedelta(days=d)) for i, (step, d) in enumerate(history)
    ]
    ordered = sorted(events, key=RecordedEvent.fold_key)
    spans = refold(MIN_DAY, empty_person(PERSON), 0, ordered, apply_person, bound_person)
    found = periods(
        [(span.valid_from, span.state) for span in spans],
        empty_person(PERSON),
        lambda s: s.custody_status,
        lambda s: s.custody_since,
    )
    assert all(a.status != b.status for a, b in pairwise(found))
    assert found[-1].until is None
    for offset in range(-1, 33):
        day = start + timedelta(days=offset)
        counting = [e for e in ordered if certain_from(e) <= day]
        current = [p for p in found if p.day <= day][-1]
        assert current.status == fold_person(PERSON, counting).custody_status
    for period in found[1:]:
        on_day = [e for e in ordered if certain_from(e) == period.day]
        first = opener(period.previous, on_day, apply_person, lambda s: s.custody_status)
        assert first is not None and first.occurred_on == period.since


# --- through GraphQL --------------------------------------------------------------------------


def dated(type_: str, day: str | None, data: dict[str, Any]) -> NewEvent:
    return NewEvent(type_, data, SOURCE, PartialDate.parse(day) if day else None)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[Ledger]:
    ledger = make_ledger(fresh_database_url(request.param))
    ledger.store.append_batches(
        [
            StreamBatch(
                PERSON,
                (
                    dated("PersonProfiled", None, {"name": "Timeline Test"}),
                    # detained and sentenced on one day: the sentence opened the period
                    dated("PersonDetained", "2019-01-10", {"kind": "PRE_TRIAL_DETENTION"}),
                    dated(
                        "PersonSentenced", "2019-01-10", {"kind": "IMPRISONMENT", "termMonths": 36}
                    ),
                    dated("CustodyObserved", "2019-06", {"status": "IMPRISONED"}),
                    dated("PersonReleased", "2019-12-27", {"grounds": "HEALTH"}),
                ),
            ),
            StreamBatch(
                "recommendation-timeline-01",
                (
                    dated(
                        "RecommendationIssued",
                        "2019-03-14",
                        {
                            "code": "TL-01",
                            "text": "Release him",
                            "instrument": "Synthetic resolution",
                            "addressee": "Kazakhstan",
                            "theme": "Political prisoners",
                            "personIds": [PERSON],
                        },
                    ),
                    dated(
                        "ImplementationAssessed",
                        "2019-06",
                        {"status": "NOT_IMPLEMENTED", "wording": "no", "assessor": "NGO"},
                    ),
                    dated(
                        "ImplementationAssessed",
                        "2019-09",
                        {"status": "NOT_IMPLEMENTED", "wording": "still no", "assessor": "NGO"},
                    ),
                    dated(
                        "ImplementationAssessed",
                        "2020-02-17",
                        {"status": "PARTIALLY_IMPLEMENTED", "wording": "partly", "assessor": "NGO"},
                    ),
                ),
            ),
        ],
        recorded_by="fixture",
    )
    yield ledger
    ledger.close()


@pytest.fixture
def client(seeded: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=seeded)) as test_client:
        yield test_client


def data(client: TestClient, query: str, headers: dict[str, str] | None = None) -> Any:
    body = client.post("/graphql", json={"query": query}, headers=headers or {}).json()
    assert "errors" not in body, body
    return body["data"]


CUSTODY = """{ person(id: "%s"%s) { custodyTimeline {
    status from { text } to { text } openedBy { type occurredOn { text } } } } }"""


def timeline(client: TestClient, arguments: str = "") -> list[Any]:
    return list(data(client, CUSTODY % (PERSON, arguments))["person"]["custodyTimeline"])


def test_custody_timeline_is_the_periods_with_the_events_that_opened_them(
    client: TestClient,
) -> None:
    assert timeline(client) == [
        {"status": "UNKNOWN", "from": None, "to": {"text": "2019-01-10"}, "openedBy": None},
        {
            "status": "IMPRISONED",
            "from": {"text": "2019-01-10"},
            "to": {"text": "2019-12-27"},
            "openedBy": {"type": "PersonSentenced", "occurredOn": {"text": "2019-01-10"}},
        },
        {
            "status": "RESTRICTED",
            "from": {"text": "2019-12-27"},
            "to": None,
            "openedBy": {"type": "PersonReleased", "occurredOn": {"text": "2019-12-27"}},
        },
    ]


def test_a_timeline_stops_at_as_of_with_the_last_period_open(client: TestClient) -> None:
    periods_then = timeline(client, ', asOf: "2019-12-26"')
    assert [p["status"] for p in periods_then] == ["UNKNOWN", "IMPRISONED"]
    assert periods_then[-1]["to"] is None


def test_status_timeline_merges_assessments_that_keep_the_status(client: TestClient) -> None:
    query = """{ recommendation(id: "recommendation-timeline-01") { statusTimeline {
        status from { text } to { text } openedBy { data } } } }"""
    found = data(client, query)["recommendation"]["statusTimeline"]
    assert [(p["status"], p["from"], p["to"]) for p in found] == [
        ("NOT_ASSESSED", None, {"text": "2019-06"}),
        ("NOT_IMPLEMENTED", {"text": "2019-06"}, {"text": "2020-02-17"}),
        ("PARTIALLY_IMPLEMENTED", {"text": "2020-02-17"}, None),
    ]
    assert found[1]["openedBy"]["data"]["wording"] == "no"


def test_a_retraction_changes_the_timeline_from_its_record_time_only(
    seeded: Ledger, client: TestClient
) -> None:
    before = datetime.now(UTC)
    release = next(e for e in seeded.store.read_feed(0, 100) if e.type == "PersonReleased")
    seeded.store.retract(release.id, "wrong person", SOURCE, recorded_by="test")
    assert [p["status"] for p in timeline(client)] == ["UNKNOWN", "IMPRISONED"]
    known = f', knownAt: "{before.isoformat()}"'
    assert [p["status"] for p in timeline(client, known)][-1] == "RESTRICTED"


def test_a_restricted_event_shapes_no_public_timeline(seeded: Ledger, client: TestClient) -> None:
    stream = "person-timeline-hidden"
    seeded.store.append(
        stream,
        [
            dated("PersonProfiled", None, {"name": "Hidden Timeline"}),
            NewEvent(
                "PersonDetained",
                {"kind": "PRE_TRIAL_DETENTION"},
                SOURCE,
                PartialDate.parse("2019-02-01"),
                restricted=True,
            ),
        ],
        recorded_by="test",
    )
    admin = bearer(seeded, Role.ADMIN)
    public = data(client, CUSTODY % (stream, ""))["person"]["custodyTimeline"]
    full = data(client, CUSTODY % (stream, ""), admin)["person"]["custodyTimeline"]
    assert [p["status"] for p in public] == ["UNKNOWN"]
    assert [p["status"] for p in full] == ["UNKNOWN", "DETAINED"]
    assert CustodyStatus.DETAINED.value not in str(public)
