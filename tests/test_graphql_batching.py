"""No N+1: a page of persons with nested charges, sentences, UN decisions, custody timelines (and
the events that opened each period), recommendations (their persons and status timelines) and
events costs the same number of SQL statements for 5 persons as for 100."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from conftest import BACKENDS, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.domain.new_event import NewEvent
from ledger.domain.partial_date import PartialDate
from ledger.domain.source import Source
from ledger.store.event_store import StreamBatch

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

PERSONS = 120
SOURCE = (Source(title="synthetic fixture"),)

PAGE = """query($n: Int) { persons(first: $n, asOf: "2021-01-01") { totalCount edges { node {
    name custodyStatus
    custodyTimeline { status from { text } to { text } openedBy { type } }
    charges { article chargedOn { text } }
    sentences { kind termMonths }
    unDecisions { reference demands }
    recommendations { code status persons { name } assessments { status event { position } }
        statusTimeline { status from { text } openedBy { position } } }
    events(first: 3) { totalCount edges { node { type retractedBy { position } } } }
} } } }"""


def _person(index: int) -> StreamBatch:
    def dated(type_: str, day: str, data: dict[str, Any]) -> NewEvent:
        return NewEvent(type_, data, SOURCE, PartialDate.parse(day))

    return StreamBatch(
        f"person-synthetic-{index:03d}",
        (
            NewEvent("PersonProfiled", {"name": f"Synthetic Person {index:03d}"}, SOURCE),
            dated("PersonCharged", "2019-01-10", {"article": "174"}),
            dated("PersonSentenced", "2019-05-20", {"kind": "IMPRISONMENT", "termMonths": 36}),
            dated("UnDecisionAdopted", "2020", {"body": "UN WGAD", "reference": f"W/{index}"}),
        ),
    )


def _recommendation(index: int, person_ids: list[str]) -> StreamBatch:
    issued = {
        "code": f"SYN-{index:02d}",
        "text": "Release them",
        "instrument": "Synthetic resolution",
        "addressee": "Kazakhstan",
        "theme": "Political prisoners",
        "personIds": person_ids,
    }
    assessed = {"status": "NOT_IMPLEMENTED", "wording": "not done", "assessor": "NGO"}
    return StreamBatch(
        f"recommendation-syn-{index:02d}",
        (
            NewEvent("RecommendationIssued", issued, SOURCE, PartialDate.parse("2019-03-14")),
            NewEvent("ImplementationAssessed", assessed, SOURCE, PartialDate.parse("2020-02")),
        ),
    )


@pytest.fixture(scope="module", params=BACKENDS)
def synthetic(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[Ledger]:
    """More persons than the largest page, each with every nested kind of fact, appended through
    the store; recommendations each name a slice of them."""
    ledger = make_ledger(fresh_database_url(request.param))
    batches = [_person(i) for i in range(PERSONS)]
    ids = [b.stream_id for b in batches]
    batches += [_recommendation(i, ids[i * 12 : i * 12 + 14]) for i in range(PERSONS // 12)]
    ledger.store.append_batches(batches, recorded_by="fixture")
    yield ledger
    ledger.close()


def count_statements(ledger: Ledger, client: TestClient, first: int) -> tuple[int, Any]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        response = client.post("/graphql", json={"query": PAGE, "variables": {"n": first}})
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)
    body = response.json()
    assert "errors" not in body, body
    return len(statements), body["data"]["persons"]


def test_a_page_of_100_persons_costs_as_many_statements_as_a_page_of_5(
    synthetic: Ledger,
) -> None:
    with TestClient(create_app(ledger=synthetic)) as client:
        small, small_page = count_statements(synthetic, client, 5)
        large, large_page = count_statements(synthetic, client, 100)
    assert len(small_page["edges"]) == 5
    assert len(large_page["edges"]) == 100
    node = large_page["edges"][0]["node"]
    assert node["charges"] and node["sentences"] and node["unDecisions"]
    assert [p["status"] for p in node["custodyTimeline"]] == ["UNKNOWN", "IMPRISONED"]
    assert node["custodyTimeline"][1]["openedBy"] == {"type": "PersonSentenced"}
    timeline = node["recommendations"][0]["statusTimeline"]
    assert [p["status"] for p in timeline] == ["NOT_ASSESSED", "NOT_IMPLEMENTED"]
    assert timeline[1]["from"] == {"text": "2020-02"} and timeline[1]["openedBy"]["position"] > 0
    assert node["recommendations"][0]["persons"]
    assert node["recommendations"][0]["assessments"][0]["event"]["position"] > 0
    assert small == large, f"5 persons: {small} statements, 100 persons: {large}"
