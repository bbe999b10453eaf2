"""Fields without arguments are resolved by a direct call (ledger.graphql.direct_fields), and
the answers are exactly those strawberry's own resolvers give: same data, same ids, same errors,
for a reader and for an admin (who sees restricted data); leaf fields completed in one step
(ledger.graphql.leaf_fields) answer what graphql-core's general way answers, errors included;
enum members are named from a table (ledger.graphql.enum_values) exactly as strawberry names
them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
import strawberry
from fastapi.testclient import TestClient
from graphql import GraphQLError, GraphQLObjectType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from conftest import EVENTS, bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.graphql import direct_fields, enum_values, errors
from ledger.graphql.leaf_fields import leaf_execution, leaf_fields
from ledger.graphql.schema import build_schema
from ledger.security.roles import Role

pytestmark = pytest.mark.backends("sqlite")

#: Every object type the report reaches, with every field that takes no argument.
WIDE = """{
  persons(asOf: "2020-02-17", first: 12) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id streamId name aliases roles custodyStatus custodyCertainty
      possibleCustodyStatuses custodySince { text precision earliest latest approximate uncertain }
      charges { article code description chargedOn { text } convictedOn { text } }
      sentences { kind termMonths articles court imposedOn { text } }
      unDecisions { body reference adoptedOn { text } demands }
      designations { label assessor designatedOn { text } withdrawn
        sources { url title publisher published { text } } }
      restrictions { kind description imposedOn { text } active }
      custodyTimeline { status from { text } to { text } openedBy { id type } }
      recommendations { id code text instrument issuedOn { text } addressee theme status
        statusWording statusCertainty possibleStatuses
        assessments { status wording assessedOn { text } assessor rationale
          sources { title url } event { id position } }
        statusTimeline { status from { text } to { text } openedBy { position } }
        persons { id name } mentionedPersons { name } }
      events(first: 40) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor }
        edges { cursor node { id eventId position streamId version type schemaVersion
          occurredOn { text } recordedAt recordedBy data currentData restricted
          sources { title url publisher } retractedBy { id } hash previousHash note
          disputes { id } disputedBy { id } } } } } } }
  implementationSummary(asOf: "2020-02-17") { status count }
  custodySummary(asOf: "2020-02-17") { status count }
  head { position hash }
}"""


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


def test_every_field_without_arguments_is_resolved_directly_and_no_field_with_arguments() -> None:
    schema = build_schema()._schema
    direct = with_arguments = 0
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for field in graphql_type.fields.values():
            is_direct = getattr(field.resolve, "__module__", None) == direct_fields.__name__
            if field.args:
                assert not is_direct
                with_arguments += 1
            elif graphql_type.name != "Subscription":
                assert is_direct, (graphql_type.name, field)
                direct += 1
    assert direct > 100 and with_arguments > 10


@pytest.mark.parametrize("role", [None, Role.ADMIN])
def test_direct_resolvers_answer_exactly_what_strawberrys_resolvers_answer(
    ledger: Ledger, role: Role | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(ledger, role) if role is not None else {}
    direct = _answer(create_app(ledger=ledger), headers)
    monkeypatch.setattr(errors, "install_direct_resolvers", lambda *_args: 0)
    wrapped = _answer(create_app(ledger=ledger), headers)
    assert "errors" not in direct, direct["errors"]
    assert direct == wrapped
    assert len(direct["data"]["persons"]["edges"]) > 5


@pytest.mark.parametrize("role", [None, Role.ADMIN])
def test_leaves_completed_in_one_step_answer_what_graphql_cores_general_way_answers(
    ledger: Ledger, role: Role | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(ledger, role) if role is not None else {}
    direct = _answer(create_app(ledger=ledger), headers)
    monkeypatch.setattr(
        errors, "leaf_execution", lambda _leaves: StrawberryGraphQLCoreExecutionContext
    )
    general = _answer(create_app(ledger=ledger), headers)
    assert "errors" not in direct, direct["errors"]
    assert direct == general


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Strict:
    @strawberry.field
    def missing(self) -> str:
        return None  # type: ignore[return-value]


@strawberry.type
class Checked:
    """A type checking its objects with an is_type_of of its own, which reads the info."""

    value: int = 1

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return info.field_name in {"checked", "checkedList", "impostor"} and isinstance(obj, cls)


@strawberry.type
class Pair:
    name: str
    on: bool


@strawberry.type
class Leaves:
    text: str = "a"
    nothing: str | None = None

    @strawberry.field
    def flag(self) -> bool:
        return 1  # type: ignore[return-value]

    @strawberry.field
    def ident(self) -> strawberry.ID:
        return 7  # type: ignore[return-value]

    @strawberry.field
    def pairs(self) -> list[Pair]:
        return [Pair(name="a", on=True), Pair(name=2, on=0), Pair(name="c", on=False)]  # type: ignore[arg-type]

    @strawberry.field
    def count(self) -> int:
        return 3

    @strawberry.field
    def colour(self) -> Colour:
        return Colour.RED

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("no text here")

    @strawberry.field
    def refused(self) -> int | None:
        return "not a number"  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> int:
        return 4

    @strawberry.field
    def strict(self) -> Strict | None:
        return Strict()

    @strawberry.field
    def names(self) -> list[str]:
        return ["a", "b"]

    @strawberry.field
    def holes(self) -> list[str] | None:
        return ["a", None]  # type: ignore[list-item]

    @strawberry.field
    def gaps(self) -> list[str | None]:
        return ["a", None]

    @strawberry.field
    def refused_items(self) -> list[int | None]:
        return [1, "x"]  # type: ignore[list-item]

    @strawberry.field
    def kids(self) -> list[Strict | None] | None:
        return [Strict(), None]

    @strawberry.field
    def ranged(self) -> list[int]:
        return range(2)  # type: ignore[return-value]

    @strawberry.field
    def tagged(self, info: strawberry.Info) -> list[str]:
        return [info.field_name, info.path.key]  # type: ignore[list-item]

    @strawberry.field
    async def later_list(self) -> list[int]:
        return [5, 6]

    @strawberry.field
    def checked(self) -> Checked | None:
        return Checked()

    @strawberry.field
    def checked_list(self) -> list[Checked | None]:
        return [Checked(), Strict()]  # type: ignore[list-item]

    @strawberry.field
    def impostor(self) -> Checked | None:
        return Strict()  # type: ignore[return-value]

    @strawberry.field
    def echo(self, text: str, times: int = 2) -> list[str]:
        return [text] * times

    @strawberry.field
    def divided(self, by: int) -> int | None:
        return 12 // by


@strawberry.type
class LeafQuery:
    @strawberry.field
    def leaves(self) -> Leaves | None:
        return Leaves()


LEAVES = """{ leaves { text nothing count colour broken refused later
  aliased: text __typename strict { missing } names holes gaps refusedItems
  kids { missing } ranged tagged laterList checked { value } checkedList { value }
  impostor { value } echo(text: "x") thrice: echo(text: "y", times: 3) divided(by: 0)
  halved: divided(by: 2) flag ident pairs { name on } onlyOn: pairs { on } } }"""


def test_a_leaf_completed_in_one_step_fails_as_graphql_core_fails_it() -> None:
    """Data and errors (message, path, location) alike, whether the field is nullable or not,
    raises, returns null or what its type refuses; an async leaf still answers; an object's
    non-null field answering null nulls the object; a list's item answering null or what its
    type refuses fails at the item, nulling the list where the item is non-null; a list that is
    not a Python list, a list asking for an Info and an awaited list answer as before; an object
    its type's own check (given the info) refuses fails as before; a field given arguments
    answers and fails as before; a value of another class than its type answers as it is (an
    int for a Boolean or an ID) is coerced as before."""
    schema = strawberry.Schema(query=LeafQuery)
    direct_fields.install_direct_resolvers(schema._schema, schema.config.info_class)
    general = asyncio.run(schema.execute(LEAVES))
    leaves = leaf_fields(schema._schema)
    assert set(next(fields for t, fields in leaves.items() if t.name == "Leaves")) == {
        "text",
        "nothing",
        "count",
        "colour",
        "broken",
        "refused",
        "later",  # an awaitable value: completed the general way
        "strict",  # an object
        "names",  # lists of leaves or objects
        "holes",
        "gaps",
        "refusedItems",
        "kids",
        "ranged",
        "tagged",
        "laterList",
        "checked",  # objects whose type checks them with an info
        "checkedList",
        "impostor",
        "echo",  # fields given arguments
        "divided",
        "flag",  # values their type coerces: not answered as they are
        "ident",
        "pairs",  # a list of objects, each completed by one plan of its selection
    }
    assert set(next(fields for t, fields in leaves.items() if t.name == "Strict")) == {"missing"}
    schema.execution_context_class = leaf_execution(leaves)
    one_step = asyncio.run(schema.execute(LEAVES))
    assert one_step.data == general.data
    assert general.errors is not None and one_step.errors is not None
    assert [e.formatted for e in one_step.errors] == [e.formatted for e in general.errors]
    assert len(general.errors) == 9
    assert one_step.data is not None and one_step.data["leaves"]["strict"] is None
    assert one_step.data["leaves"]["holes"] is None
    assert one_step.data["leaves"]["kids"] == [None, None]


def test_every_enum_member_is_named_from_the_table_as_strawberry_names_it() -> None:
    schema = build_schema()._schema
    enums = [t for t in schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)]
    assert len(enums) >= 4
    for enum_type in enums:
        table = enum_values.by_name(enum_type)
        for member in enum_type.wrapped_cls:
            assert table(member) == CustomGraphQLEnumType.coerce_output_value(enum_type, member)
        with pytest.raises(GraphQLError):
            table("NOT A MEMBER")
