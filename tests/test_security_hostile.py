"""Hostile strings into every search and id argument: correct answers or clean refusals, never a
500 (nor GraphQL's INTERNAL_SERVER_ERROR), and LIKE wildcards match only themselves."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import bearer
from ledger.container import Ledger
from ledger.security.roles import Role

HOSTILE = [
    "'", '"', "%", "_", "%%", "_%", "\\", "\\%", "[a-z]", "*", "' OR '1'='1", "'; --",
    "1; DROP TABLE events", "\x00", "a\x00b", "\ud800", "x" * 10_000,
    "שלום", "مرحبا", "中文", "😀👍🏽",
    "\u202egnp.exe", "İı", "ß", "ǅ", " ", "", "person-", "person-%", "recommendation-_",
    "UGVyc29uOiU=",  # base64 of 'Person:%'
]  # fmt: skip

hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(st.sampled_from("'\"%_\\\x00 -"), max_size=12),
)

SEARCHES = """
query ($s: String!, $id: ID!) {
  persons(search: $s, first: 5) { totalCount edges { node { name } } }
  recommendations(search: $s, first: 5) { totalCount }
  byAddressee: recommendations(addressee: $s, first: 5) { totalCount }
  implementationSummary(addressee: $s) { count }
  events(streamId: $s, first: 5) { totalCount }
  person(id: $id) { name }
  recommendation(id: $id) { code }
}"""
NODE = "query ($id: ID!) { node(id: $id) { id } }"
EVENT = "query ($id: ID!) { event(id: $id) { id } }"
DIFF = """query ($id: String!) {
  streamDiff(streamId: $id, from: {asOf: "2019-01-01"}, to: {}) { streamId }
}"""


def check_graphql(client: TestClient, query: str, variables: dict[str, Any]) -> None:
    # json.dumps escapes lone surrogates ("\ud800"), which a client library may refuse to send
    body = json.dumps({"query": query, "variables": variables})
    answer = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code < 500, (query, repr(variables)[:200], answer.text[:300])
    if answer.status_code == 200:
        for error in answer.json().get("errors") or []:
            code = error.get("extensions", {}).get("code")
            assert code != "INTERNAL_SERVER_ERROR", (query, repr(variables)[:200])


def global_id(type_name: str, key: str) -> str:
    raw = f"{type_name}:{key}".encode("utf-8", "surrogatepass")
    return base64.b64encode(raw).decode()


def seed(ledger: Ledger, client: TestClient) -> None:
    editor = bearer(ledger, Role.EDITOR)
    for stream, name in (("person-alpha", "Alpha Person"), ("person-beta", "Beta O'Brien")):
        event = {"type": "PersonProfiled", "data": {"name": name}, "sources": [{"title": "s"}]}
        answer = client.post(
            f"/v1/streams/{stream}/events", json={"events": [event]}, headers=editor
        )
        assert answer.status_code == 201, answer.text


def test_hostile_strings_never_cause_a_server_error(ledger: Ledger, client: TestClient) -> None:
    seed(ledger, client)

    @settings(
        max_examples=50,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(value=hostile)
    @example(value="\x00")
    @example(value="\ud800")
    @example(value="%")
    @example(value="x" * 10_000)
    def probe(value: str) -> None:
        check_graphql(client, SEARCHES, {"s": value, "id": value})
        for type_name in ("Person", "Recommendation", "Event"):
            wrapped = global_id(type_name, value)
            check_graphql(client, NODE, {"id": wrapped})
            check_graphql(client, SEARCHES, {"s": value, "id": wrapped})
        check_graphql(client, NODE, {"id": value})
        check_graphql(client, EVENT, {"id": value})
        check_graphql(client, DIFF, {"id": value})
        segment = quote(value.encode("utf-8", "surrogatepass"), safe="")
        for url in (
            f"/v1/streams/{segment}/events",
            f"/v1/events/{segment}",
            f"/v1/events?after={segment}",
            f"/v1/events?limit={segment}",
        ):
            answer = client.get(url)
            assert answer.status_code < 500, (url, answer.text[:300])

    probe()


def test_like_wildcards_and_quotes_match_only_themselves(
    ledger: Ledger, client: TestClient
) -> None:
    seed(ledger, client)
    query = "query ($s: String!) { persons(search: $s) { edges { node { name } } } }"

    def names(search: str) -> list[str]:
        answer = client.post("/graphql", json={"query": query, "variables": {"s": search}})
        return [e["node"]["name"] for e in answer.json()["data"]["persons"]["edges"]]

    assert names("%") == []
    assert names("_") == []
    assert names("Alph_") == []
    assert names("%Person") == []
    assert names("O'Brien") == ["Beta O'Brien"]
    assert names("o'brien") == ["Beta O'Brien"]
    assert names("alpha") == ["Alpha Person"]
