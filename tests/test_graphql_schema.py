"""The served schema keeps the contract: the committed SDL is printed from it, every type, field,
argument and enum value of core.graphql is served unchanged, and internal errors are masked."""

from __future__ import annotations

import base64
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import Response
from fastapi.testclient import TestClient
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
)
from typer.testing import CliRunner

from conftest import ROOT
from ledger.cli.main import app as cli
from ledger.config import Settings
from ledger.container import Ledger
from ledger.graphql.schema import graphql_router, print_sdl

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

CORE = Path("/work/shared/contract/core.graphql")
CORE_COPIES = [ROOT / "contract" / "core.graphql", CORE]


def _core_text() -> str:
    for path in CORE_COPIES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip("core.graphql (the contract) is not available here")


def contract_differences(core: GraphQLSchema, served: GraphQLSchema) -> list[str]:
    """Everything of ``core`` that ``served`` lacks or types differently (it may add more)."""
    problems: list[str] = []
    for name, expected in core.type_map.items():
        if name.startswith("__"):
            continue
        actual = served.type_map.get(name)
        if actual is None:
            problems.append(f"type {name} is missing")
            continue
        if type(actual) is not type(expected):
            problems.append(f"{name} is a {type(actual).__name__}, not {type(expected).__name__}")
            continue
        problems += _member_differences(name, expected, actual)
    return problems


def _member_differences(name: str, expected: GraphQLNamedType, actual: Any) -> list[str]:
    problems: list[str] = []
    if isinstance(expected, GraphQLEnumType):
        problems += [f"{name}.{v} is missing" for v in expected.values if v not in actual.values]
    if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType):
        served_interfaces = {i.name for i in actual.interfaces}
        problems += [
            f"{name} does not implement {i.name}"
            for i in expected.interfaces
            if i.name not in served_interfaces
        ]
    if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        for field_name, field in expected.fields.items():
            served = actual.fields.get(field_name)
            if served is None:
                problems.append(f"{name}.{field_name} is missing")
                continue
            if str(served.type) != str(field.type):
                problems.append(f"{name}.{field_name} is {served.type}, not {field.type}")
            for arg_name, arg in getattr(field, "args", {}).items():
                served_arg = served.args.get(arg_name)
                if served_arg is None:
                    problems.append(f"{name}.{field_name}({arg_name}:) is missing")
                elif str(served_arg.type) != str(arg.type):
                    problems.append(
                        f"{name}.{field_name}({arg_name}:) is {served_arg.type}, not {arg.type}"
                    )
    return problems


def test_the_committed_sdl_is_printed_from_the_served_schema() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == print_sdl(), (
        "schema.graphql is stale: run `ledger schema -o schema.graphql`"
    )


def test_ledger_schema_prints_the_sdl_and_checks_the_committed_file() -> None:
    runner = CliRunner()
    printed = runner.invoke(cli, ["schema"])
    assert printed.exit_code == 0
    assert printed.stdout == print_sdl()
    checked = runner.invoke(cli, ["schema", "--check", "--output", str(ROOT / "schema.graphql")])
    assert checked.exit_code == 0, checked.output


def test_every_type_field_argument_and_enum_value_of_the_core_contract_is_served() -> None:
    problems = contract_differences(build_schema(_core_text()), build_schema(print_sdl()))
    assert problems == []


def test_the_contract_check_notices_a_missing_or_changed_member() -> None:
    core = build_schema(_core_text())
    # custodySince goes with its description (a description without its field is no SDL)
    without_since = re.sub(
        r'(\n  """[^"]*"""|\n  "[^"\n]*")?\n  custodySince: PartialDate\n',
        "\n",
        print_sdl(),
        count=1,
    )
    tampered = without_since.replace("  termMonths: Int\n", "  termMonths: Float\n", 1).replace(
        "  PARTIALLY_IMPLEMENTED\n", "", 1
    )
    problems = contract_differences(core, build_schema(tampered))
    assert "Person.custodySince is missing" in problems
    assert "Sentence.termMonths is Float, not Int" in problems
    assert "ImplementationStatus.PARTIALLY_IMPLEMENTED is missing" in problems


class _Broken:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("connection string postgresql://secret@db leaked")


def test_internal_errors_are_masked_with_a_request_id_and_logged(
    client: TestClient, ledger: Ledger, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr(ledger, "read_model", _Broken())
    with caplog.at_level(logging.ERROR, logger="ledger.graphql"):
        response = client.post(
            "/graphql",
            json={"query": "{ persons { totalCount } }"},
            headers={"X-Request-ID": "req-123"},
        )
    error = response.json()["errors"][0]
    assert "secret" not in response.text
    assert "req-123" in error["message"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert response.headers["X-Request-ID"] == "req-123"
    assert any("req-123" in record.getMessage() for record in caplog.records)


def test_user_errors_are_not_masked(client: TestClient) -> None:
    recommendation_id = base64.b64encode(b"Recommendation:recommendation-x").decode()
    query = "query($id: ID!) { person(id: $id) { name } }"
    body = client.post(
        "/graphql", json={"query": query, "variables": {"id": recommendation_id}}
    ).json()
    assert body["errors"][0]["message"] == "argument 'id' is a Recommendation id, not a Person id"
    body = client.post("/graphql", json={"query": "{ persons(first: -1) { totalCount } }"}).json()
    assert "first" in body["errors"][0]["message"]


def test_an_answer_is_encoded_as_json_text_even_where_it_holds_an_integer_past_64_bits() -> None:
    """orjson encodes answers and refuses such an integer (an event's data may hold one); text,
    since a websocket message encoded as bytes goes out as a frame graphql-ws clients refuse."""
    router = graphql_router(Settings())
    answer = {"data": {"big": 2**70, "name": "Макс Бокаев", "share": 0.5, "none": None}}
    for value in (answer, {"data": {"small": 1}}):
        encoded = router.encode_json(value)
        assert isinstance(encoded, str)
        assert json.loads(encoded) == value


def test_an_http_answer_is_sent_as_the_encoders_bytes_with_its_status_and_headers() -> None:
    """Not through text: the body is the UTF-8 JSON itself, a value orjson refuses included."""
    router = graphql_router(Settings())
    answer = {"data": {"big": 2**70, "name": "Макс Бокаев", "share": 0.5, "none": None}}
    kept = Response(status_code=202, headers={"x-request-id": "abc"})
    for value in (answer, {"data": {"small": 1}}):
        response = router.create_response(value, kept)  # type: ignore[arg-type]
        assert json.loads(response.body) == value
        assert response.status_code == 202
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-request-id"] == "abc"
    small = router.create_response({"data": {"name": "Макс"}}, Response())
    assert small.body == '{"data":{"name":"Макс"}}'.encode()
    assert small.status_code == 200
