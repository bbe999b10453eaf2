"""Arguments read as a person would write them: an addressee in any case and with or without
accents, an unknown one named as such, an impossible day called impossible."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.container import Ledger
from ledger.domain.new_event import parse_new_event

SUMMARY = "query($a: String) { implementationSummary(addressee: $a) { status count } }"
LISTED = "query($a: String) { recommendations(addressee: $a) { totalCount } }"


def gql(client: TestClient, query: str, **variables: str) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def issued(ledger: Ledger) -> Ledger:
    event = {
        "type": "RecommendationIssued",
        "occurredOn": "2019-03-14",
        "data": {
            "code": "EP-1",
            "text": "Release them.",
            "instrument": "EP resolution",
            "addressee": "Kazakhstan",
            "theme": "Political prisoners",
        },
        "sources": [{"title": "EP resolution"}],
    }
    ledger.service.append("recommendation-ep-1", [parse_new_event(event)], recorded_by="t")
    return ledger


def not_assessed(body: Any) -> int:
    counts = {row["status"]: row["count"] for row in body["data"]["implementationSummary"]}
    return int(counts["NOT_ASSESSED"])


@pytest.mark.parametrize("spelling", ["Kazakhstan", "kazakhstan", "KAZAKHSTAN", "Kazakhstán"])
def test_the_addressee_filter_ignores_case_and_accents(
    issued: Ledger, client: TestClient, spelling: str
) -> None:
    assert not_assessed(gql(client, SUMMARY, a=spelling)) == 1
    listed = gql(client, LISTED, a=spelling)
    assert listed["data"]["recommendations"]["totalCount"] == 1


def test_an_unknown_addressee_says_so_and_names_the_known_ones(
    issued: Ledger, client: TestClient
) -> None:
    body = gql(client, SUMMARY, a="Kazakstan")
    assert body["data"] is None
    message = body["errors"][0]["message"]
    assert message == "no recommendation has this addressee; addressees: 'Kazakhstan'"


def test_an_addressee_not_yet_known_at_the_point_counts_zero_not_an_error(
    issued: Ledger, client: TestClient
) -> None:
    body = gql(
        client,
        '{ implementationSummary(addressee: "Kazakhstan", knownAt: "2000-01-01T00:00:00Z")'
        " { status count } }",
    )
    assert "errors" not in body and not_assessed(body) == 0


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2020-02-30", "'2020-02-30': that day does not exist"),
        ("2019-02-29", "'2019-02-29': that day does not exist"),
        ("2020-13-01", "'2020-13-01': month 13 does not exist"),
        ("17.02.2020", "'17.02.2020' is not a date: use YYYY-MM-DD, e.g. 2019-12-27"),
    ],
)
def test_an_impossible_day_is_called_impossible(
    client: TestClient, as_of: str, message: str
) -> None:
    body = gql(client, "query($d: Date) { custodySummary(asOf: $d) { count } }", d=as_of)
    assert message in body["errors"][0]["message"]
