"""Every GraphQL and curl example in the README runs against the loaded data set, as after
`make serve`, and answers what the README shows (conventions: tests/readme_examples.py).

Reads share one loaded ledger per backend; each write runs on its own copy of the loaded
SQLite file, so every write example works on the data set exactly as a newcomer has it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import BACKENDS, EVENTS, ROOT, bearer, make_ledger
from ledger.app import create_app
from ledger.cli.context import cli_recorder
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.security.roles import Role
from readme_examples import (
    ELLIPSIS,
    CurlExample,
    Expected,
    GraphQLExample,
    curl_examples,
    graphql_examples,
    mismatch,
    readme,
    variables,
)

TEXT = readme(ROOT)
GRAPHQL = graphql_examples(TEXT)
CURL = curl_examples(TEXT)


def _cases(examples: list[Any], writes: bool) -> list[Any]:
    return [
        pytest.param(example, id=f"README line {example.line}")
        for example in examples
        if example.writes is writes
    ]


@pytest.fixture(scope="module")
def loaded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data set loaded into a SQLite file as `make serve` does, closed (WAL folded in)."""
    path = tmp_path_factory.mktemp("readme") / "loaded.db"
    ledger = make_ledger(f"sqlite:///{path}")
    load_dataset(ledger.service, EVENTS, recorded_by=cli_recorder())
    ledger.close()
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def reading(
    request: pytest.FixtureRequest,
    loaded_file: Path,
    fresh_database_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Ledger, TestClient]]:
    if request.param == "sqlite":
        copy = tmp_path_factory.mktemp("readme-read") / "ledger.db"
        shutil.copy(loaded_file, copy)
        ledger = make_ledger(f"sqlite:///{copy}")
    else:
        ledger = make_ledger(fresh_database_url("postgres"))
        load_dataset(ledger.service, EVENTS, recorded_by=cli_recorder())
    with TestClient(create_app(ledger=ledger)) as client:
        yield ledger, client
    ledger.close()


@pytest.fixture
def writing(loaded_file: Path, tmp_path: Path) -> Iterator[tuple[Ledger, TestClient]]:
    copy = tmp_path / "ledger.db"
    shutil.copy(loaded_file, copy)
    ledger = make_ledger(f"sqlite:///{copy}")
    with TestClient(create_app(ledger=ledger)) as client:
        yield ledger, client
    ledger.close()


def _shown(expected: Expected, actual: Any, line: int) -> None:
    found = mismatch(expected.body, actual)
    assert found is None, (
        f"README.md line {line}: the answer differs at {found}\n"
        f"the server answers:\n{json.dumps(actual, indent=2, ensure_ascii=False)[:4000]}"
    )


def _run_graphql(example: GraphQLExample, ledger: Ledger, client: TestClient) -> None:
    headers = bearer(ledger, Role.EDITOR) if example.writes else {}
    response = client.post("/graphql", json={"query": example.query}, headers=headers)
    assert response.status_code == 200, f"README.md line {example.line}: {response.text}"
    body = response.json()
    if example.answer is not None:
        _shown(example.answer, body, example.line)
        return
    assert "errors" not in body, f"README.md line {example.line}: {body['errors']}"
    refused = [
        payload["errors"]
        for payload in (body.get("data") or {}).values()
        if isinstance(payload, dict) and payload.get("errors")
    ]
    assert not refused, f"README.md line {example.line}: refused {refused}"


def _run_curl(example: CurlExample, ledger: Ledger, client: TestClient) -> None:
    tokens = {
        name: bearer(ledger, Role.ADMIN if "ADMIN" in name else Role.EDITOR)["Authorization"]
        for name in variables(example.command)
    }

    def filled(text: str) -> str:
        for name, value in tokens.items():
            token = value.removeprefix("Bearer ")
            text = text.replace("${" + name + "}", token).replace("$" + name, token)
        return text

    response = client.request(
        example.method,
        filled(example.path),
        headers={name: filled(value) for name, value in example.headers.items()},
        content=filled(example.body).encode() if example.body is not None else None,
    )
    answer = example.answer
    if answer is not None and answer.status is not None:
        assert response.status_code == answer.status, (
            f"README.md line {example.line}: {response.status_code} {response.text}"
        )
    else:
        assert response.status_code < 400, f"README.md line {example.line}: {response.text}"
    if answer is not None and answer.body != ELLIPSIS:
        _shown(answer, response.json(), example.line)


def test_the_checker_finds_the_readme_examples() -> None:
    assert len(GRAPHQL) >= 5
    assert len(CURL) >= 2
    assert any(example.answer is not None for example in GRAPHQL)


@pytest.mark.parametrize("example", _cases(GRAPHQL, writes=False))
def test_each_graphql_query_answers_what_the_readme_shows(
    example: GraphQLExample, reading: tuple[Ledger, TestClient]
) -> None:
    _run_graphql(example, *reading)


@pytest.mark.parametrize("example", _cases(GRAPHQL, writes=True))
def test_each_graphql_mutation_succeeds_on_the_loaded_data_set(
    example: GraphQLExample, writing: tuple[Ledger, TestClient]
) -> None:
    _run_graphql(example, *writing)


@pytest.mark.parametrize("example", _cases(CURL, writes=False))
def test_each_curl_read_answers_what_the_readme_shows(
    example: CurlExample, reading: tuple[Ledger, TestClient]
) -> None:
    _run_curl(example, *reading)


@pytest.mark.parametrize("example", _cases(CURL, writes=True))
def test_each_curl_write_succeeds_on_the_loaded_data_set(
    example: CurlExample, writing: tuple[Ledger, TestClient]
) -> None:
    _run_curl(example, *writing)


@pytest.mark.parametrize(
    ("shown", "actual", "matches"),
    [
        ({"a": ELLIPSIS}, {"a": [1, 2]}, True),
        ({"at": "2026-…Z"}, {"at": "2026-11-26T03:00:00Z"}, True),
        ([1, ELLIPSIS], [1, 2, 3], True),
        ([1], [1, 2], False),
        ({"a": 1, ELLIPSIS: ELLIPSIS}, {"a": 1, "b": 2}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ({"a": 1}, {"a": 2}, False),
    ],
)
def test_a_shown_answer_may_elide_only_where_it_says_so(
    shown: Any, actual: Any, matches: bool
) -> None:
    assert (mismatch(shown, actual) is None) is matches
