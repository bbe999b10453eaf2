"""The objects of a page (or a lone object of a root field) read their nested recommendations
and events together, synchronously (ledger.graphql.siblings): one read for all of them, the
answer exactly what the DataLoaders give the same objects, and a failed read an error for every
sibling from one attempt, as from a failed batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from conftest import EVENTS, bearer, make_ledger
from ledger.app import create_app
from ledger.container import Ledger
from ledger.dataset.loader import load_dataset
from ledger.graphql import queries
from ledger.graphql.siblings import Siblings
from ledger.graphql.types import person_node, recommendation_node
from ledger.security.roles import Role

#: API layer: no dialect code here, so SQLite only (see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

EVENT_PAGE = """totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id position type occurredOn { text } data sources { title }
    retractedBy { id } } }"""

#: One document per root field that makes siblings (the loaders also batch across root fields,
#: siblings only within theirs: a document of several such roots may cost a statement more each).
ROOTS = {
    "persons": f"""query($after: String) {{
  persons(asOf: "2020-02-17", first: 30) {{ edges {{ node {{ id name
    recommendations {{ id code status statusWording persons {{ name }} }}
    events(first: 3) {{ {EVENT_PAGE} }}
    later: events(first: 2, after: $after) {{ {EVENT_PAGE} }} }} }} }} }}""",
    "person": f"""query($after: String) {{
  person(id: "person-maks-bokayev", asOf: "2020-02-17") {{ name
    recommendations {{ code }} events(first: 50) {{ {EVENT_PAGE} }}
    later: events(first: 5, after: $after) {{ {EVENT_PAGE} }} }} }}""",
    "recommendations": f"""query($after: String) {{
  recommendations(asOf: "2020-02-17", first: 30) {{ edges {{ node {{ code
    events(first: 4, after: $after) {{ {EVENT_PAGE} }} }} }} }} }}""",
    "recommendation": f"""query($after: String) {{
  recommendation(id: "recommendation-ep-2019-kz-05", asOf: "2020-02-17") {{ code
    events(first: 1, after: $after) {{ {EVENT_PAGE} }} }} }}""",
}


@pytest.fixture(scope="module")
def ledger(fresh_database_url: Any) -> Iterator[Ledger]:
    ledger = make_ledger(fresh_database_url("sqlite"))
    load_dataset(ledger.service, EVENTS, recorded_by="test")
    yield ledger
    ledger.close()


def _answer(
    ledger: Ledger, document: str, headers: dict[str, str], after: str | None
) -> tuple[Any, int]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    with TestClient(create_app(ledger=ledger)) as client:
        event.listen(ledger.engine, "before_cursor_execute", record)
        try:
            response = client.post(
                "/graphql",
                json={"query": document, "variables": {"after": after}},
                headers=headers,
            )
        finally:
            event.remove(ledger.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"], len(statements)


def _without_siblings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every object made as the loaders' callers make them: no siblings."""
    monkeypatch.setattr(
        queries, "persons_of", lambda found, point: [person_node(s, point) for s in found]
    )
    monkeypatch.setattr(
        queries,
        "recommendations_of",
        lambda found, point: [recommendation_node(s, point) for s in found],
    )


@pytest.mark.parametrize("role", [None, Role.ADMIN])
def test_siblings_answer_exactly_what_the_loaders_answer_in_as_many_statements(
    ledger: Ledger, role: Role | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(ledger, role) if role is not None else {}
    first, _ = _answer(ledger, ROOTS["person"], headers, None)
    cursor = first["person"]["events"]["edges"][1]["cursor"]  # a keyset page from the middle
    together = {name: _answer(ledger, doc, headers, cursor) for name, doc in ROOTS.items()}
    _without_siblings(monkeypatch)
    loaded = {name: _answer(ledger, doc, headers, cursor) for name, doc in ROOTS.items()}
    assert {name: answer for name, (answer, _) in together.items()} == {
        name: answer for name, (answer, _) in loaded.items()
    }
    # as many statements, but a lone person's: its recommendations and its first page of
    # events are read with the person itself, and a page's persons' recommendations with the
    # page (ledger.graphql.lookahead)
    fewer = {name: loaded[name][1] - together[name][1] for name in ROOTS}
    assert fewer == {"persons": 1, "person": 2, "recommendations": 0, "recommendation": 0}
    persons = [edge["node"] for edge in together["persons"][0]["persons"]["edges"]]
    assert len(persons) > 5 and any(p["recommendations"] for p in persons)
    assert any(p["later"]["edges"] for p in persons)
    assert len(together["person"][0]["person"]["events"]["edges"]) > 3
    assert together["person"][0]["person"]["later"]["edges"]


def test_the_first_ask_reads_for_every_sibling_once() -> None:
    calls: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, int]:
        calls.append(ids)
        return {stream_id: len(stream_id) for stream_id in ids}

    siblings = Siblings(["person-a", "person-bb", "person-a"])
    assert siblings.read("length", fetch)["person-bb"] == 9
    assert siblings.read("length", fetch)["person-a"] == 8
    assert calls == [["person-a", "person-bb"]]
    siblings.read("another", fetch)
    assert len(calls) == 2


def test_a_failed_read_fails_every_sibling_from_one_attempt() -> None:
    attempts = 0

    def fail(ids: list[str]) -> dict[str, int]:
        nonlocal attempts
        attempts += 1
        raise ConnectionError("the database is not answering")

    siblings = Siblings(["person-a", "person-b"])
    for _ in range(2):
        with pytest.raises(ConnectionError):
            siblings.read("length", fail)
    assert attempts == 1
