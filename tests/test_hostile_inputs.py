"""Hostile input gets a 4xx with a message saying what is wrong, and stores nothing: bodies that
are not strict JSON (invalid UTF-8, NaN, 1e999, nesting thousands deep), a version in digits
that are not ASCII, a search as long as a book, a source link that runs script, and a
recommendation naming persons the ledger does not hold."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.container import Ledger

PROFILE = {"type": "PersonProfiled", "data": {"name": "A Person"}, "sources": [{"title": "s"}]}
JSON = {"Content-Type": "application/json"}


def stored(ledger: Ledger) -> int:
    return ledger.store.head().position


def post_raw(client: TestClient, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(path, content=body, headers={**JSON, **headers})


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"query": "{ head { position } }", "x": "\xff\xfe"}', "UTF-8"),
        (b'{"query": "{ head { position } }", "variables": {"v": ' + b"[" * 100_000 + b"]"
         * 100_000 + b"}}", "nested deeper"),
        (b'{"query": "{ head { position } }", "variables": {"v": NaN}}', "NaN"),
        (b'{"query": "{ head { position } }", "variables": {"v": 1e999}}', "finite"),
    ],
)  # fmt: skip
def test_graphql_bodies_that_are_not_strict_json_are_refused(
    client: TestClient, body: bytes, says: str
) -> None:
    answer = post_raw(client, "/graphql", body, {})
    assert answer.status_code == 400, answer.text
    assert says in answer.json()["errors"][0]["message"]


def indicator(value: bytes) -> bytes:
    return (
        b'{"events": [{"type": "IndicatorObserved", "occurredOn": "2019",'
        b' "sources": [{"title": "s"}], "data": {"indicator": "prisoners", "label": "Prisoners",'
        b' "unit": "persons", "value": ' + value + b"}}]}"
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (b"NaN", "NaN"),
        (b"Infinity", "Infinity"),
        (b"-Infinity", "Infinity"),
        (b"1e999", "finite"),
        (b"[" * 900 + b"]" * 900, "nested deeper"),
    ],
)
def test_event_data_that_is_not_strict_json_is_refused_and_nothing_stored(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str], value: bytes, says: str
) -> None:
    answer = post_raw(
        client, "/v1/streams/indicator-prisoners/events", indicator(value), editor_headers
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert says in answer.json()["detail"]
    assert stored(ledger) == 0


def test_a_finite_indicator_value_is_stored_as_sent(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    answer = post_raw(
        client, "/v1/streams/indicator-prisoners/events", indicator(b"1e300"), editor_headers
    )
    assert answer.status_code == 201, answer.text
    assert ledger.store.read_stream("indicator-prisoners")[0].data["value"] == 1e300


def test_data_nested_past_the_domain_bound_is_refused_naming_the_field(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    nested: Any = "174"
    for _ in range(30):
        nested = [nested]
    event = {
        "type": "PersonSentenced",
        "occurredOn": "2016-11-28",
        "data": {"kind": "IMPRISONMENT", "articles": nested},
        "sources": [{"title": "s"}],
    }
    answer = client.post(
        "/v1/streams/person-a/events", json={"events": [event]}, headers=editor_headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"][:4] == ["events", "0", "data", "articles"]
    assert "nested deeper than 16 levels" in answer.json()["detail"]
    assert stored(ledger) == 0


def test_an_infinite_number_written_into_a_graphql_document_is_refused(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    mutation = """mutation { appendEvents(input: { streamId: "indicator-p", events: [{
        type: "IndicatorObserved", occurredOn: "2019", sources: [{title: "s"}],
        data: {indicator: "p", label: "P", unit: "persons", value: 1e999} }] })
        { errors { code message field } } }"""
    answer = client.post("/graphql", json={"query": mutation}, headers=editor_headers)
    errors = answer.json()["data"]["appendEvents"]["errors"]
    assert errors[0]["field"] == ["events", "0", "data", "value"], errors
    assert "finite" in errors[0]["message"]
    assert stored(ledger) == 0


#: Header values arrive as bytes and are read as latin-1: b"\xb2" is "²", a digit to
#: str.isdigit() that int() refuses; likewise superscript three and a 31-digit version.
@pytest.mark.parametrize("version", [b'"\xb2"', b'"\xb3"', b'"1' + b"0" * 30 + b'"'])
def test_if_match_must_be_ascii_digits(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str], version: bytes
) -> None:
    answer = client.post(
        "/v1/streams/person-a/events",
        json={"events": [PROFILE]},
        headers=[*editor_headers.items(), ("If-Match", version)],
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == ["If-Match"]
    assert stored(ledger) == 0


def test_a_search_as_long_as_a_book_is_refused_by_name(client: TestClient) -> None:
    query = "query ($s: String!) { persons(search: $s) { totalCount } }"
    answer = client.post("/graphql", json={"query": query, "variables": {"s": "x" * 100_000}})
    error = answer.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "search"}
    assert "200 characters" in error["message"]


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT://alert(1)", "data:text/html,x", "file:///etc/passwd",
     "ftp://example.org/x", "https://", "http://exa mple.org"],
)  # fmt: skip
def test_source_links_must_be_web_addresses(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str], url: str
) -> None:
    event = {**PROFILE, "sources": [{"title": "s", "url": url}]}
    answer = client.post(
        "/v1/streams/person-a/events", json={"events": [event]}, headers=editor_headers
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == ["events", "0", "sources", "0", "url"]
    assert "http" in answer.json()["detail"]
    assert stored(ledger) == 0


def recommendation(person_ids: list[str]) -> dict[str, Any]:
    return {
        "type": "RecommendationIssued",
        "occurredOn": "2019-03-14",
        "data": {
            "code": "EP-1",
            "text": "Release them",
            "instrument": "EP resolution",
            "addressee": "Kazakhstan",
            "theme": "detention",
            "personIds": person_ids,
        },
        "sources": [{"title": "s", "url": "https://example.org/resolution"}],
    }


def test_a_recommendation_naming_persons_the_ledger_lacks_is_refused_with_their_ids(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    ghosts = [f"person-ghost-{index}" for index in range(10_000)]
    answer = client.post(
        "/v1/streams/recommendation-ep-1/events",
        json={"events": [recommendation(ghosts)]},
        headers=editor_headers,
    )
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == ["events", "0", "data", "personIds"]
    assert "10000 named person(s) do not exist" in problem["detail"]
    assert "person-ghost-0, person-ghost-1" in problem["detail"]
    assert stored(ledger) == 0

    client.post(
        "/v1/streams/person-real/events", json={"events": [PROFILE]}, headers=editor_headers
    )
    answer = client.post(
        "/v1/streams/recommendation-ep-1/events",
        json={"events": [recommendation(["person-real", "person-ghost-1"])]},
        headers=editor_headers,
    )
    assert answer.status_code == 422
    assert (
        "1 named person(s) do not exist in the ledger: person-ghost-1;" in answer.json()["detail"]
    )
    answer = client.post(
        "/v1/streams/recommendation-ep-1/events",
        json={"events": [recommendation(["person-real"])]},
        headers=editor_headers,
    )
    assert answer.status_code == 201, answer.text


def test_graphql_get_variables_are_strict_json_too(client: TestClient) -> None:
    query = "query ($n: Int) { head { position } }"
    answer = client.get("/graphql", params={"query": query, "variables": json.dumps({"n": 1})})
    assert answer.status_code == 200
    answer = client.get("/graphql", params={"query": query, "variables": '{"n": NaN}'})
    assert answer.status_code == 400


def test_a_rest_version_conflict_carries_the_current_version_in_body_and_etag(
    ledger: Ledger, client: TestClient, editor_headers: dict[str, str]
) -> None:
    path = "/v1/streams/person-a/events"
    client.post(path, json={"events": [PROFILE, PROFILE]}, headers=editor_headers)
    answer = client.post(
        path, json={"events": [PROFILE]}, headers={**editor_headers, "If-Match": '"1"'}
    )
    assert answer.status_code == 409
    assert answer.json()["currentVersion"] == 2
    assert answer.headers["ETag"] == '"2"'
    retry = client.post(
        path,
        json={"events": [PROFILE]},
        headers={**editor_headers, "If-Match": answer.headers["ETag"]},
    )
    assert retry.status_code == 201, retry.text
