"""`span`: the days the ledger's dated events cover, the range an asOf slider offers."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from conftest import EVENTS
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset

QUERY = "query ($knownAt: DateTime) { span(knownAt: $knownAt) { earliest latest } }"


def _span(client: TestClient, known_at: str | None = None) -> Any:
    answer = client.post("/graphql", json={"query": QUERY, "variables": {"knownAt": known_at}})
    return answer.json()["data"]["span"]


def test_an_empty_ledger_spans_no_day(client: TestClient) -> None:
    assert _span(client) == {"earliest": None, "latest": None}


def test_the_report_spans_its_first_to_its_last_dated_day(
    client: TestClient, ledger: Ledger
) -> None:
    load_dataset(ledger.store, EVENTS, recorded_by="test")
    assert _span(client) == {"earliest": "2007-01-01", "latest": "2020-03-03"}


def test_span_as_known_before_anything_was_recorded_is_empty(
    client: TestClient, ledger: Ledger
) -> None:
    load_dataset(ledger.store, EVENTS, recorded_by="test")
    assert _span(client, "2000-01-01T00:00:00Z") == {"earliest": None, "latest": None}
