"""GraphQL writes, through HTTP, on SQLite and PostgreSQL: all or nothing, optimistic concurrency,
idempotent ids, errors as data naming the input field, and only editors may write."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import bearer
from ledger.container import Ledger
from ledger.security.roles import Role

#: API layer: no dialect code here, so SQLite only (the contract suite runs the store,
#: projections, read model and feed on both databases; see tests/conftest.py).
pytestmark = pytest.mark.backends("sqlite")

APPEND = """mutation($input: AppendEventsInput!) { appendEvents(input: $input) {
    events { id eventId position version type recordedBy }
    streamVersion errors { code message field } } }"""

RETRACT = """mutation($input: RetractEventInput!) { retractEvent(input: $input) {
    retraction { eventId type data } errors { code message field } } }"""

SOURCE = {"title": "Court record", "published": "2020-01"}
STREAM = "person-test-subject"


def profiled(name: str = "Test Subject", event_id: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "PersonProfiled", "data": {"name": name}, "sources": [SOURCE]}
    if event_id is not None:
        event["id"] = event_id
    return event


def sentenced(term_months: Any = 24) -> dict[str, Any]:
    return {
        "type": "PersonSentenced",
        "occurredOn": "2019-06-01",
        "data": {"kind": "IMPRISONMENT", "termMonths": term_months, "articles": ["174"]},
        "sources": [SOURCE],
    }


def call(
    client: TestClient, query: str, input: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = client.post(
        "/graphql", json={"query": query, "variables": {"input": input}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = next(iter(body["data"].values()))
    return payload


def head(ledger: Ledger) -> int:
    return ledger.store.head().position


def test_append_events_stores_every_event_and_answers_the_stream_version(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    payload = call(
        client,
        APPEND,
        {"streamId": STREAM, "expectedVersion": 0, "events": [profiled(), sentenced()]},
        editor_headers,
    )
    assert payload["errors"] == []
    assert payload["streamVersion"] == 2
    assert [e["version"] for e in payload["events"]] == [1, 2]
    assert {e["recordedBy"] for e in payload["events"]} == {"editor-alice"}
    person = client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { person(id: $id) { name sentences { termMonths } } }",
            "variables": {"id": STREAM},
        },
    ).json()["data"]["person"]
    assert person == {"name": "Test Subject", "sentences": [{"termMonths": 24}]}


def test_a_stale_expected_version_is_a_version_conflict_and_stores_nothing(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    call(client, APPEND, {"streamId": STREAM, "events": [profiled()]}, editor_headers)
    before = head(ledger)
    payload = call(
        client,
        APPEND,
        {"streamId": STREAM, "expectedVersion": 0, "events": [sentenced()]},
        editor_headers,
    )
    assert payload["events"] == []
    assert payload["errors"][0]["code"] == "VERSION_CONFLICT"
    assert payload["errors"][0]["field"] == ["expectedVersion"]
    assert payload["streamVersion"] == 1
    assert head(ledger) == before


def test_invalid_data_names_the_field_inside_the_input_and_stores_nothing(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    before = head(ledger)
    payload = call(
        client,
        APPEND,
        {"streamId": STREAM, "events": [profiled(), sentenced(term_months="ten")]},
        editor_headers,
    )
    assert payload["errors"][0]["code"] == "VALIDATION"
    assert payload["errors"][0]["field"] == ["events", "1", "data", "termMonths"]
    assert payload["events"] == []
    assert head(ledger) == before


def test_a_malformed_occurred_on_and_a_bad_source_are_named(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    bad_date = {**sentenced(), "occurredOn": "2019-02-30"}
    payload = call(client, APPEND, {"streamId": STREAM, "events": [bad_date]}, editor_headers)
    assert payload["errors"][0]["field"] == ["events", "0", "occurredOn"]
    bad_source = {**profiled(), "sources": [{"title": "x", "published": "May"}]}
    payload = call(client, APPEND, {"streamId": STREAM, "events": [bad_source]}, editor_headers)
    assert payload["errors"][0]["code"] == "VALIDATION"
    assert payload["errors"][0]["field"][:3] == ["events", "0", "sources"]
    assert head(ledger) == 0


def test_an_unknown_event_type_is_refused_by_name(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    event = {"type": "PersonTeleported", "data": {}, "sources": [SOURCE]}
    payload = call(client, APPEND, {"streamId": STREAM, "events": [event]}, editor_headers)
    assert payload["errors"][0]["code"] == "UNKNOWN_EVENT_TYPE"
    assert payload["errors"][0]["field"][:2] == ["events", "0"]
    assert head(ledger) == 0


def test_appending_the_same_id_again_is_a_no_op_that_returns_the_stored_event(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    event_id = str(uuid.uuid4())
    first = call(
        client,
        APPEND,
        {"streamId": STREAM, "events": [profiled(event_id=event_id)]},
        editor_headers,
    )
    again = call(
        client,
        APPEND,
        {"streamId": STREAM, "events": [profiled(event_id=event_id)]},
        editor_headers,
    )
    assert again["errors"] == []
    assert again["events"] == first["events"]
    assert again["events"][0]["eventId"] == event_id
    assert head(ledger) == 1
    changed = call(
        client,
        APPEND,
        {"streamId": STREAM, "events": [profiled("Other Name", event_id=event_id)]},
        editor_headers,
    )
    assert changed["errors"][0]["code"] == "ID_CONFLICT"
    assert head(ledger) == 1


def test_writes_without_an_editor_token_are_forbidden_user_errors(
    client: TestClient, ledger: Ledger
) -> None:
    for headers in ({}, bearer(ledger, Role.READER)):
        payload = call(client, APPEND, {"streamId": STREAM, "events": [profiled()]}, headers)
        assert payload["errors"][0]["code"] == "FORBIDDEN", headers
        assert payload["events"] == []
    assert head(ledger) == 0


def test_a_retracted_event_stops_counting_from_the_retraction_on_but_not_before(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    appended = call(
        client, APPEND, {"streamId": STREAM, "events": [profiled(), sentenced()]}, editor_headers
    )
    sentence = appended["events"][1]
    known_before = ledger.store.head().recorded_at
    assert known_before is not None
    retracted = call(
        client,
        RETRACT,
        {"eventId": sentence["id"], "reason": "wrong person", "sources": [SOURCE]},
        editor_headers,
    )
    assert retracted["errors"] == []
    assert retracted["retraction"]["type"] == "EventRetracted"
    assert retracted["retraction"]["data"]["eventId"] == sentence["eventId"]
    query = """query($k: DateTime, $person: ID!, $event: ID!) {
        person(id: $person, knownAt: $k) { sentences { termMonths } events { totalCount } }
        event(id: $event, knownAt: $k) { retractedBy { type } } }"""
    ids = {"person": STREAM, "event": sentence["eventId"]}
    then = client.post(
        "/graphql", json={"query": query, "variables": {**ids, "k": known_before.isoformat()}}
    ).json()["data"]
    now = client.post("/graphql", json={"query": query, "variables": ids}).json()["data"]
    assert then["person"]["sentences"] == [{"termMonths": 24}]
    assert then["event"]["retractedBy"] is None
    assert now["person"]["sentences"] == []
    assert now["event"]["retractedBy"] == {"type": "EventRetracted"}


def test_retracting_an_unknown_event_is_not_found(
    client: TestClient, ledger: Ledger, editor_headers: dict[str, str]
) -> None:
    payload = call(
        client,
        RETRACT,
        {"eventId": str(uuid.uuid4()), "reason": "typo", "sources": [SOURCE]},
        editor_headers,
    )
    assert payload["retraction"] is None
    assert payload["errors"][0]["code"] == "NOT_FOUND"
    assert payload["errors"][0]["field"] == ["eventId"]
    payload = call(
        client, RETRACT, {"eventId": "nonsense", "reason": "typo", "sources": []}, editor_headers
    )
    assert payload["errors"][0] == {
        "code": "VALIDATION",
        "message": "'nonsense' is not an event id",
        "field": ["eventId"],
    }
