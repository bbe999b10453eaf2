"""Bounded work per GraphQL request: a document's size is measured in time linear in its text,
so a small document that expands exponentially through fragments is refused before it runs,
and so is one that repeats a field a thousand times."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import get_introspection_query, parse

from ledger.config import Settings
from ledger.graphql import limits
from ledger.graphql.bounds import Bounds, check_bounds

#: Generous: the check takes milliseconds (bench/hardening.py); the exponential walk it
#: replaced never finished at depth 30. This only keeps a regression from hanging the suite.
HANG_GUARD_SECONDS = 60


def fan_out(depth: int) -> str:
    """``F0`` spreads ``F1`` twice, ``F1`` spreads ``F2`` twice …: 2**depth fields expanded."""
    fragments = [
        f"fragment F{level} on Query {{ ...F{level + 1} ...F{level + 1} head {{ position }} }}"
        for level in range(depth)
    ]
    fragments.append(f"fragment F{depth} on Query {{ head {{ position }} }}")
    return "query { ...F0 } " + " ".join(fragments)


def post_with_guard(client: TestClient, query: str) -> Any:
    answer: list[Any] = []
    worker = threading.Thread(
        target=lambda: answer.append(client.post("/graphql", json={"query": query})),
        daemon=True,
    )
    worker.start()
    worker.join(HANG_GUARD_SECONDS)
    assert answer, f"no answer within {HANG_GUARD_SECONDS} s"
    return answer[0]


@pytest.mark.parametrize("depth", [30, 60])
def test_the_fan_out_family_is_refused_before_it_runs(client: TestClient, depth: int) -> None:
    response = post_with_guard(client, fan_out(depth))
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert codes == {"QUERY_TOO_COMPLEX"}
    message = body["errors"][0]["message"]
    assert "fields once its fragments are expanded" in message or "fragment spreads" in message


def test_a_thousand_repeated_fields_are_refused(client: TestClient) -> None:
    query = "{ " + " ".join("head { position }" for _ in range(1000)) + " }"
    body = post_with_guard(client, query).json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_one_field_repeated_past_the_limit_is_refused_even_when_few_fields(
    client: TestClient,
) -> None:
    body = post_with_guard(client, "{ " + "head { position } " * 40 + "}").json()
    assert body["data"] is None
    assert "the same field 40 times" in body["errors"][0]["message"]


def test_a_document_is_measured_once_and_refused_every_time_it_is_sent(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured: list[str] = []

    def counting(document: Any, bounds: Bounds) -> list[Any]:
        measured.append("once")
        return check_bounds(document, bounds)

    monkeypatch.setattr(limits, "check_bounds", counting)
    query = "{ " + "head { position } " * 41 + "}"
    for _ in range(3):
        body = post_with_guard(client, query).json()
        assert body["data"] is None
        assert "the same field 41 times" in body["errors"][0]["message"]
    assert measured == ["once"]


def test_fragment_spreads_past_the_limit_are_refused(client: TestClient) -> None:
    spreads = " ".join("...H" for _ in range(150))
    body = post_with_guard(client, f"{{ {spreads} }} fragment H on Query {{ __typename }}").json()
    assert body["data"] is None
    assert "fragment spreads" in body["errors"][0]["message"]


def test_the_measure_is_exact_on_the_fan_out_family() -> None:
    huge = Bounds(
        max_depth=100,
        max_aliases=100,
        max_selections=10**30,
        max_fragment_spreads=200,
        max_repeats=10**30,
    )
    assert check_bounds(parse(fan_out(60)), huge) == []
    # 2**61 - 1 spreads of head{position}: two fields each
    tight = Bounds(
        max_depth=100,
        max_aliases=100,
        max_selections=2**62,
        max_fragment_spreads=200,
        max_repeats=10**30,
    )
    assert check_bounds(parse(fan_out(60)), tight) == []
    tighter = Bounds(
        max_depth=100,
        max_aliases=100,
        max_selections=2**62 - 3,
        max_fragment_spreads=200,
        max_repeats=10**30,
    )
    assert str(2 * (2**61 - 1)) in check_bounds(parse(fan_out(60)), tighter)[0].message


def test_depth_counts_through_fragments_once() -> None:
    bounds = Bounds(
        max_depth=2, max_aliases=30, max_selections=300, max_fragment_spreads=100, max_repeats=30
    )
    shallow = "{ ...A } fragment A on Query { head { position } }"
    deep = (
        '{ ...A } fragment A on Query { person(id: "x") { ...B } }'
        " fragment B on Person { events { edges { node { id } } } }"
    )
    assert check_bounds(parse(shallow), bounds) == []
    assert "depth" in check_bounds(parse(deep), bounds)[0].message


def test_graphiql_introspection_stays_within_the_default_bounds() -> None:
    defaults = Settings()
    bounds = Bounds(
        max_depth=defaults.graphql_max_depth,
        max_aliases=defaults.graphql_max_aliases,
        max_selections=defaults.graphql_max_selections,
        max_fragment_spreads=defaults.graphql_max_fragment_spreads,
        max_repeats=defaults.graphql_max_repeats,
    )
    assert check_bounds(parse(get_introspection_query(descriptions=True)), bounds) == []
