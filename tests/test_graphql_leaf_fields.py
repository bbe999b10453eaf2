"""Leaf fields that need only their parent object are completed directly
(ledger.graphql.leaf_fields), and every answer is the one graphql-core's own path gives: the
same data for a reader and an admin, and the same errors and nulls where a field raises,
returns null for a non-null type or a value its scalar refuses."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from fastapi.testclient import TestClient
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from conftest import EVENTS, bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.graphql import errors
from ledger.graphql.direct_fields import install_direct_resolvers
from ledger.graphql.leaf_fields import leaf_readers, leaves_first
from ledger.graphql.schema import build_schema
from ledger.security.roles import Role
from test_graphql_direct_fields import WIDE

pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture(scope="module")
def ledger(fresh_database_url: Any) -> Iterator[Ledger]:
    ledger = make_ledger(fresh_database_url("sqlite"))
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    yield ledger
    ledger.close()


def _answer(app: Any, headers: dict[str, str]) -> Any:
    with TestClient(app) as client:
        response = client.post("/graphql", json={"query": WIDE}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_scalar_and_enum_fields_read_from_their_parent_alone_are_completed_directly() -> None:
    leaves = leaf_readers(build_schema()._schema)
    assert {"name", "custodyStatus", "streamId"} <= set(leaves["Person"])
    assert "text" in leaves["PartialDate"] and "position" in leaves["Event"]
    assert "events" not in leaves["Person"]  # arguments, and not a leaf
    assert "recommendations" not in leaves["Person"]  # not a leaf
    assert "title" in leaves["Source"]  # a plain attribute
    assert sum(len(fields) for fields in leaves.values()) > 80


@pytest.mark.parametrize("role", [None, Role.ADMIN])
def test_leaves_completed_directly_answer_exactly_what_graphql_cores_path_answers(
    ledger: Ledger, role: Role | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(ledger, role) if role is not None else {}
    direct = _answer(create_app(ledger=ledger), headers)
    general_path = StrawberryGraphQLCoreExecutionContext
    monkeypatch.setattr(errors, "leaves_first", lambda _leaves: general_path)
    general = _answer(create_app(ledger=ledger), headers)
    assert "errors" not in direct, direct["errors"]
    assert direct == general
    assert len(direct["data"]["persons"]["edges"]) > 5


@strawberry.type
class Odd:
    value: strawberry.Private[int]

    @strawberry.field
    def fine(self) -> int:
        return self.value

    @strawberry.field
    def raising(self) -> int:
        raise ValueError(f"no value for {self.value}")

    @strawberry.field
    def missing(self) -> int:
        return None  # type: ignore[return-value]

    @strawberry.field
    def too_large(self) -> int:
        return 2**40

    @strawberry.field
    def returned_error(self) -> str | None:
        return ValueError("returned, not raised")  # type: ignore[return-value]

    @strawberry.field
    def nothing(self) -> str | None:
        return None


@strawberry.type
class OddQuery:
    @strawberry.field
    def odds(self) -> list[Odd | None]:
        return [Odd(value=1), Odd(value=2)]


ODD_FIELDS = ["fine", "raising", "missing", "tooLarge", "returnedError", "nothing"]


def _odd(field: str, directly: bool) -> Any:
    schema = strawberry.Schema(query=OddQuery)
    install_direct_resolvers(schema._schema, schema.config.info_class)
    if directly:
        schema.execution_context_class = leaves_first(leaf_readers(schema._schema))
    return asyncio.run(schema.execute(f"{{ odds {{ fine {field} }} }}"))


@pytest.mark.parametrize("field", ODD_FIELDS)
def test_a_leaf_that_raises_or_returns_no_plain_value_answers_as_on_graphql_cores_path(
    field: str,
) -> None:
    direct, general = _odd(field, True), _odd(field, False)
    assert direct.data == general.data
    assert [e.formatted for e in direct.errors or []] == [e.formatted for e in general.errors or []]
    assert bool(direct.errors) == (field in {"raising", "missing", "tooLarge", "returnedError"})


def test_every_leaf_of_a_plain_schema_qualifies() -> None:
    schema = strawberry.Schema(query=OddQuery)
    assert set(leaf_readers(schema._schema)["Odd"]) == set(ODD_FIELDS)
