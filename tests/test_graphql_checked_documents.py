"""A document is checked against its bounds and validated once per distinct variables: the rules
that read the variables (a page's `first`, a time argument) judge each request's own, never the
answer kept for other variables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import make_ledger
from ledger.app import create_app
from ledger.graphql import limits

NESTED = """query($n: Int) { persons(first: $n) { edges { node { recommendations { persons {
  events(first: $n) { totalCount } } } } } } }"""


def gql(client: TestClient, query: str, variables: dict[str, Any]) -> Any:
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    """Without the answer cache, so that every request reaches validation."""
    ledger = make_ledger(database_url, graphql_cache_bytes=0)
    with TestClient(create_app(ledger=ledger)) as test_client:
        yield test_client
    ledger.close()


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The variables of each graphql-core validation the ledger's extension makes."""
    made: list[dict[str, Any]] = []
    validate = limits.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        made.append(next(rule for rule in rules if issubclass(rule, limits.CostRule)).variables)
        return validate(schema, document, rules)

    monkeypatch.setattr(limits, "validate_document", counted)
    return made


def test_a_document_is_validated_once_for_the_same_variables(
    client: TestClient, validations: list[dict[str, Any]]
) -> None:
    for _ in range(3):
        assert "errors" not in gql(client, NESTED, {"n": 2})
    assert validations == [{"n": 2}]


def test_other_variables_are_validated_with_their_own_values(
    client: TestClient, validations: list[dict[str, Any]]
) -> None:
    assert "errors" not in gql(client, NESTED, {"n": 2})
    refused = gql(client, NESTED, {"n": 100})
    assert refused.get("data") is None
    assert {error["extensions"]["code"] for error in refused["errors"]} == {"QUERY_TOO_COSTLY"}
    assert "errors" not in gql(client, NESTED, {"n": 2})
    assert validations == [{"n": 2}, {"n": 100}]


def test_a_document_over_its_bounds_is_refused_without_being_validated(
    client: TestClient, validations: list[dict[str, Any]]
) -> None:
    query = "{ " + " ".join(f"a{i}: head {{ position }}" for i in range(40)) + " }"
    body = gql(client, query, {})
    assert body.get("data") is None
    assert "alias" in body["errors"][0]["message"].lower()
    assert validations == []
